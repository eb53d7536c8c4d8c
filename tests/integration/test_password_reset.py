"""Password reset: a single-use, time-limited link by mail (through a real SMTP server the test
starts) or made by an admin; the same answer for any address; rate-limited; ends every session."""
from __future__ import annotations

import re
import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.extensions import db
from app.models import PasswordReset
from app.models.base import utcnow
from tests import factories
from tests.conftest import Auth, csrf_token_from

BASE = "https://sabak.example.kg"
LINK_RE = re.compile(re.escape(BASE) + r"(/reset-password/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a brand new passphrase"


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, "no mail arrived"
        return self.messages[count - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def english(app):
    """Pages in English for the assertions (the test client sends no Accept-Language)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def inbox(app):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_SECURITY="none",
                      MAIL_FROM="Sabak <sabak@example.kg>", SABAK_BASE_URL=BASE)
    yield box
    controller.stop()


def _ask(client, email: str, ip: str = "10.0.0.1"):
    """Post the forgot-password form as a browser would, and let the response finish (a server
    closes it after sending: that is when the mail leaves)."""
    page = client.get("/forgot-password").get_data(as_text=True)
    response = client.post("/forgot-password", data={"email": email, "csrf_token": csrf_token_from(page)},
                           environ_base={"REMOTE_ADDR": ip})
    response.close()
    return response


def _without_tokens(html: str) -> str:
    return re.sub(r'value="[^"]{20,}"', 'value=""', html)


def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return client.post(path, data={"new": password, "confirm": confirm or password,
                                   "csrf_token": csrf_token_from(page.get_data(as_text=True))})


def test_the_mailed_link_sets_a_new_password_once_and_ends_every_session(app, client, inbox):
    user = factories.make_user(email="aigul@example.kg", name="Айгүл", locale="ky")
    db.session.commit()
    elsewhere = app.test_client()
    Auth(elsewhere).login("aigul@example.kg")
    assert elsewhere.get("/profile").status_code == 200

    response = _ask(client, "  AIGUL@example.kg ")
    assert response.status_code == 200
    message = inbox.wait()
    assert message["To"] == "aigul@example.kg" and message["From"] == "Sabak <sabak@example.kg>"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "Айгүл" in body and "Sabak" in message["Subject"]
    assert "мүнөт" in body  # in the user's saved language, Kyrgyz, not the page's
    path = LINK_RE.search(body).group(1)  # from SABAK_BASE_URL, not the request's host
    stored = db.session.scalar(select(PasswordReset))
    assert path.rsplit("/", 1)[1] not in (stored.token_hash, stored.password_fingerprint)  # only a hash kept

    done = _set_password(client, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    # Every other session has ended; the new password works, the old does not.
    assert elsewhere.get("/profile").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                      "csrf_token": Auth(fresh).csrf()}).status_code == 200
    Auth(fresh).login(user.email, NEW_PASSWORD)
    # Single use.
    again = client.get(path)
    assert again.status_code == 404 and "Ask for a new link" in again.get_data(as_text=True)
    assert client.post(path, data={"new": "another long password", "confirm": "another long password",
                                   "csrf_token": Auth(client).csrf()}).status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, inbox):
    factories.make_user(email="known@example.kg")
    db.session.commit()
    known = _ask(client, "known@example.kg", ip="10.0.0.2")
    unknown = _ask(client, "nobody@example.kg", ip="10.0.0.3")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))
    assert "If an account has this address" in known.get_data(as_text=True)
    inbox.wait()
    time.sleep(0.3)
    assert [m["To"] for m in inbox.messages] == ["known@example.kg"]
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 1


def test_an_expired_replaced_or_outdated_link_does_not_work(client, auth, inbox):
    user = factories.make_user(email="learner@example.kg")
    db.session.commit()
    _ask(client, user.email, ip="10.0.1.1")
    first = LINK_RE.search(inbox.wait(1).get_content()).group(1)
    _ask(client, user.email, ip="10.0.1.2")
    second = LINK_RE.search(inbox.wait(2).get_content()).group(1)
    assert client.get(first).status_code == 404  # a newer link replaces it
    assert client.get(second).status_code == 200

    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(second).status_code == 404

    _ask(client, user.email, ip="10.0.1.3")
    third = LINK_RE.search(inbox.wait(3).get_content()).group(1)
    assert client.get(third).status_code == 200
    auth.login(user.email)  # the password changed on the profile page retires the link
    page = client.get("/profile").get_data(as_text=True)
    client.post("/profile/password", data={"pw-current": factories.PASSWORD, "pw-new": "changed on the profile",
                                           "pw-confirm": "changed on the profile", "csrf_token": csrf_token_from(page)})
    assert client.get(third).status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(client, inbox):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    _ask(client, "learner@example.kg")
    path = LINK_RE.search(inbox.wait().get_content()).group(1)
    response = _set_password(client, path, password="short", confirm="short")
    assert response.status_code == 200 and "between 10 and 200 characters" in response.get_data(as_text=True)
    response = _set_password(client, path, password="long enough one", confirm="but different")
    assert "do not match" in response.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_asking_is_rate_limited_per_address_and_per_client(app, client, inbox):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    for address in ("learner@example.kg", "nobody@example.kg"):  # the same limit, account or not
        for n in range(3):
            assert _ask(client, address, ip=f"10.1.{n}.1").status_code == 200
        assert _ask(client, address.upper(), ip="10.1.9.9").status_code == 429
    inbox.wait(3)
    for n in range(10):
        assert _ask(client, f"other{n}@example.kg", ip="10.2.0.1").status_code == 200, n
    assert _ask(client, "yet-another@example.kg", ip="10.2.0.1").status_code == 429


def test_setting_the_password_is_rate_limited(client, inbox):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    _ask(client, "learner@example.kg")
    path = LINK_RE.search(inbox.wait().get_content()).group(1)
    statuses = [_set_password(client, path, password="short", confirm="short").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_without_mail_the_page_sends_people_to_an_administrator(app, client):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    assert not app.config["SMTP_HOST"]
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "Ask an administrator" in page and 'name="email"' not in page
    client.post("/forgot-password", data={"email": "learner@example.kg", "csrf_token": Auth(client).csrf()})
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)


def test_an_admin_makes_a_one_time_link_shown_once(app, client, auth):
    app.config["SABAK_BASE_URL"] = BASE
    learner = factories.make_user(email="learner@example.kg")
    db.session.commit()
    admin = auth.login(role="admin")
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert f'action="/admin/users/{learner.id}/reset-link' in users_page
    response = client.post(f"/admin/users/{learner.id}/reset-link",
                           data={"csrf_token": csrf_token_from(users_page)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    path = LINK_RE.search(page).group(1)
    assert path.rsplit("/", 1)[1] not in str(response.headers)  # in the page only: not in a cookie
    reset = db.session.scalar(select(PasswordReset))
    assert reset.created_by_id == admin.id
    assert reset.expires_at - reset.created_at == timedelta(hours=24)

    stranger = app.test_client()
    assert _set_password(stranger, path).status_code == 302
    Auth(stranger).login("learner@example.kg", NEW_PASSWORD)
    assert client.get("/admin/users").status_code == 200  # the admin's own session goes on


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_only_admins_make_reset_links(client, auth, role):
    target = factories.make_user()
    db.session.commit()
    auth.login(role=role)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post(f"/admin/users/{target.id}/reset-link", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


def test_flask_users_reset_link_prints_a_working_link(app, client, runner):
    app.config["SABAK_BASE_URL"] = BASE
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    result = runner.invoke(args=["users", "reset-link", "Learner@example.kg"])
    assert result.exit_code == 0, result.output
    path = LINK_RE.search(result.output).group(1)
    assert _set_password(client, path).status_code == 302
    missing = runner.invoke(args=["users", "reset-link", "nobody@example.kg"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_the_mailed_link_names_sabak_whatever_host_the_request_claims(client, inbox):
    """A reset asked for with a foreign Host header still mails a link to SABAK_BASE_URL: whoever
    controls a host written into the mail would get the link's token."""
    factories.make_user(email="host@example.kg")
    db.session.commit()
    page = client.get("/forgot-password", headers={"Host": "attacker.example.org"}).get_data(as_text=True)
    client.post("/forgot-password", headers={"Host": "attacker.example.org"},
                data={"email": "host@example.kg", "csrf_token": csrf_token_from(page)}).close()
    body = inbox.wait().get_content()
    assert "attacker.example.org" not in body and LINK_RE.search(body)
