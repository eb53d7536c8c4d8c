"""Registration, login, logout, profile and passwords through the real pages."""
from __future__ import annotations

from app.extensions import db
from app.models.people import Role, User
from tests import factories
from tests.conftest import csrf_token_from


def register(client, **overrides):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    data = {
        "name": "Айгерим Садыкова",
        "email": "Aigerim@Example.KG ",
        "password": "long enough password",
        "confirm": "long enough password",
        "institution": "0",
        "locale": "ky",
        "csrf_token": token,
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_registration_creates_a_learner_and_logs_in(client, app):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    user = db.session.query(User).one()
    assert user.email == "aigerim@example.kg"  # trimmed and lower-cased
    assert user.role is Role.LEARNER
    assert user.locale == "ky"
    assert user.password_hash.startswith("$argon2id$")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Айгерим Садыкова" in page.get_data(as_text=True)


def test_registration_refuses_an_email_that_differs_only_in_case(client):
    factories.make_user(email="aigerim@example.kg")
    db.session.commit()
    response = register(client, email="AIGERIM@example.kg")
    assert response.status_code == 200
    assert db.session.query(User).count() == 1
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_registration_validates_password_length_and_confirmation(client):
    response = register(client, password="short", confirm="short")
    assert response.status_code == 200
    response = register(client, confirm="something else entirely")
    assert response.status_code == 200
    assert db.session.query(User).count() == 0


def test_login_and_logout(client, auth):
    user = factories.make_user(email="learner@example.kg")
    db.session.commit()
    auth.login("LEARNER@example.kg")
    assert client.get("/dashboard").status_code == 200
    assert user.last_login_at is not None or db.session.get(User, user.id).last_login_at
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302  # back to the login page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    english = {"Accept-Language": "en"}
    response = client.post("/login", headers=english, data={
        "email": "learner@example.kg", "password": "wrong password", "csrf_token": auth.csrf()})
    assert response.status_code == 200
    unknown = client.post("/login", headers=english, data={
        "email": "nobody@example.kg", "password": "wrong password", "csrf_token": auth.csrf()})
    error = "The email or password is not correct."
    assert error in response.get_data(as_text=True) and error in unknown.get_data(as_text=True)


def test_login_redirects_only_to_local_pages(client, auth):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    ok = client.post("/login?next=/profile", data={
        "email": "learner@example.kg", "password": factories.PASSWORD, "csrf_token": auth.csrf()})
    assert ok.location.endswith("/profile")
    auth.logout()
    evil = client.post("/login?next=https://evil.example/", data={
        "email": "learner@example.kg", "password": factories.PASSWORD, "csrf_token": auth.csrf()})
    assert evil.location.endswith("/dashboard")


def test_remember_me_sets_a_lasting_httponly_cookie(client, auth):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    response = client.post("/login", data={
        "email": "learner@example.kg", "password": factories.PASSWORD, "remember": "y", "csrf_token": auth.csrf()})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_profile_update(client, auth, post_form):
    inst = factories.make_institution("Osh State University")
    db.session.commit()
    user = auth.login(role="learner")
    response = post_form("/profile", {"name": "New Name", "institution": str(inst.id), "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.institution_id, user.locale) == ("New Name", inst.id, "en")


def test_changing_the_password_signs_out_other_sessions(app, client, auth, post_form):
    user = auth.login(role="learner")
    other_device = app.test_client()
    Auth2 = type(auth)
    Auth2(other_device).login(user.email)
    assert other_device.get("/dashboard").status_code == 200

    response = post_form("/profile/password", {
        "pw-current": factories.PASSWORD, "pw-new": "a brand new password", "pw-confirm": "a brand new password",
    }, token_page="/profile")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this browser stays logged in
    assert other_device.get("/dashboard").status_code == 302  # the other one is signed out
    auth.logout()
    auth.login(user.email, "a brand new password")


def test_change_password_requires_the_current_one(client, auth, post_form):
    auth.login(role="learner")
    response = post_form("/profile/password", {
        "pw-current": "not my password", "pw-new": "a brand new password", "pw-confirm": "a brand new password",
    }, token_page="/profile", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_admin_changes_roles_but_not_their_own(client, auth, post_form):
    admin = auth.login(role="admin")
    learner = factories.make_user(email="future.instructor@example.kg")
    db.session.commit()
    page = client.get("/admin/users?q=future")
    assert "future.instructor@example.kg" in page.get_data(as_text=True)
    post_form(f"/admin/users/{learner.id}/role", {"role": "instructor"}, token_page="/admin/users")
    db.session.refresh(learner)
    assert learner.role is Role.INSTRUCTOR
    post_form(f"/admin/users/{admin.id}/role", {"role": "learner"}, token_page="/admin/users")
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_cli_creates_the_first_admin(runner):
    result = runner.invoke(args=["users", "create", "--email", "Boss@Example.kg", "--role", "admin",
                                 "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    assert factories.find_user("boss@example.kg").role is Role.ADMIN
    again = runner.invoke(args=["users", "create", "--email", "boss@example.kg", "--password", "whatever12345"])
    assert again.exit_code != 0 and again.output.startswith("Error:")  # said in the default language


def test_every_demo_account_can_log_in_with_the_printed_password(runner, client, auth):
    result = runner.invoke(args=["demo", "seed"])
    from app.cli import DEMO_ACCOUNTS

    for email, _name, role, password in DEMO_ACCOUNTS:
        assert f"password: {password}" in result.output
        user = auth.login(email, password)
        assert user.role is role
        auth.logout()


def test_demo_seed_is_idempotent(runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0
    assert "learner@sabak.local" in result.output
    from app.cli import DEMO_ACCOUNTS

    assert db.session.query(User).count() == len(DEMO_ACCOUNTS) == 4


def test_each_request_sees_the_user_as_stored_now(app, client, auth):
    """current_user is a read-only snapshot of the users row (accounts.SessionUser), read anew
    for every request: a change made elsewhere (an admin, another worker) shows at once."""
    from flask import g
    from flask_login import current_user

    from app.services.accounts import SessionUser

    learner = auth.login(role="learner")
    cookie = client.get_cookie("session")
    with app.test_request_context("/", headers={"Cookie": f"{cookie.key}={cookie.value}"}):
        g.pop("_login_user", None)  # the fixture's app context kept the login request's user
        user = current_user._get_current_object()
        assert isinstance(user, SessionUser) and user == learner and user.id == learner.id
        assert not user.is_instructor
    assert client.get("/teach/").status_code == 403
    learner.role = Role.INSTRUCTOR
    learner.name = "Бакыт Осмонов"
    db.session.commit()
    assert client.get("/teach/").status_code == 200  # the next request reads the new role
    assert "Бакыт Осмонов" in client.get("/dashboard").get_data(as_text=True)
