"""A4 landscape PDF certificate with the holder's name, hours and a QR code to the verification page.

fpdf2 with the shipped DejaVu Sans (Cyrillic including Kyrgyz ө ү ң), so the output does
not depend on the fonts of the machine that renders it. The QR is drawn as vector
squares (segno computes the matrix), so it stays sharp when printed. Labels are kept
here in ru, ky and en: the renderer runs without Flask or Babel's gettext catalogs.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timezone
from importlib import resources

import segno
from babel.numbers import format_decimal

from app.localformat import format_date
from fpdf import FPDF

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "СЕРТИФИКАТ",
        "subtitle": "о повышении квалификации",
        "intro": "Настоящий сертификат подтверждает, что",
        "completed": "успешно завершил(а) курс",
        "hours": "Объём обучения",
        "issued_on": "Дата выдачи",
        "issuer": "Выдан",
        "code": "Код сертификата",
        "verify": "Проверить подлинность",
        "quotes": "«»",
    },
    "ky": {
        "title": "СЕРТИФИКАТ",
        "subtitle": "квалификацияны жогорулатуу жөнүндө",
        "intro": "Ушул сертификат менен тастыкталат:",
        "completed": "төмөнкү курсту ийгиликтүү аяктады:",
        "hours": "Окуунун көлөмү",
        "issued_on": "Берилген күнү",
        "issuer": "Берген",
        "code": "Сертификаттын коду",
        "verify": "Аныктыгын текшерүү",
        "quotes": "«»",
    },
    "en": {
        "title": "CERTIFICATE",
        "subtitle": "of continuing education",
        "intro": "This is to certify that",
        "completed": "has successfully completed the course",
        "hours": "Learning hours",
        "issued_on": "Date of issue",
        "issuer": "Issued by",
        "code": "Certificate code",
        "verify": "Verify at",
        "quotes": "“”",
    },
}
FONT = "DejaVu"
INK = (33, 37, 41)
ACCENT = (22, 78, 99)
MUTED = (96, 104, 112)
WARNING = (155, 28, 28)
PAGE_W, PAGE_H = 297.0, 210.0


def render_certificate_pdf(
    *, holder_name: str, achievement_name: str, hours: float, issued_on: date,
    issuer_name: str, verification_url: str, code: str, language: str,
    status_note: str | None = None,
) -> bytes:
    """The certificate as PDF bytes (A4 landscape, one page).

    language: ru, ky or en, for the labels, number and date formats. status_note: an
    already-translated warning printed in red under the title (e.g. that the
    certificate was revoked). Raises ValueError for an unknown language.
    """
    if language not in LABELS:
        raise ValueError(f"language must be one of {tuple(LABELS)}")
    labels = LABELS[language]
    # NFC: combining sequences (и + breve) would otherwise be drawn as two glyphs.
    holder_name, achievement_name, issuer_name = (
        unicodedata.normalize("NFC", text) for text in (holder_name, achievement_name, issuer_name))
    pdf = _new_document(issued_on, issuer_name, achievement_name, language)
    _draw_frame(pdf)
    y = _draw_heading(pdf, labels, issuer_name, status_note)
    _draw_body(pdf, labels, y, holder_name, achievement_name, _hours_text(hours, language))
    _draw_footer(pdf, labels, issued_on, issuer_name, code, language)
    _draw_qr(pdf, verification_url, labels["verify"])
    return bytes(pdf.output())


def _new_document(issued_on: date, issuer_name: str, title: str, language: str) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    fonts = resources.files(__package__).joinpath("fonts")
    with resources.as_file(fonts.joinpath("DejaVuSans.ttf")) as regular:
        pdf.add_font(FONT, "", str(regular))
    with resources.as_file(fonts.joinpath("DejaVuSans-Bold.ttf")) as bold:
        pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(title)
    pdf.set_author(issuer_name)
    pdf.set_lang(language)
    # A fixed date keeps the bytes reproducible for the same certificate.
    pdf.set_creation_date(datetime.combine(issued_on, time(0), tzinfo=timezone.utc))
    pdf.add_page()
    return pdf


def _draw_frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, PAGE_W - 26, PAGE_H - 26)


def _draw_heading(pdf: FPDF, labels: dict, issuer_name: str, status_note: str | None) -> float:
    _centred(pdf, 26, issuer_name.upper(), 11, MUTED, bold=True, spacing=1.5)
    _centred(pdf, 40, labels["title"], 34, ACCENT, bold=True, spacing=4)
    _centred(pdf, 55, labels["subtitle"], 13, MUTED)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(PAGE_W / 2 - 30, 64, PAGE_W / 2 + 30, 64)
    if status_note:
        _centred(pdf, 68, status_note, 12, WARNING, bold=True)
        return 80
    return 74


def _draw_body(pdf: FPDF, labels: dict, y: float, holder: str, achievement: str,
               hours: str) -> None:
    _centred(pdf, y, labels["intro"], 13, INK)
    name_size = _fit(pdf, holder, 26, 220, bold=True)
    _centred(pdf, y + 9, holder, name_size, INK, bold=True)
    y += 9 + name_size * 0.45 + 3.5
    _centred(pdf, y, labels["completed"], 13, INK)
    quoted = labels["quotes"][0] + achievement + labels["quotes"][1]
    pdf.set_font(FONT, "B", _fit_lines(pdf, quoted, PAGE_W - 76, 3))
    pdf.set_text_color(*ACCENT)
    pdf.set_xy(38, y + 8)
    pdf.multi_cell(PAGE_W - 76, 8, quoted, align="C",
                   new_x="LMARGIN", new_y="NEXT")
    _centred(pdf, pdf.get_y() + 4, f"{labels['hours']}: {hours}", 13, INK)


def _fit_lines(pdf: FPDF, text: str, width: float, max_lines: int) -> float:
    """The largest bold size from 17 down to 12 at which `text` wraps to <= max_lines."""
    size = 17
    while size > 12:
        pdf.set_font(FONT, "B", size)
        lines = pdf.multi_cell(width, 8, text, dry_run=True, output="LINES")
        if len(lines) <= max_lines:
            break
        size -= 1
    return size


def _draw_footer(pdf: FPDF, labels: dict, issued_on: date, issuer: str, code: str,
                 language: str) -> None:
    rows = [(labels["issued_on"], format_date(issued_on, "long", language)),
            (labels["issuer"], issuer), (labels["code"], code)]
    y = 160
    for label, value in rows:
        pdf.set_xy(28, y)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(45, 5, label)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(120, 5, value)
        y += 7


def _draw_qr(pdf: FPDF, url: str, caption: str, size: float = 32.0) -> None:
    matrix = qr_matrix(url)
    module = size / len(matrix)
    left, top = PAGE_W - 28 - size, 145.0
    pdf.set_fill_color(*INK)
    for row_index, row in enumerate(matrix):
        for start, length in _dark_runs(row):
            # A hair of overlap: viewers anti-alias abutting edges into pale seams.
            pdf.rect(left + start * module, top + row_index * module,
                     length * module, module + 0.05, style="F")
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(left - 40, top + size + 1.5)
    pdf.cell(size + 40, 3.5, caption, align="R", new_x="LEFT", new_y="NEXT")
    pdf.cell(size + 40, 3.5, url, align="R")


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code for `url` as rows of dark (True) modules, with no quiet zone."""
    symbol = segno.make(url, error="m", micro=False)
    return [[bool(cell) for cell in row] for row in symbol.matrix]


