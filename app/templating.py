"""Helpers available in every template: labels for stored codes, numbers and dates in the locale."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache, lru_cache, wraps

from babel.numbers import format_decimal
from flask import Flask, current_app, request
from flask_babel import get_locale, get_timezone, gettext, ngettext
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context

from app import localformat
from app.caching import pages as caching_pages

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


def register(app: Flask) -> None:
    caching_pages.register(app)

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
    """A date or time in the reader's language and zone (app.localformat), remembered: Babel's
    formatting is slow next to a page's other work, and a dashboard or an attempt list shows the
    same few dates to the same learner on every view."""
    return format_function(value, fmt, locale, zone)


@lru_cache(maxsize=8192)
def _format_tenths(value: float, locale: str) -> str:
    """Babel's formatting, remembered: a 200-learner progress matrix formats 200 averages, most of
    them equal. Values are rounded to tenths, so the cache holds few distinct keys (hours and
    percentages)."""
    return localformat.format_tenths(value, locale)


@lru_cache(maxsize=8192)
def _format_percent(value: float, locale: str) -> str:
    """Babel's percentage, remembered as the tenths are: a progress matrix shows a few hundred."""
    return localformat.format_percent(value, locale)
