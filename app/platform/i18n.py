"""How Flask-Babel finds the reader's language and its translations, with two shortcuts.

Both replace something Flask-Babel does on every request through the hooks it offers for it:
the locale selector (``Babel(locale_selector=...)``) hands back a ``Locale`` made once, and the
template gettext callables Flask-Babel installs in Jinja are installed again over them, reading
the request's translations once. tests/integration/test_platform.py checks the library code
they rely on (``get_locale`` passing a Locale through, the callables Flask-Babel installs)
against the pinned Flask-Babel, and that pages still speak the reader's language.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user


def select_locale() -> Locale:
    """The user's saved choice, then this browser's choice, then Accept-Language, then default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    user = current_user._get_current_object()  # the user itself: the proxy looks it up on every read
    if getattr(user, "is_authenticated", False) and user.locale in languages:
        return _locale(user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """Babel's Locale for a language code, made once. Flask-Babel parses the selector's answer on
    every request, which for a code checks the locale's data file on disk each time; a Locale
    object it hands back as it is."""
    return Locale.parse(code)


def request_translations():
    """Flask-Babel's translations for this request, found once per request and kept in ``g``.

    Flask-Babel's template callables look them up again for every string (the request context,
    the locale, its identifier, the domain's cache): a page has 30 to 50 strings, and the lookups
    cost more than the translating. Nothing in Sabak changes the locale in the
    middle of a request (Flask-Babel would not notice either: it keeps the locale per request).
    """
    translations = g.get("_sabak_translations")
    if translations is None:
        translations = g._sabak_translations = get_translations()
    return translations


def install_gettext(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``request_translations``. Called after
    ``babel.init_app``, whose own callables these replace."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
