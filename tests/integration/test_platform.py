"""Each of Sabak's framework overrides (app.platform), held to the library version it was written for.

Two kinds of test per override. The first fails when the pinned library's code that the override
replaces or relies on has changed (a new release, an upgraded pin): its source is fingerprinted,
so an upgrade stops here until someone has read the override against the new code and updated
the fingerprint. The second proves the override keeps the library's behaviour: the same answer
as the library's own method for the same input, through a real app and real requests.
"""
from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
import time
from functools import partial
from importlib import metadata
from pathlib import Path

import flask
import flask.sessions
import flask_babel
import flask_limiter
import flask_limiter._limits
import flask_wtf.csrf
import limits.storage
import pytest
from babel import Locale
from flask import Flask, g, render_template_string, session
from flask_babel import force_locale

from app.extensions import limiter
from app.platform import csrf as platform_csrf
from app.platform import i18n
from app.platform.application import Sabak
from app.platform.limiter import DeclaredLimitsOnly
from app.platform.ratelimit import DatabaseStorage
from app.platform.sessions import RememberingCookieSessions

ROOT = Path(__file__).resolve().parents[2]

# The library code each override replaces or relies on, with the fingerprint of its source in the
# pinned version. When one changes: read the override (named on the right) against the new code,
# fix it if need be, then put the new fingerprint here.
LIBRARY_CODE = [
    ("Flask", flask.Flask.ensure_sync, "cf72a49fc5e15749", "application.Sabak.ensure_sync"),
    ("Flask", flask.Flask.send_static_file, "c8bf8b9925862b87", "application.Sabak.send_static_file"),
    ("Flask", flask.sessions.SecureCookieSessionInterface.open_session, "c6d6154997422345",
     "sessions.RememberingCookieSessions.open_session"),
    ("Flask", flask.sessions.SecureCookieSessionInterface.get_signing_serializer, "79d4753a85a8919b",
     "sessions.RememberingCookieSessions.get_signing_serializer"),
    ("Flask-Limiter", flask_limiter.Limiter._check_request_limit, "6166b729f14e23ac",
     "limiter.DeclaredLimitsOnly._check_request_limit"),
    # The decorator's wrapper is what still checks a declared limit (with in_middleware=False).
    ("Flask-Limiter", flask_limiter._limits.RouteLimit.__call__, "b996584f1be7f11b",
     "limiter.DeclaredLimitsOnly._check_request_limit"),
    # generate_csrf reads g.csrf_token first; init_app registers csrf_token for templates.
    ("Flask-WTF", flask_wtf.csrf.generate_csrf, "016213b9f24494e8", "csrf.signed_csrf_token"),
    ("Flask-WTF", flask_wtf.csrf.CSRFProtect.init_app, "ae5b1ac967e5ef55", "csrf.install"),
    # get_locale hands a Locale from the selector through Locale.parse (which returns it as it is).
    ("flask-babel", flask_babel.get_locale, "50c470bdbdd798db", "i18n.select_locale"),
    # init_app installs the template gettext callables that install_gettext replaces.
    ("flask-babel", flask_babel.Babel.init_app, "4e7e5a339e4947e9", "i18n.install_gettext"),
]


def _fingerprint(code) -> str:
    return hashlib.sha256(textwrap.dedent(inspect.getsource(code)).encode()).hexdigest()[:16]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line.strip())
        if match:
            pins[match[1].lower()] = match[2]
    return pins


@pytest.mark.parametrize("library", sorted({lib for lib, *_ in LIBRARY_CODE} | {"limits", "Babel"}))
def test_the_installed_library_is_the_pinned_one(library):
    """The fingerprints below are of the pinned versions: an installed one that differs is a
    different library."""
    assert metadata.version(library) == _pins()[library.lower()], library


@pytest.mark.parametrize(("library", "code", "fingerprint", "override"), LIBRARY_CODE,
                         ids=[f"{lib}:{code.__qualname__}" for lib, code, *_ in LIBRARY_CODE])
def test_the_library_code_an_override_rests_on_is_unchanged(library, code, fingerprint, override):
    assert _fingerprint(code) == fingerprint, (
        f"{library} {metadata.version(library)} changed {code.__module__}.{code.__qualname__}: read "
        f"app.platform.{override} against it, then update its fingerprint in this test")


