"""Fail the build when a translation catalog is stale or incomplete.

``python -m app.i18n_check`` extracts every marked string from the code and templates (as
``make translations`` does) and checks that each of the ru, ky and en catalogs has all of them
translated and none fuzzy. With ``--compiled`` it checks instead that every ``.mo`` is newer
than its ``.po``. Exit status 1 lists what is wrong; run ``make translations`` and translate.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("ru", "ky", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}

# A translation pasted into the wrong catalog: the English one holds no Cyrillic its msgid lacks,
# and the Russian one none of the letters only Kyrgyz has (ң, ө, ү). The source strings are
# English, so such a slip shows a Kyrgyz phrase in the middle of an English page.
_WRONG_SCRIPT = {"en": re.compile("[\u0400-\u04ff]"), "ru": re.compile("[ҢңӨөҮү]")}


def extract_msgids() -> set[str]:
    """Every msgid in the source tree (plural entries by their singular)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    found.discard("")
    return found


def catalog_problems(locale: str, msgids: set[str]) -> list[str]:
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return [f"{po_path.relative_to(ROOT)}: missing catalog"]
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    problems = []
    for msgid in sorted(msgids):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"{locale}: not in catalog (run make translations): {msgid!r}")
        elif message.fuzzy:
            problems.append(f"{locale}: fuzzy translation: {msgid!r}")
        elif not message.string or (
            isinstance(message.string, tuple) and not all(message.string)
        ):
            problems.append(f"{locale}: untranslated: {msgid!r}")
        elif (wrong := _WRONG_SCRIPT.get(locale)) is not None and not wrong.search(msgid) and any(
            wrong.search(text) for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        ):
            problems.append(f"{locale}: translated into another language: {msgid!r}")
    return problems


def compiled_problems() -> list[str]:
    problems = []
    for locale in LOCALES:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            problems.append(f"{mo.relative_to(ROOT)} is missing or older than its .po (pybabel compile)")
    return problems


def fill_english() -> int:
    """The source strings are English: copy each untranslated msgid into the en catalog."""
    po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if message.id and (not message.string or (isinstance(message.string, tuple) and not all(message.string))):
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100)
    return filled


def main(argv: list[str]) -> int:
    if "--fill-english" in argv:
        print(f"en: filled {fill_english()} strings from their msgids")
        return 0
    if "--compiled" in argv:
        problems = compiled_problems()
    else:
        msgids = extract_msgids()
        problems = [p for locale in LOCALES for p in catalog_problems(locale, msgids)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
