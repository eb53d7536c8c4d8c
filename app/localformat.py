"""Dates and numbers as readers of Russian, Kyrgyz and English write them (Babel, plus a few overrides).

Babel's CLDR data is right for Russian, but its Kyrgyz short date is ``d/M/yy`` (``7/12/26``) and
its medium and long ones put the year first (``2026-ж., 7-декабрь``), which is not how dates are
written in Kyrgyzstan: documents and letters use ``07.12.2026`` or ``7-декабрь 2026-ж.``. Its
English short date is the American ``12/7/26``, read as 12 July by most of Sabak's readers. The
table below replaces those patterns; every other format is Babel's, percentages included (CLDR
writes ``85\xa0%`` in Russian and ``85%`` in Kyrgyz and English). One home for the rule, used by
the page filters (app.templating), the certificate and transcript PDFs and the CSV's status texts,
so no page can write a date another way. Plain functions: no Flask, testable without an app.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache

from decimal import Decimal

from babel import Locale, dates
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

# The format names the templates use -> a Babel pattern, where Babel's own is not what readers use.
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "ky": {"short": "dd.MM.y", "medium": "d-MMM y-'ж'.", "long": "d-MMMM y-'ж'.", "full": "EEEE, d-MMMM y-'ж'."},
    "en": {"short": "MMM d, y"},
}
DATETIME_PATTERNS: dict[str, dict[str, str]] = {
    "ky": {"short": "dd.MM.y HH:mm", "medium": "d-MMM y-'ж'. HH:mm", "long": "d-MMMM y-'ж'. HH:mm",
           "full": "EEEE, d-MMMM y-'ж'. HH:mm"},
    "en": {"short": "MMM d, y, h:mm\u202fa", "medium": "MMM d, y, h:mm\u202fa"},
    # Babel's medium time has seconds, which no page needs.
    "ru": {"medium": "d MMM y\u202f'г'., HH:mm"},
}


def format_date(value: date | datetime, fmt: str = "long", locale: str = "ru", zone: str = "UTC") -> str:
    """``value``'s date as ``locale`` writes it in format ``fmt`` (short, medium, long, full).

    A datetime is first moved to ``zone`` (a naive one is taken as UTC, as the database stores
    it): 23:30 UTC on the 6th is already the 7th in Bishkek."""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(_zone(zone))
    return dates.format_date(value, DATE_PATTERNS.get(locale, {}).get(fmt, fmt), locale=locale)


def format_datetime(value: datetime, fmt: str = "medium", locale: str = "ru", zone: str = "UTC") -> str:
    """``value`` (naive: UTC) as ``locale`` writes a date and time in ``zone``, format ``fmt``."""
    return dates.format_datetime(_aware(value), DATETIME_PATTERNS.get(locale, {}).get(fmt, fmt),
                                 tzinfo=_zone(zone), locale=locale)


def format_tenths(value: float | int, locale: str = "ru") -> str:
    """A number to at most one decimal, in the reader's notation: 1.5 -> '1,5' (ru, ky), '1.5' (en);
    1234 -> '1 234' (ru, ky, with a no-break space), '1,234' (en); 8.0 -> '8'."""
    return format_decimal(round(float(value), 1), format="#,##0.#", locale=locale)


def format_percent(value: float | int, locale: str = "ru") -> str:
    """A percentage given in points (0-100) to at most one decimal, as ``locale`` writes it: the
    sign where and how CLDR puts it. 85 -> '85\xa0%' (ru: a no-break space before the sign),
    '85%' (ky, en); 85.5 -> '85,5\xa0%' (ru), '85,5%' (ky), '85.5%' (en)."""
    points = Decimal(str(round(float(value), 1)))  # from the rounded text: no binary tail
    return babel_percent(points / 100, _percent_pattern(locale), locale=locale)


@lru_cache(maxsize=16)
def _percent_pattern(locale: str) -> str:
    """The locale's own percent pattern (``#,##0\xa0%`` in Russian) with one optional decimal."""
    return Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=64)
def _zone(name: str):
    return dates.get_timezone(name)