@pytest.mark.parametrize(("override", "replaced"), [
    (Sabak.ensure_sync, Flask.ensure_sync),
    (Sabak.send_static_file, Flask.send_static_file),
    (RememberingCookieSessions.open_session, flask.sessions.SecureCookieSessionInterface.open_session),
    (RememberingCookieSessions.get_signing_serializer,
     flask.sessions.SecureCookieSessionInterface.get_signing_serializer),
    (DeclaredLimitsOnly._check_request_limit, flask_limiter.Limiter._check_request_limit),
], ids=lambda f: f.__qualname__)
def test_an_override_takes_the_arguments_of_the_method_it_replaces(override, replaced):
    """Flask and Flask-Limiter call these by keyword as well as by position."""
    mine, theirs = inspect.signature(override).parameters, inspect.signature(replaced).parameters
    assert list(mine) == list(theirs)
    assert [p.default for p in mine.values()] == [p.default for p in theirs.values()]


# --- ensure_sync -------------------------------------------------------------------------------

async def _coroutine_view():
    return "async"


def _plain_view():
    return "sync"


class _Handler:
    def method(self):
        return "method"

    async def async_method(self):
        return "async method"

    async def __call__(self):
        return "callable object"


def _outcome(app: Flask, ensure_sync, func):
    """What ``ensure_sync`` makes of ``func``: the function itself, the wrapper's result when
    called, or the error it raises (Flask without its async extra refuses coroutines)."""
    try:
        made = ensure_sync(app, func)
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return "raises", type(exc), str(exc)
    if made is func:
        return "as it is"
    try:
        return "wrapped", made()
    except Exception as exc:  # noqa: BLE001
        return "wrapped, raises", type(exc), str(exc)


@pytest.mark.parametrize("func", [
    _plain_view, _coroutine_view, _Handler().method, _Handler().async_method, _Handler(),
    partial(_coroutine_view), partial(_plain_view), lambda: "lambda", len,
], ids=["function", "coroutine function", "method", "async method", "async callable object",
        "partial of a coroutine function", "partial", "lambda", "builtin"])
def test_ensure_sync_answers_as_flask_does(app, func):
    """Twice each: the second answer comes from the remembered code object."""
    for _ in range(2):
        assert _outcome(app, Sabak.ensure_sync, func) == _outcome(app, Flask.ensure_sync, func)


def test_views_and_hooks_run_through_ensure_sync(app, client):
    """Every request runs views, hooks and context processors through ensure_sync: pages work."""
    assert isinstance(app, Sabak)
    assert client.get("/courses").status_code == 200
    assert client.get("/healthz").status_code == 200


# --- DeclaredLimitsOnly --------------------------------------------------------------------------

def test_a_declared_limit_still_counts_and_an_undeclared_view_is_not_limited(app):
    """A view that declares a limit (the decorator's own check) is limited; the before-request
    pass this class turns off had nothing to check, and checks nothing now."""
    assert isinstance(limiter, DeclaredLimitsOnly)
    hits = []

    @app.route("/test-limited")
    @limiter.limit("2 per minute")
    def limited():
        hits.append(1)
        return "ok"

    client = app.test_client()
    assert [client.get("/test-limited").status_code for _ in range(3)] == [200, 200, 429]
    assert len(hits) == 2
    assert all(client.get("/courses").status_code == 200 for _ in range(5))


# --- RememberingCookieSessions -------------------------------------------------------------------

def _cookies(app: Flask) -> dict[str, str]:
    """Session cookies as Flask itself writes and signs them: a fresh one, one signed with an old
    key that is still a fallback, a tampered one, one too old, and garbage."""
    flask_sessions = flask.sessions.SecureCookieSessionInterface()
    fresh = flask_sessions.get_signing_serializer(app).dumps({"_user_id": "1:t:k", "locale": "ky"})
    old_key_app = Flask("old")
    old_key_app.secret_key = "the previous key"
    old_key_app.config["SECRET_KEY_FALLBACKS"] = None
    by_old_key = flask_sessions.get_signing_serializer(old_key_app).dumps({"locale": "ru"})
    return {"fresh": fresh, "old key": by_old_key, "tampered": fresh[:-3] + ("AAA" if fresh[-3:] != "AAA" else "BBB"),
            "garbage": "not.a.cookie", "none": ""}


def _opened(app: Flask, interface, cookie: str):
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        opened = interface.open_session(app, flask.request)
        return None if opened is None else (type(opened), dict(opened))


