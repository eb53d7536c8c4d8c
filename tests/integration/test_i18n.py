"""Languages: which one a page speaks, and catalogs that are complete."""
from __future__ import annotations

import re

import pytest

from app import i18n_check
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token_from


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_default_language_is_russian(client):
    assert html_lang(client.get("/")) == "ru"


@pytest.mark.parametrize("header, expected", [("ky", "ky"), ("en-US,en;q=0.9", "en"),
                                              ("de-DE, ky;q=0.5", "ky"), ("fr", "ru")])
def test_accept_language_is_followed(client, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_the_switcher_overrides_the_browser(client):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "ky", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert html_lang(page) == "ky"
    assert "Кирүү" in page.get_data(as_text=True)


def test_the_switcher_refuses_foreign_redirects_and_unknown_languages(client):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "xx", "next": "https://evil.example/", "csrf_token": token})
    assert response.location.endswith("/")
    assert html_lang(client.get("/")) == "ru"


NEXT_RE = re.compile(r'name="next" value="([^"]*)"')


def test_switching_language_on_a_page_rendered_by_a_post_returns_to_a_page_that_opens(client, auth, post_form):
    """The profile's password form sent back with an error is a page at /profile/password, which
    answers only POST: the switcher must send the reader to /profile, not into a 405."""
    auth.login(role="learner")
    page = post_form("/profile/password", {"pw-current": "wrong", "pw-new": "short", "pw-confirm": "short"},
                     token_page="/profile")
    assert page.status_code == 400
    target = NEXT_RE.search(page.get_data(as_text=True)).group(1)
    assert target == "/profile"
    switched = client.post("/language", data={"locale": "ky", "next": target,
                                              "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert client.get(switched.location).status_code == 200


def test_every_post_only_route_offers_a_page_that_opens_with_get(app):
    """The rule, for every route a form can post to: the switcher's target answers GET."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect

    from app.templating import page_to_return_to

    adapter = app.url_map.bind("")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods or "POST" not in rule.methods:
            continue
        path = re.sub(r"<(?:int:)?\w+>", lambda m: "1" if m.group(0).startswith("<int") else "x", rule.rule)
        with app.test_request_context(path, method="POST"):
            target = page_to_return_to()
        try:
            adapter.match(target, method="GET")
        except RequestRedirect:
            pass
        except (MethodNotAllowed, NotFound) as exc:
            raise AssertionError(f"{rule.rule} -> {target}: {exc}") from None
        checked += 1
    assert checked > 20


def test_a_users_saved_language_wins(client, auth):
    user = factories.make_user(email="l@example.kg", locale="en")
    db.session.commit()
    auth.login("l@example.kg")
    assert html_lang(client.get("/dashboard", headers={"Accept-Language": "ky"})) == "en"
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "ky", "csrf_token": token})
    db.session.refresh(user)
    assert user.locale == "ky"


@pytest.mark.parametrize("locale, text", [("ru", "Войти"), ("ky", "Кирүү"), ("en", "Log in")])
def test_pages_are_translated(client, locale, text):
    page = client.get("/login", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert text in page


def test_catalogs_have_every_string_translated():
    msgids = i18n_check.extract_msgids()
    assert len(msgids) > 50
    problems = [p for locale in i18n_check.LOCALES for p in i18n_check.catalog_problems(locale, msgids)]
    assert problems == []


def test_the_checker_notices_a_missing_translation(tmp_path, monkeypatch):
    po_dir = tmp_path / "ru" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Log in"\nmsgstr "Войти"\n\nmsgid "Profile"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(i18n_check, "TRANSLATIONS", tmp_path)
    problems = i18n_check.catalog_problems("ru", {"Log in", "Profile", "Dashboard"})
    assert any("untranslated: 'Profile'" in p for p in problems)
    assert any("not in catalog" in p and "'Dashboard'" in p for p in problems)
    assert not any("'Log in'" in p for p in problems)


def test_the_checker_notices_a_translation_in_the_wrong_catalog(tmp_path, monkeypatch):
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    for locale, entries in {
        "en": 'msgid "Pages of learners"\nmsgstr "Угуучулар тизмесинин барактары"\n\n'
              'msgid "Log in"\nmsgstr "Log in"\n\nmsgid "Кыргызча"\nmsgstr "Кыргызча"\n',
        "ru": 'msgid "whole cohort"\nmsgstr "бүт топ"\n\nmsgid "Log in"\nmsgstr "Войти"\n',
    }.items():
        (tmp_path / locale / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / locale / "LC_MESSAGES" / "messages.po").write_text(header + entries, encoding="utf-8")
    monkeypatch.setattr(i18n_check, "TRANSLATIONS", tmp_path)
    assert i18n_check.catalog_problems("en", {"Pages of learners", "Log in", "Кыргызча"}) == [
        "en: translated into another language: 'Pages of learners'"]
    assert i18n_check.catalog_problems("ru", {"whole cohort", "Log in"}) == [
        "ru: translated into another language: 'whole cohort'"]


def test_a_pager_on_an_english_page_speaks_english(app):
    """The three strings that once had Kyrgyz in the English catalog, as a page shows them."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("en"):
        assert gettext("Pages of learners") == "Pages of learners"
        assert gettext("Learners %(first)d–%(last)d of %(total)d", first=1, last=50, total=200) == \
            "Learners 1–50 of 200"
        assert gettext("whole cohort") == "whole cohort"


@pytest.mark.parametrize("header, value, expected", [
    ("ru", 1.5, "1,5"), ("ru", 8.0, "8"), ("ru", 1234.56, "1\xa0234,6"), ("en", 1.5, "1.5"),
    ("en", 1234.56, "1,234.6"), ("ky", 12.25, "12,2"), ("ru", None, ""),
])
def test_hours_and_scores_are_written_as_the_reader_writes_numbers(app, header, value, expected):
    # The filter remembers its results: asking twice, and in another language in between,
    # must still give each language its own decimal mark.
    render = app.jinja_env.from_string("{{ value|hours }}").render
    for _ in range(2):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert render(value=value) == expected
        with app.test_request_context("/", headers={"Accept-Language": "en" if header != "en" else "ru"}):
            render(value=value)


def test_the_libraries_form_messages_are_ours_to_translate():
    """Every message WTForms and Flask-WTF can put under a field is in LIBRARY_MESSAGES, so it is
    extracted into Sabak's catalogs (and so translated into ru, ky and en). Read from the pinned
    libraries' own source: an upgrade that adds a message fails here until it is listed."""
    from pathlib import Path

    import flask_wtf
    import wtforms
    from babel.messages.extract import extract_from_dir

    from app.platform.forms import LIBRARY_MESSAGES

    listed = {message._args[0] for message in LIBRARY_MESSAGES}  # the msgid of each lazy string
    found = set()
    for package, folders in ((wtforms, ("validators.py", "fields", "csrf")), (flask_wtf, ("file.py",))):
        root = Path(package.__file__).parent
        for message_tuple in extract_from_dir(str(root), [("**.py", "python")],
                                              keywords={"gettext": None, "ngettext": (1, 2)}):
            filename, _line, message = message_tuple[0], message_tuple[1], message_tuple[2]
            if not filename.startswith(folders):
                continue
            found.add(message[0] if isinstance(message, tuple) else message)
    missing = sorted(found - listed)
    assert found and not missing, missing


@pytest.mark.parametrize("locale, required, email", [
    ("ky", "Бул талааны толтуруу зарыл.", "Электрондук почтанын дареги туура эмес."),
    ("ru", "Это поле обязательно.", "Неверный адрес электронной почты."),
    ("en", "This field is required.", "Invalid email address."),
])
def test_the_validators_messages_speak_the_pages_language(client, locale, required, email):
    page = client.get("/register", headers={"Accept-Language": locale}).get_data(as_text=True)
    response = client.post("/register", headers={"Accept-Language": locale}, data={
        "csrf_token": csrf_token_from(page), "email": "not an address", "name": "", "password": ""})
    text = response.get_data(as_text=True)
    assert required in text and email in text


def test_every_form_is_a_sabak_form(app):
    """Every form class in the app takes its messages from Sabak's catalogs (app.platform.forms)."""
    from flask_wtf import FlaskForm

    from app.platform.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("app.") and cls is not Form]
    assert len(ours) > 15
    assert [cls.__qualname__ for cls in ours if not issubclass(cls, Form)] == []
