"""No URL is built from the request's Host header: a request sent with a foreign Host gets
certificates, badges, QR codes, links and redirects that name Sabak's own address.

The app is the tests' own, created without SABAK_BASE_URL in the environment, as the issue's
attacker found it: whatever the Host says, the address comes from the configuration.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app import create_app
from app.credentials import dataintegrity
from app.extensions import db
from app.models import Certificate
from app.security import is_safe_redirect
from app.services import cohorts, enrolment
from app.services import tokens as token_service
from config import ProductionConfig
from tests import factories
from tests.conftest import Auth, csrf_token_from

FOREIGN = "verify.example.org"


@pytest.fixture
def keyed_app(app):
    """A signing key, and no base URL: the app as the issue's attacker found it."""
    factories.give_signing_key(app, base_url=None)
    return app


def foreign(client, method: str, path: str, **kwargs):
    """A request with ``Host: verify.example.org`` carrying the client's cookies (the test
    client would send none to a host they were not set for; an attacker's client sends them)."""
    cookies = "; ".join(f"{name}={c.value}" for name in ("session", "remember_token")
                        if (c := client.get_cookie(name)) is not None)
    headers = {"Host": FOREIGN, **({"Cookie": cookies} if cookies else {}), **kwargs.pop("headers", {})}
    # A client without a cookie jar of its own: it sends the Cookie header as given.
    return client.application.test_client(use_cookies=False).open(path, method=method, headers=headers, **kwargs)


def assert_not_foreign(response) -> None:
    assert FOREIGN.encode() not in response.data, response.request.path
    assert all(FOREIGN not in value for _name, value in response.headers.items()), response.request.path


def badge_urls(badge: dict) -> list[str]:
    """Every address a signed badge holds: its id, issuer, achievement, key and status list."""
    subject = badge["credentialSubject"]
    return [badge["id"], badge["issuer"]["id"], badge["issuer"]["url"], subject["achievement"]["id"],
            badge["proof"]["verificationMethod"], badge["credentialStatus"]["statusListCredential"],
            badge["credentialStatus"]["id"]]


def check_certificate(app, client, cert: Certificate, tmp_path) -> None:
    badge = foreign(client, "GET", f"/certificates/{cert.code}/credential.json").get_json()
    assert FOREIGN not in json.dumps(badge), badge_urls(badge)
    base = app.config["SABAK_BASE_URL"]
    assert base and FOREIGN not in base
    assert all(url == base or url.startswith(base + "/") for url in badge_urls(badge)), badge_urls(badge)
    # It verifies against the issuer document, also served to a foreign Host.
    issuer = foreign(client, "GET", "/issuer").get_json()
    assert issuer["id"] == base + "/issuer" and FOREIGN not in json.dumps(issuer)
    keys = {vm["id"]: vm["publicKeyMultibase"] for vm in issuer["verificationMethod"]}
    assert dataintegrity.verify(badge, dataintegrity.key_resolver(keys)).ok
    status_list = foreign(client, "GET", "/credentials/status").get_json()
    assert status_list["id"] == badge["credentialStatus"]["statusListCredential"] and FOREIGN not in json.dumps(status_list)
    assert_not_foreign(foreign(client, "GET", f"/certificates/{cert.code}"))

    pdf = foreign(client, "GET", f"/certificates/{cert.code}.pdf").data
    expected = f"{base}/certificates/{cert.code}"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert expected in text and FOREIGN not in text
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        (tmp_path / "c.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "c.pdf"),
                        str(tmp_path / "page")], check=True, capture_output=True)
        qr = subprocess.run(["zbarimg", "--raw", "-q", str(next(tmp_path.glob("page*.png")))],
                            capture_output=True, text=True).stdout.strip()
        assert qr == expected


def test_a_badge_issued_through_the_api_to_a_foreign_host_names_sabak(keyed_app, client, tmp_path, make_course):
    course = make_course("quiz-only", modules={"02-boolean.md": factories.QUIZ})
    user = factories.make_user()
    _row, plaintext = token_service.create_token(user, "phone")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert foreign(client, "POST", "/api/v1/courses/quiz-only/enrolment", headers=bearer).status_code == 201
    submitted = foreign(client, "POST", "/api/v1/courses/quiz-only/modules/boolean/attempts", headers=bearer,
                        json={"answers": {"bool-and": 0, "bool-tf": True}})
    assert submitted.status_code == 201 and submitted.get_json()["passed"]
    assert_not_foreign(submitted)
    cert = db.session.scalar(select(Certificate).where(Certificate.course_id == course.id))
    check_certificate(keyed_app, client, cert, tmp_path)


def test_a_badge_issued_through_a_form_to_a_foreign_host_names_sabak(keyed_app, client, tmp_path, make_course):
    course = make_course("lesson-only", modules={"01-intro.md": factories.LESSON})
    user = Auth(client).login(role="learner")
    enrolment.enrol(user, course)
    db.session.commit()
    page = client.get("/courses/lesson-only/intro").get_data(as_text=True)
    done = foreign(client, "POST", "/courses/lesson-only/intro/done", data={"csrf_token": csrf_token_from(page)})
    assert done.status_code == 302
    assert_not_foreign(done)
    cert = db.session.scalar(select(Certificate).where(Certificate.course_id == course.id))
    assert cert is not None, "the form did not complete the course"
    check_certificate(keyed_app, client, cert, tmp_path)