def test_a_remembered_session_reads_every_cookie_as_flask_does(app, monkeypatch):
    app.config["SECRET_KEY_FALLBACKS"] = ["the previous key"]
    mine, flasks = RememberingCookieSessions(), flask.sessions.SecureCookieSessionInterface()
    cookies = _cookies(app)
    for _ in range(2):  # verified, then remembered
        for name, cookie in cookies.items():
            assert _opened(app, mine, cookie) == _opened(app, flasks, cookie), name
    assert _opened(app, mine, cookies["fresh"])[1] == {"_user_id": "1:t:k", "locale": "ky"}
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + app.permanent_session_lifetime.total_seconds() + 60)
    for name, cookie in cookies.items():  # past the session's lifetime: a remembered cookie too
        assert _opened(app, mine, cookie) == _opened(app, flasks, cookie), name
    assert _opened(app, mine, cookies["fresh"])[1] == {}


def test_the_session_interface_is_installed_and_its_cookies_are_flasks(app, client):
    assert isinstance(app.session_interface, RememberingCookieSessions)
    client.get("/login")  # the anonymous session keeps its CSRF token
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    with app.test_request_context():
        data = flask.sessions.SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    assert "csrf_token" in data


# --- signed_csrf_token ---------------------------------------------------------------------------

def test_a_reused_csrf_token_is_the_one_flask_wtf_gives_and_validates(app):
    """The next request of the same session gets the token signed before, from g where Flask-WTF
    looks first; Flask-WTF's own validation accepts it."""
    with app.test_request_context("/"):
        session["csrf_token"] = "0123456789abcdef" * 2
        first = platform_csrf.signed_csrf_token()
        assert first == flask_wtf.csrf.generate_csrf()
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        assert platform_csrf.signed_csrf_token() == first
        assert g.csrf_token == first and flask_wtf.csrf.generate_csrf() == first
        flask_wtf.csrf.validate_csrf(first)  # raises ValidationError if refused
    with app.test_request_context("/"):  # another session's raw token: the kept one is refused
        session["csrf_token"] = "fedcba9876543210" * 2
        with pytest.raises(flask_wtf.csrf.ValidationError):
            flask_wtf.csrf.validate_csrf(first)


def test_templates_call_the_reusing_csrf_token(app):
    with app.test_request_context("/"):
        session["csrf_token"] = "0123456789abcdef" * 2
        html = render_template_string("{{ csrf_token() }}")
        assert html == platform_csrf.signed_csrf_token()
    assert app.jinja_env.globals["csrf_token"] is platform_csrf.signed_csrf_token


# --- the locale selector and the template gettext ------------------------------------------------

def test_the_selected_locale_object_is_the_one_flask_babel_uses(app):
    with app.test_request_context("/", headers={"Accept-Language": "ky"}):
        chosen = i18n.select_locale()
        assert chosen is i18n.select_locale() and isinstance(chosen, Locale)  # made once
        assert flask_babel.get_locale() is chosen
        assert str(chosen) == "ky"


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_templates_translate_as_flask_babel_does(app, language):
    """The callables installed over Flask-Babel's give what Flask-Babel's gettext gives, from
    the translations looked up once for the request."""
    source = '{{ _("Log in") }}|{{ ngettext("%(num)d module", "%(num)d modules", 3) }}|{{ pgettext("x", "Log in") }}'
    with app.test_request_context("/"), force_locale(language):
        expected = [flask_babel.gettext("Log in"), flask_babel.ngettext("%(num)d module", "%(num)d modules", 3),
                    flask_babel.pgettext("x", "Log in")]
        assert render_template_string(source).split("|") == expected
        assert g._sabak_translations is flask_babel.get_translations()
    if language != "en":
        assert expected[0] != "Log in"  # a real translation was compared


# --- the rate-limit storage ----------------------------------------------------------------------

def test_the_database_storage_implements_the_limits_storage_interface():
    assert not DatabaseStorage.__abstractmethods__
    for name in limits.storage.Storage.__abstractmethods__:
        theirs = getattr(limits.storage.Storage, name)
        if callable(theirs):
            assert list(inspect.signature(getattr(DatabaseStorage, name)).parameters) == \
                list(inspect.signature(theirs).parameters), name
    assert isinstance(limits.storage.storage_from_string("sabak+db://"), DatabaseStorage)


def test_two_workers_storages_count_together(app):
    one, other = DatabaseStorage(), DatabaseStorage()
    assert [one.incr("k", 60), other.incr("k", 60), one.incr("k", 60)] == [1, 2, 3]
    assert other.get("k") == 3
    other.clear("k")
    assert one.get("k") == 0
