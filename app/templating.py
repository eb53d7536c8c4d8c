"""Helpers available in every template: labels for stored codes, numbers and dates in the locale."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import cache, lru_cache, wraps

from babel.numbers import format_decimal
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_timezone, get_translations, gettext, ngettext
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup

from app import localformat

LANGUAGE_NAMES = {"ru": "Русский", "ky": "Кыргызча", "en": "English"}
TRACK_LABELS = {
    "information-literacy": _l("Information literacy"),
    "librarian-ce": _l("Librarian continuing education"),
}
AUDIENCE_LABELS = {"students": _l("Students"), "librarians": _l("Librarians"), "all": _l("Everyone")}
KIND_LABELS = {"lesson": _l("Lesson"), "pretest": _l("Pre-test"), "posttest": _l("Post-test"), "exam": _l("Exam")}
RESPONSE_ERRORS = {
    "numerical": _l("Enter a number, for example 12 or 3.5."),
    "matching": _l("Choose a match from the list for each item."),
}


FLAG_LABELS = {
    "few-responses": _l("Few responses (%(n)d): read these figures with care."),
    "too-easy": _l("Almost everyone gets this right (facility %(facility)s)."),
    "too-hard": _l("Almost nobody gets this right (facility %(facility)s): check the key and the lesson."),
    "negative-discrimination": _l("Weaker learners do better here than stronger ones: check the key and the wording."),
    "low-discrimination": _l("This question barely tells stronger and weaker learners apart."),
    "distractor-chosen-by-strong": _l("Strong learners pick a wrong option (“%(option)s”): check the key."),
    "unused-distractor": _l("Nobody chooses the wrong option “%(option)s”: replace it with a likelier mistake."),
}


def flag_text(flag, options=()) -> str:
    """A flag from app.analysis as a sentence an instructor can act on, with its numbers."""
    numbers = dict(flag.numbers or {})
    label = options[flag.option].label if flag.option is not None and flag.option < len(options) else ""
    values = {"n": int(numbers.get("n", 0)), "facility": percent_filter(round(100 * numbers.get("facility", 0))),
              "option": label}
    template = FLAG_LABELS.get(flag.code)
    return str(template) % values if template is not None else flag.code


def page_to_return_to() -> str:
    """Where the language switcher sends the reader back to: this page, if it can be opened again.

    A page rendered by a POST (a quiz with an input error, a form sent back with its errors) has a
    URL that answers only POST; returning there gave 405. Then the nearest page up its path that
    answers GET is used (``/courses/c/m/attempts`` -> ``/courses/c/m``, ``/profile/password`` ->
    ``/profile``), or the home page.
    """
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    adapter = current_app.url_map.bind("")
    path = request.path.rstrip("/")
    while path:
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:  # the same page with a trailing slash
            return path + "/"
        except HTTPException:  # no such page, or not one to GET: one level up
            path = path.rsplit("/", 1)[0]
        else:
            return path
    return "/"


def response_error(qtype: str) -> str:
    return str(RESPONSE_ERRORS.get(qtype, _l("This answer could not be read. Please answer again.")))


def _request_translations():
    """Flask-Babel's translations for this request, found once per request and kept in ``g``.

    Flask-Babel's template callables look them up again for every string (the request context,
    the locale, its identifier, the domain's cache): a page has 30 to 50 strings, and the lookups
    cost more than the translating (bench/README.md). Nothing in Sabak changes the locale in the
    middle of a request (Flask-Babel would not notice either: it keeps the locale per request).
    """
    translations = g.get("_sabak_translations")
    if translations is None:
        translations = g._sabak_translations = get_translations()
    return translations


def register(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = signed_csrf_token
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def inject_globals():
        # The label helpers are cached per render (a new cache each time, so each page's locale):
        # a page of fifty course cards asks for the same few labels fifty times, each a trip
        # through Flask-Babel.
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
            "current_path": page_to_return_to() if request else "/",
            "track_label": cache(lambda code: str(TRACK_LABELS.get(code, code))),
            "audience_label": cache(lambda code: str(AUDIENCE_LABELS.get(code, code))),
            "kind_label": cache(lambda code: str(KIND_LABELS.get(code, code))),
            "module_count_label": cache(
                lambda n: ngettext("%(num)d module", "%(num)d modules", n)),
            "credit_hours_label": cache(
                lambda hours: gettext("%(hours)s h credit", hours=hours_filter(hours))),
            "response_error": response_error,
            "flag_text": flag_text,
            "fragments": fragments,
            "static_fragment": static_fragment,
            "worker_memo": worker_memo,
            # Flask-WTF's csrf_token() with the session's signed token reused (signed_csrf_token);
            # Flask-WTF's own context processor runs first, so this one is what pages call.
            "csrf_token": signed_csrf_token,
        }

    @app.template_filter("datetime")
    @for_the_reader
    def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
        return _formatted(localformat.format_datetime, value, fmt, str(get_locale()), str(get_timezone())) if value else ""

    @app.template_filter("date")
    @for_the_reader
    def date_filter(value: datetime | None, fmt: str = "long") -> str:
        return _formatted(localformat.format_date, value, fmt, str(get_locale()), str(get_timezone())) if value else ""

    @app.template_filter("language_name")
    def language_name(code: str) -> str:
        return LANGUAGE_NAMES.get(code, code)

    @app.template_filter("render_shared")
    def render_shared(items, render, memo: dict, by_value: bool = False) -> Markup:
        """``render(item)`` for each item, joined; an item seen before (in ``memo``) is not
        rendered again. For long lists of few distinct shared objects, such as the cells of a
        progress matrix. Keyed by identity, with a dict the page keeps (the items must outlive
        the page); ``by_value`` keys by the item itself (frozen, hashable), for a ``worker_memo``
        kept across requests when the HTML depends on nothing but the item and the language."""
        parts = []
        for item in items:
            key = item if by_value else id(item)
            html = memo.get(key)
            if html is None:
                html = memo[key] = str(render(item))
            parts.append(html)
        return Markup("".join(parts))

    app.template_filter("hours")(for_the_reader(hours_filter))
    app.template_filter("percent")(for_the_reader(percent_filter))
    app.template_filter("number")(for_the_reader(number_filter))
    app.template_filter("two_decimals")(for_the_reader(two_decimals))


def for_the_reader(format_filter: Callable) -> Callable:
    """A filter whose result depends on the reader's language, made one Jinja never runs at
    compile time. Jinja folds a filter applied to a constant (``27|percent``) into the compiled
    template, with the language of whichever request compiled it first: every later reader, in
    any language, would then see that one. A filter that takes the context is never folded."""

    @pass_context
    def in_context(_context, *args, **kwargs):
        return format_filter(*args, **kwargs)

    return wraps(format_filter)(in_context)


def fragments(items, macro) -> Markup:
    """``macro(item)`` for each item, joined, each rendered once per worker, curriculum revision
    and interface language, and kept under ``item.fragment_key`` (rendered every time when the
    key is None).

    For pieces of a page that depend on nothing but the curriculum and the language: a course's
    card in the catalog (its link, summary and labels, the numbers in its badge). Fifty cards
    cost the catalog about half its time when each was rendered for every request. The HTML is
    kept in the worker's copy of the curriculum (curriculum_cache), so a sync drops it with
    everything else; the key must name everything else the piece shows (a course id, the
    numbers in a badge) and never anything of the reader's own. One call for the whole list:
    a template call per card cost more than looking the card up. The kept pieces can be read
    back with ``curriculum_cache.current().kept_fragment((language, *key))``.
    """
    from app.services import curriculum_cache

    copy, locale = curriculum_cache.current(), str(get_locale())
    parts = []
    for item in items:
        key = item.fragment_key
        if key is None:
            parts.append(str(macro(item)))
        else:
            parts.append(copy.fragment((locale, *key), lambda: Markup(macro(item))))
    return Markup("".join(parts))


def static_fragment(key: tuple, macro, *args) -> Markup:
    """``macro(*args)`` rendered once per worker process and interface language.

    For pieces that depend only on the code, the translations (both fixed until the workers
    restart) and ``key``: the main menu for an endpoint and a role, the footer. Unlike
    ``fragments`` this reads nothing from the database, so error pages can use it while the
    database is down. ``key`` must name everything the piece shows.
    """
    memo = worker_memo("static-fragments")  # endpoints x roles: a few hundred at most
    html = memo.get(key)
    if html is None:
        html = memo[key] = Markup(macro(*args))
    return html


def worker_memo(name: str) -> dict:
    """A dict kept by this worker for the interface language: pieces of HTML that depend only on
    a key and the language, rendered once per worker instead of on every view (static_fragment,
    and render_shared(by_value=True) for a progress matrix's cells). Reads nothing from the
    database. Started again past 5,000 entries."""
    store = current_app.extensions.setdefault("sabak_worker_memos", {})
    key = (name, str(get_locale()))
    memo = store.get(key)
    if memo is None or len(memo) > 5000:
        memo = store[key] = {}
    return memo


# Stands for the CSRF token in a page kept by shared_page: random per process, so no course text
# can contain it, by chance or on purpose.
_HOLE_NONCE = secrets.token_hex(8)
_TOKEN_HOLE = f"\x00csrf-{_HOLE_NONCE}\x00"
_TOKEN_HOLE_BYTES = _TOKEN_HOLE.encode()


def shared_page(key: tuple | None, render: Callable[[], str],
                parts: dict[str, Callable[[], str | bytes | None]] | None = None) -> str | bytes:
    """The page ``render()`` makes, made once for everyone whose page would be the same.

    A lesson's page is the same 25 KB for every reader in the same state (enrolled or not, done
    or not, the menu of their role, the language): only the CSRF token in its forms is the
    reader's own. Rendering it was most of the module page's time (bench/README.md), so the first
    render for a state is kept in the worker's copy of the curriculum with a hole where the token
    was, and later readers get a copy with their own token put in. Kept with the curriculum, a
    sync drops it with everything else; bounded (curriculum_cache.MAX_PAGES).

    ``parts`` are the reader's own pieces of an otherwise shared page (the catalog's cards, with
    the reader's status in each): each function gives the piece's HTML exactly as the page shows
    it (text, or UTF-8 bytes), or None when it cannot without rendering the page (then the page
    is rendered). The kept page has a hole for each, filled for every reader.

    ``key`` must name everything the page shows besides the curriculum, the language, the path,
    the menu (added here) and the parts: the reader's state, never the reader. None renders as
    usual. Pages with flashed messages or a query string are rendered for the request alone.

    A kept page is kept, and served, as UTF-8 bytes: encoding 25 KB of Cyrillic text for every
    reader was about a tenth of a kept page's time. The holes are ASCII, so they are found and
    filled in the bytes.
    """
    if key is None or request.query_string or "_flashes" in session:
        return render()
    from flask_login import current_user

    from app.services import curriculum_cache

    user = current_user._get_current_object()
    signed_in = user.is_authenticated
    full = ("page", str(get_locale()), request.path, request.endpoint, signed_in,
            signed_in and user.is_instructor, signed_in and user.is_admin, signed_in and user.is_coordinator, *key)
    copy, token = curriculum_cache.current(), signed_csrf_token()
    kept = copy.page(full)
    if kept is not None:
        filled = kept.replace(_TOKEN_HOLE_BYTES, token.encode())
        for name, make in (parts or {}).items():
            piece = make()
            if piece is None:
                return render()
            piece = piece if isinstance(piece, bytes) else piece.encode()
            filled = filled.replace(_part_hole(name).encode(), piece, 1)
        if b"\x00" in filled:  # a hole left open (never seen): render rather than serve it
            return render()
        return filled
    html = render()
    shared = html.replace(token, _TOKEN_HOLE)
    for name, make in (parts or {}).items():
        piece = make()
        if isinstance(piece, bytes):
            piece = piece.decode()
        if not piece or shared.count(piece) != 1:  # cannot be cut out safely: keep nothing
            return html
        shared = shared.replace(piece, _part_hole(name))
    copy.keep_page(full, shared.encode())
    return html


def signed_csrf_token() -> str:
    """This request's CSRF token, as Flask-WTF's ``generate_csrf`` gives it: what templates call as
    ``csrf_token()`` and kept pages put in their hole.

    Flask-WTF signs the session's raw token anew for every request that shows a form (a
    serializer built, its key derived, an HMAC), about a tenth of a kept page's time. With
    WTF_CSRF_TIME_LIMIT off, as Sabak runs, the signing time is never checked, so a raw token's
    signed form is as good on the next request: each worker keeps the last ones it made and puts
    them where Flask-WTF looks first (``g.csrf_token``), so every form of the page shows it.
    """
    from flask_wtf.csrf import generate_csrf

    raw = session.get("csrf_token")
    if raw is None or "csrf_token" in g or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    signed = current_app.extensions.setdefault("sabak_signed_csrf", {})
    token = signed.get(raw)
    if token is None:
        token = generate_csrf()
        if len(signed) >= 10_000:
            signed.clear()
        signed[raw] = token
    else:
        g.csrf_token = token
    return token


def _part_hole(name: str) -> str:
    """Stands for the part ``name`` in a kept page; unlike the token's hole, with the name inside."""
    return f"\x00part-{_HOLE_NONCE}-{name}\x00"


