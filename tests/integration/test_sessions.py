"""Sessions end on the server: logout, "log out everywhere" and a password change refuse every
copy of the cookies they end, and only a live ``user_sessions`` row signs anyone in."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.base import utcnow
from app.services import accounts
from app.services import tokens as token_service
from tests import factories
from tests.conftest import Auth, csrf_token_from, statements_run

def session_model():
    """Imported when used, so that on a tree without server-side sessions the tests of the
    issue's examples fail by what they check, not at import."""
    from app.models import UserSession

    return UserSession


# Pages made from the learner's own data, kept pieces included (app.caching) (the dashboard,
# the progress API), and the API's "who am I".
PERSONAL = ("/dashboard", "/api/v1/me", "/api/v1/me/progress", "/profile", "/credentials")


def cookies_of(client) -> dict[str, str]:
    return {name: c.value for name in ("session", "remember_token") if (c := client.get_cookie(name)) is not None}


def browser_with(app, cookies: dict[str, str]):
    """A new browser holding a copy of another one's cookies (as a thief or the next user would)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def signed_in(client) -> bool:
    """Every personal page and the API agree on whether this browser is signed in."""
    answers = {path: client.get(path).status_code for path in PERSONAL}
    if all(status == 200 for status in answers.values()):
        return True
    assert answers == {"/dashboard": 302, "/api/v1/me": 401, "/api/v1/me/progress": 401, "/profile": 302,
                       "/credentials": 302}, answers
    return False


def test_a_copy_of_the_cookies_is_refused_after_logout(app, client):
    user = factories.make_user(email="reader@example.kg")
    db.session.commit()
    Auth(client).login(user.email, remember=True)
    taken = cookies_of(client)
    assert set(taken) == {"session", "remember_token"}
    assert signed_in(browser_with(app, taken))  # the copy works while the session lasts
    Auth(client).logout()
    assert not signed_in(client)
    assert not signed_in(browser_with(app, taken))  # both cookies together
    assert not signed_in(browser_with(app, {"session": taken["session"]}))
    assert not signed_in(browser_with(app, {"remember_token": taken["remember_token"]}))
    assert db.session.scalar(select(func.count()).select_from(session_model())) == 0


def test_logout_ends_only_that_session(app, client):
    user = factories.make_user(email="two.devices@example.kg")
    db.session.commit()
    phone = app.test_client()
    Auth(phone).login(user.email)
    Auth(client).login(user.email)
    Auth(client).logout()
    assert signed_in(phone) and not signed_in(client)


def test_the_remember_cookie_alone_signs_in_while_its_session_lives(app, client):
    user = factories.make_user(email="remembered@example.kg")
    db.session.commit()
    Auth(client).login(user.email, remember=True)
    remembered = browser_with(app, {"remember_token": cookies_of(client)["remember_token"]})
    assert remembered.get("/dashboard").status_code == 200  # a browser reopened days later
    row = db.session.scalar(select(session_model()))
    assert row.expires_at - row.created_at == timedelta(days=30)
    db.session.delete(row)
    db.session.commit()
    fresh = browser_with(app, {"remember_token": cookies_of(client)["remember_token"]})
    assert not signed_in(fresh)
    assert not signed_in(remembered)  # the session cookie it was given is refused as well


def test_an_expired_session_is_refused_and_cleaned_up(app, client):
    user = factories.make_user(email="expired@example.kg")
    db.session.commit()
    Auth(client).login(user.email)
    row = db.session.scalar(select(session_model()))
    assert row.expires_at - row.created_at == timedelta(days=14)  # without "keep me logged in"
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(client)
    Auth(app.test_client()).login(user.email)  # any login clears out expired sessions
    db.session.expire_all()
    assert [r.expires_at > utcnow() for r in db.session.scalars(select(session_model()))] == [True]


def test_log_out_everywhere_from_the_profile_page(app, client):
    user = factories.make_user(email="library.visitor@example.kg")
    db.session.commit()
    library = app.test_client()  # the shared computer the learner forgot to log out of
    Auth(library).login(user.email, remember=True)
    left_behind = cookies_of(library)
    Auth(client).login(user.email)
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/profile/sessions/end-all"' in page and "Log out everywhere" in page
    # A form like every other: without its CSRF token nothing happens.
    assert client.post("/profile/sessions/end-all").status_code == 400
    assert signed_in(library)
    response = client.post("/profile/sessions/end-all", data={"csrf_token": csrf_token_from(page)},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "logged out on every device" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert not signed_in(client) and not signed_in(library)
    assert not signed_in(browser_with(app, {"remember_token": left_behind["remember_token"]}))
    Auth(client).login(user.email)  # and a new login works
    assert signed_in(client)


def test_sign_out_everywhere_can_keep_one_session(app, client):
    user = factories.make_user(email="keeper@example.kg")
    db.session.commit()
    other = app.test_client()
    Auth(other).login(user.email, remember=True)
    kept = accounts.start_session(user)
    db.session.commit()
    assert accounts.sign_out_everywhere(user, keep=kept.session_key) == 1
    db.session.commit()
    assert not signed_in(other)
    with app.test_request_context():
        assert accounts.load_user_from_cookie_id(kept.get_id()) == user
    assert accounts.sign_out_everywhere(user) == 1  # keep=None: all of them, the token rotated too
    db.session.commit()
    with app.test_request_context():
        assert accounts.load_user_from_cookie_id(kept.get_id()) is None


def test_a_password_change_ends_every_other_session_and_says_so(app, client):
    user = factories.make_user(email="changer@example.kg")
    db.session.commit()
    elsewhere = app.test_client()
    Auth(elsewhere).login(user.email, remember=True)
    elsewhere_cookies = cookies_of(elsewhere)
    Auth(client).login(user.email, remember=True)
    mine = cookies_of(client)
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Changing the password logs you out on every other device" in page
    response = client.post("/profile/password", headers={"Accept-Language": "en"}, data={
        "pw-current": factories.PASSWORD, "pw-new": "a brand new password", "pw-confirm": "a brand new password",
        "csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "Other devices have been logged out." in response.get_data(as_text=True)
    assert signed_in(client)
    # This browser's remember cookie still names its session; the other browser's do not.
    assert signed_in(browser_with(app, {"remember_token": mine["remember_token"]}))
    assert not signed_in(elsewhere)
    assert not signed_in(browser_with(app, {"remember_token": elsewhere_cookies["remember_token"]}))


def test_cookies_from_before_server_sessions_are_refused(app, client):
    """Cookies issued before this change named no session (``id:token``): they must not sign in."""
    user = factories.make_user(email="old.cookie@example.kg")
    db.session.commit()
    with app.test_request_context():
        assert accounts.load_user_from_cookie_id(f"{user.id}:{user.session_token}") is None
        assert accounts.load_user_from_cookie_id(f"{user.id}:{user.session_token}:") is None
        assert accounts.load_user_from_cookie_id(user.get_id()) is None  # an ORM user names no session


def test_one_users_session_key_does_not_sign_in_another(app):
    alice, bob = factories.make_user(), factories.make_user()
    alice_session = accounts.start_session(alice)
    db.session.commit()
    with app.test_request_context():
        assert accounts.load_user_from_cookie_id(f"{bob.id}:{bob.session_token}:{alice_session.session_key}") is None
        assert accounts.load_user_from_cookie_id(alice_session.get_id()) == alice


def test_the_user_and_the_session_are_read_in_one_statement(app, client):
    """Every logged-in request runs the user loader, so it stays one statement (the count is the
    point here), and that one statement checks the session too: once the session is ended on the
    server, the same cookie signs in nobody."""
    user = factories.make_user(email="counted@example.kg")
    db.session.commit()
    Auth(client).login(user.email)
    with client.session_transaction() as cookie:
        cookie_id = cookie["_user_id"]
    db.session.expire_all()
    with app.test_request_context():
        with statements_run() as statements:
            loaded = accounts.load_user_from_cookie_id(cookie_id)
        assert loaded == user and len(statements) == 1, statements
        accounts.end_session(loaded)
        db.session.commit()
        assert accounts.load_user_from_cookie_id(cookie_id) is None
    assert client.get("/api/v1/me").status_code == 401


def test_api_tokens_are_not_sessions(app, client):
    """Bearer tokens are revoked on their own: logging out everywhere leaves them working (the
    profile page says so), and a token's user has no session to end."""
    user = factories.make_user(email="scripter@example.kg")
    _token, plaintext = token_service.create_token(user, "script")
    db.session.commit()
    Auth(client).login(user.email)
    page = client.get("/profile").get_data(as_text=True)
    client.post("/profile/sessions/end-all", data={"csrf_token": csrf_token_from(page)})
    bearer = {"Authorization": f"Bearer {plaintext}"}
    script = app.test_client()
    assert script.get("/api/v1/me", headers=bearer).get_json()["email"] == user.email
    assert db.session.scalar(select(func.count()).select_from(session_model())) == 0  # none made for it


def test_maintenance_purge_deletes_expired_sessions(app, runner):
    user = factories.make_user()
    live, old = accounts.start_session(user), accounts.start_session(user)
    db.session.flush()
    stale = db.session.scalar(select(session_model()).where(session_model().key_hash == accounts._hash_key(old.session_key)))
    stale.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["maintenance", "purge"])
    assert result.exit_code == 0 and "Removed 1 expired login sessions." in result.output
    db.session.expire_all()
    with app.test_request_context():
        assert accounts.load_user_from_cookie_id(live.get_id()) == user
    assert db.session.scalar(select(func.count()).select_from(session_model())) == 1


def test_a_deactivated_account_is_signed_out_at_its_next_request(app, client):
    """As its API tokens already are (tokens.authenticate_token)."""
    user = factories.make_user(email="leaving@example.kg")
    db.session.commit()
    Auth(client).login(user.email, remember=True)
    assert signed_in(client)
    user.is_active_account = False
    db.session.commit()
    assert not signed_in(client)
    assert not signed_in(browser_with(app, {"remember_token": cookies_of(client)["remember_token"]}))
