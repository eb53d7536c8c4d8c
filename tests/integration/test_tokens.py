"""Personal API tokens: the profile page creates, lists and revokes them; the API accepts them."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken
from app.services import tokens as token_service
from tests import factories
from tests.conftest import csrf_token_from

TOKEN_RE = re.compile(r'id="new-token-value" value="(sbk_[A-Za-z0-9_-]+)"')


def create_on_profile(client, name="My script"):
    html = client.get("/profile").get_data(as_text=True)
    return client.post("/profile/tokens", data={"token_name": name, "csrf_token": csrf_token_from(html)})


def bearer(client, plaintext, path="/api/v1/me"):
    return client.get(path, headers={"Authorization": f"Bearer {plaintext}"})


def test_create_use_and_revoke_a_token_on_the_profile_page(client, auth):
    user = auth.login(role="learner")
    page = client.get("/profile").get_data(as_text=True)
    assert 'for="token_name"' in page and 'id="token_name"' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids on the profile page"
    assert "Personal API tokens" in page or "API" in page

    response = create_on_profile(client)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    plaintext = TOKEN_RE.search(html).group(1)
    assert len(plaintext) == 4 + 43 and response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers or plaintext not in response.headers["Set-Cookie"]

    # Only the hash and a prefix are stored; the page never shows the token again.
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest() and row.prefix == plaintext[:12]
    assert row.user_id == user.id and row.name == "My script"
    again = client.get("/profile").get_data(as_text=True)
    assert plaintext not in again and row.prefix in again and "My script" in again

    # The token works for the API, from a client without any cookie.
    other = client.application.test_client()
    assert bearer(other, plaintext).get_json()["email"] == user.email
    db.session.refresh(row)
    assert row.last_used_at is not None

    # Revoke with the form on the profile page.
    response = client.post(f"/profile/tokens/{row.id}/revoke", data={"csrf_token": csrf_token_from(again)})
    assert response.status_code == 302 and response.location.endswith("/profile")
    assert bearer(other, plaintext).status_code == 401
    assert row.prefix not in client.get("/profile").get_data(as_text=True)


def test_token_forms_need_csrf_and_a_name(client, auth):
    auth.login(role="learner")
    assert client.post("/profile/tokens", data={"token_name": "x"}).status_code == 400
    response = create_on_profile(client, name="   ")
    assert response.status_code == 400 and not TOKEN_RE.search(response.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0
    plaintext = TOKEN_RE.search(create_on_profile(client).get_data(as_text=True)).group(1)
    row = db.session.scalar(select(ApiToken))
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 400  # no CSRF token
    assert bearer(client.application.test_client(), plaintext).status_code == 200


def test_nobody_revokes_someone_elses_token(client, auth):
    owner = factories.make_user()
    row, plaintext = token_service.create_token(owner, "theirs")
    db.session.commit()
    auth.login(role="learner")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post(f"/profile/tokens/{row.id}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post("/profile/tokens/999999/revoke", data={"csrf_token": token}).status_code == 404
    assert bearer(client.application.test_client(), plaintext).status_code == 200


def test_token_pages_need_login(client):
    assert client.post("/profile/tokens").status_code in (302, 400)
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.location


def test_user_for_token_ignores_revoked_and_unknown_tokens(app):
    user = factories.make_user()
    row, plaintext = token_service.create_token(user, "  spaced   name ")
    db.session.commit()
    assert row.name == "spaced name" and plaintext.startswith("sbk_")
    assert token_service.user_for_token(plaintext) == user
    assert token_service.user_for_token(plaintext + "x") is None
    assert token_service.user_for_token("not-a-token") is None
    assert token_service.list_tokens(user) == [row]
    token_service.revoke_token(user, row.id)
    token_service.revoke_token(user, row.id)  # idempotent
    db.session.commit()
    assert token_service.user_for_token(plaintext) is None
    assert token_service.list_tokens(user) == []


def test_last_used_at_is_written_at_most_once_a_minute(app):
    user = factories.make_user()
    row, plaintext = token_service.create_token(user, "busy")
    db.session.commit()
    first = token_service.authenticate_token(plaintext)
    assert first.touched and row.last_used_at is not None
    stamp = row.last_used_at
    assert not token_service.authenticate_token(plaintext, now=stamp + timedelta(seconds=59)).touched
    assert row.last_used_at == stamp
    later = token_service.authenticate_token(plaintext, now=stamp + timedelta(seconds=61))
    assert later.touched and row.last_used_at == stamp + timedelta(seconds=61)


def test_each_token_is_unique_and_deleting_the_user_deletes_tokens(app):
    user = factories.make_user()
    plaintexts = {token_service.create_token(user, f"t{n}")[1] for n in range(5)}
    db.session.commit()
    assert len(plaintexts) == 5
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_the_page_after_creating_a_token_shows_the_saved_profile_and_an_empty_token_form(client, auth):
    user = auth.login(role="learner")
    html = create_on_profile(client, name="Laptop").get_data(as_text=True)
    assert f'value="{user.name}"' in html  # the profile form is not emptied by the token POST
    assert 'value="Laptop"' not in html and "<td>Laptop</td>" in html