def hours_filter(value: float | int | None) -> str:
    """8.0 -> '8', 1.5 -> '1,5' in Russian: numbers as the reader writes them."""
    if value is None:
        return ""
    return _format_tenths(round(float(value), 1), str(get_locale()))


def percent_filter(value: float | int | None) -> str:
    """A percentage in points (0-100), at most one decimal, as the reader writes it: 85.5 ->
    '85,5\xa0%' in Russian, '85,5%' in Kyrgyz, '85.5%' in English (app.localformat)."""
    if value is None:
        return ""
    return _format_percent(round(float(value), 1), str(get_locale()))


def number_filter(value: float | int | None) -> str:
    """A count or a figure, at most three decimals, grouped as the reader writes it: 1234 ->
    '1\xa0234' in Russian and Kyrgyz, '1,234' in English."""
    if value is None:
        return ""
    return format_decimal(value, locale=str(get_locale()))


def two_decimals(value: float | None) -> str:
    """A ratio (a learning gain, a discrimination index) with exactly two decimals in the reader's notation (0.667 -> '0.67',
    '0,67' in Russian; 0.7 -> '0.70'). Not tenths: one decimal turns 0.667 into 0.7, which
    reads as the usual "high gain" threshold the group has not reached."""
    if value is None:
        return ""
    return format_decimal(round(float(value), 2), format="#,##0.00", locale=str(get_locale()))


@lru_cache(maxsize=8192)
def _formatted(format_function, value: datetime, fmt: str, locale: str, zone: str) -> str:
    """A date or time in the reader's language and zone (app.localformat), remembered: Babel takes
    about 40 µs a date, and a dashboard or an attempt list shows the same few dates to the same
    learner on every view."""
    return format_function(value, fmt, locale, zone)


@lru_cache(maxsize=8192)
def _format_tenths(value: float, locale: str) -> str:
    """Babel's formatting, remembered: a 200-learner progress matrix formats 200 averages, and at
    about 40 µs a call Babel was a sixth of the page's time. Values are rounded to tenths, so
    the cache holds few distinct keys (hours and percentages)."""
    return localformat.format_tenths(value, locale)


@lru_cache(maxsize=8192)
def _format_percent(value: float, locale: str) -> str:
    """Babel's percentage, remembered as the tenths are: a progress matrix shows a few hundred."""
    return localformat.format_percent(value, locale)