def _dark_runs(row: list[bool]):
    """(start, length) of each horizontal run of dark modules: fewer, seamless rectangles."""
    start = None
    for index, dark in enumerate(row + [False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


def _centred(pdf: FPDF, y: float, text: str, size: float, colour: tuple,
             bold: bool = False, spacing: float = 0) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_char_spacing(spacing)
    pdf.set_text_color(*colour)
    pdf.set_xy(0, y)
    pdf.cell(PAGE_W, size * 0.45, text, align="C")
    pdf.set_char_spacing(0)


def _fit(pdf: FPDF, text: str, size: float, width: float, bold: bool = False) -> float:
    """The largest font size up to `size` at which `text` fits on one line of `width` mm."""
    while size > 12:
        pdf.set_font(FONT, "B" if bold else "", size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 1
    return size


def _hours_text(hours: float, language: str) -> str:
    number = format_decimal(hours, locale=language)
    if language == "ru":
        return f"{number} {_russian_hours(hours)}"
    if language == "ky":
        return f"{number} саат"
    return f"{number} {'hour' if hours == 1 else 'hours'}"


def _russian_hours(hours: float) -> str:
    """час / часа / часов: Russian agrees the noun with the number (fractions take 'часа')."""
    if not float(hours).is_integer():
        return "часа"
    n = int(hours)
    if n % 10 == 1 and n % 100 != 11:
        return "час"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "часа"
    return "часов"