def test_the_cohort_join_link_names_sabak(app, client):
    instructor = Auth(client).login(role="instructor")
    cohort = cohorts.create_cohort(instructor, name="Группа 1", term=None, institution_id=None)
    db.session.commit()
    page = foreign(client, "GET", f"/teach/cohorts/{cohort.id}")
    assert page.status_code == 200
    assert_not_foreign(page)
    assert f"{app.config['SABAK_BASE_URL']}/join/{cohort.join_code}" in page.get_data(as_text=True)


def test_redirects_never_lead_to_the_host_a_request_names(app, client):
    user = factories.make_user()
    db.session.commit()
    # "next" naming the very host the request claims to be for is still another site.
    for target in (f"http://{FOREIGN}/", f"//{FOREIGN}/", f"/\\{FOREIGN}/", f"https://{FOREIGN}/dashboard"):
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        response = foreign(client, "POST", "/login?next=" + target,
                           data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
        assert response.status_code == 302 and response.location == "/dashboard", target
        language = foreign(client, "POST", "/language", data={"locale": "en", "next": target, "csrf_token": token})
        assert language.status_code == 302 and language.location == "/", target
    for path in ("/dashboard", "/profile", "/logout"):
        assert_not_foreign(foreign(client, "GET", path))


@pytest.mark.parametrize("target, safe", [
    ("/profile", True), ("/courses?q=a", True), ("/", True),
    ("", False), (None, False), ("//evil.example/", False), ("/\\evil.example/", False),
    ("http://localhost/profile", False), ("https://evil.example/", False), ("javascript:alert(1)", False),
    ("/\tevil", False), ("profile", False),
])
def test_what_counts_as_a_safe_redirect(app, target, safe):
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert is_safe_redirect(target) is safe


def test_no_page_shows_the_foreign_host(app, client, make_course):
    """Every page without arguments, to a visitor and to an admin (who sees every menu)."""
    make_course()
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static")
    assert "/issuer" in pages and "/teach/" in pages
    for path in pages:
        assert_not_foreign(foreign(client, "GET", path))
    Auth(client).login(role="admin")
    for path in pages:
        assert_not_foreign(foreign(client, "GET", path))


def test_production_refuses_to_start_without_a_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    monkeypatch.delenv("SABAK_BASE_URL", raising=False)
    monkeypatch.delenv("SABAK_TRUSTED_HOSTS", raising=False)
    with pytest.raises(RuntimeError, match="SABAK_BASE_URL"):
        create_app("production")
    for wrong in ("http://sabak.example.kg", "sabak.example.kg", "https://", "https://sabak.example.kg/?a=1"):
        monkeypatch.setenv("SABAK_BASE_URL", wrong)
        with pytest.raises(RuntimeError, match="SABAK_BASE_URL"):
            create_app("production")
    monkeypatch.setenv("SABAK_BASE_URL", "https://sabak.example.kg")
    assert create_app("production").config["TRUSTED_HOSTS"] == ["sabak.example.kg", "localhost", "127.0.0.1"]


def test_production_answers_400_to_a_foreign_host(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    monkeypatch.setenv("SABAK_BASE_URL", "https://sabak.example.kg")
    monkeypatch.delenv("SABAK_TRUSTED_HOSTS", raising=False)
    app = create_app("production")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    # Plain HTTP on loopback, as the TLS proxy in front passes requests on.
    assert client.get("/healthz", headers={"Host": "sabak.example.kg"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200  # a local monitor
    for path in ("/healthz", "/issuer", "/login", "/certificates/ABCD-EFGH-JKMN.pdf"):
        assert client.get(path, headers={"Host": FOREIGN}).status_code == 400, path
    monkeypatch.setenv("SABAK_TRUSTED_HOSTS", "sabak.example.kg, .sabak.kg")
    assert ProductionConfig().TRUSTED_HOSTS == ["sabak.example.kg", ".sabak.kg"]
    monkeypatch.setenv("SABAK_TRUSTED_HOSTS", "*")
    assert ProductionConfig().TRUSTED_HOSTS is None


def test_development_and_testing_have_a_local_address(monkeypatch):
    monkeypatch.delenv("SABAK_BASE_URL", raising=False)
    assert create_app("development").config["SABAK_BASE_URL"] == "http://127.0.0.1:5000"
    assert create_app("testing").config["SABAK_BASE_URL"] == "http://localhost"
    monkeypatch.setenv("SABAK_BASE_URL", "https://sabak.example.kg/lab")
    app = create_app("testing")
    with app.test_request_context("/", headers={"Host": FOREIGN}):
        from app.urls import absolute_url

        assert absolute_url("ledger.verify", code="AB") == "https://sabak.example.kg/lab/certificates/AB"
