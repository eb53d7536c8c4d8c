"""Every date, time and number format, in each interface language, as its readers write it."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.localformat import format_date, format_datetime, format_percent, format_tenths

MOMENT = datetime(2026, 12, 7, 14, 5, tzinfo=timezone.utc)
NNBSP = "\u202f"

DATES = [
    ("ru", "short", "07.12.2026"),
    ("ru", "medium", f"7 дек. 2026{NNBSP}г."),
    ("ru", "long", f"7 декабря 2026{NNBSP}г."),
    ("ru", "full", f"понедельник, 7 декабря 2026{NNBSP}г."),
    ("ky", "short", "07.12.2026"),
    ("ky", "medium", "7-дек. 2026-ж."),
    ("ky", "long", "7-декабрь 2026-ж."),
    ("ky", "full", "дүйшөмбү, 7-декабрь 2026-ж."),
    ("en", "short", "Dec 7, 2026"),
    ("en", "medium", "Dec 7, 2026"),
    ("en", "long", "December 7, 2026"),
    ("en", "full", "Monday, December 7, 2026"),
]
DATETIMES = [
    ("ru", "short", "07.12.2026, 14:05"),
    ("ru", "medium", f"7 дек. 2026{NNBSP}г., 14:05"),
    ("ky", "short", "07.12.2026 14:05"),
    ("ky", "medium", "7-дек. 2026-ж. 14:05"),
    ("ky", "long", "7-декабрь 2026-ж. 14:05"),
    ("en", "short", f"Dec 7, 2026, 2:05{NNBSP}PM"),
    ("en", "medium", f"Dec 7, 2026, 2:05{NNBSP}PM"),
]
NUMBERS = [
    ("ru", 1.5, "1,5"), ("ky", 1.5, "1,5"), ("en", 1.5, "1.5"),
    ("ru", 8.0, "8"), ("ky", 8, "8"), ("en", 8.0, "8"),
    ("ru", 1234.56, "1\xa0234,6"), ("ky", 1234.56, "1\xa0234,6"), ("en", 1234.56, "1,234.6"),
]

# Percentages as CLDR writes them (Babel's format_percent): a no-break space before the sign in
# Russian, none in Kyrgyz and English; the decimal mark and grouping of each language.
PERCENTS = [
    ("ru", 85, "85\xa0%"), ("ky", 85, "85%"), ("en", 85, "85%"),
    ("ru", 85.0, "85\xa0%"), ("ky", 0, "0%"), ("en", 100, "100%"),
    ("ru", 66.6667, "66,7\xa0%"), ("ky", 66.6667, "66,7%"), ("en", 66.6667, "66.7%"),
    ("ru", 12.25, "12,2\xa0%"), ("en", 0.05, "0.1%"),  # Python's rounding, as the tenths
]


@pytest.mark.parametrize("locale, fmt, expected", DATES)
def test_dates(locale, fmt, expected):
    assert format_date(MOMENT, fmt, locale) == expected
    assert format_date(MOMENT.date(), fmt, locale) == expected


@pytest.mark.parametrize("locale, fmt, expected", DATETIMES)
def test_dates_with_times(locale, fmt, expected):
    assert format_datetime(MOMENT, fmt, locale) == expected
    assert format_datetime(MOMENT.replace(tzinfo=None), fmt, locale) == expected  # naive means UTC


@pytest.mark.parametrize("locale, value, expected", NUMBERS)
def test_numbers(locale, value, expected):
    assert format_tenths(value, locale) == expected


@pytest.mark.parametrize("locale, value, expected", PERCENTS)
def test_percentages(locale, value, expected):
    assert format_percent(value, locale) == expected


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_no_short_form_writes_a_two_digit_year_or_slashes(locale):
    for fmt in ("short", "medium", "long"):
        for text in (format_date(MOMENT, fmt, locale), format_datetime(MOMENT, fmt, locale)):
            assert "/" not in text and "2026" in text, text


def test_a_date_is_the_readers_day_in_their_zone():
    late = datetime(2026, 12, 6, 23, 30)  # UTC, as stored: already the 7th in Bishkek (UTC+6)
    assert format_date(late, "short", "ky", "Asia/Bishkek") == "07.12.2026"
    assert format_date(late, "short", "ky") == "06.12.2026"
    assert format_datetime(late, "short", "ky", "Asia/Bishkek") == "07.12.2026 05:30"
    assert format_date(date(2026, 1, 2), "long", "ky") == "2-январь 2026-ж."
