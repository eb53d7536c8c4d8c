"""The hours-ledger transcript as a PDF: a plain table a librarian can hand to an employer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF

from app.localformat import format_date, format_tenths

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class TranscriptRow:
    activity_date: date
    title: str
    provider: str
    track: str
    hours: float
    status: str
    note: str = ""  # e.g. what duplicate credit was merged into this entry


def render_transcript_pdf(*, holder_name: str, rows: list[TranscriptRow], totals: list[tuple[str, float]],
                          labels: dict[str, str], issued_on: date, language: str = "en") -> bytes:
    """A4 portrait: heading, one line per ledger entry, then totals.

    ``labels`` holds the already-translated words: title, holder, date, activity, provider,
    track, hours, status, totals, generated. Dates and hours are written as readers of
    ``language`` write them (app.localformat). The font is the embedded DejaVu Sans, so Cyrillic and
    Kyrgyz letters print as typed.
    """
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{labels['title']} — {holder_name}")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, labels["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 7, f"{labels['holder']}: {holder_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"{labels['generated']}: {format_date(issued_on, 'long', language)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (22, 62, 38, 26, 12, 30)  # status is wide enough for "revoked on 07.12.2026"
    pdf.set_font(FONT, "B", 9)
    for width, key in zip(widths, ("date", "activity", "provider", "track", "hours", "status")):
        pdf.cell(width, 7, labels[key], border="B")
    pdf.ln()
    pdf.set_font(FONT, "", 9)
    for row in rows:
        cells = (format_date(row.activity_date, "short", language), row.title, row.provider, row.track,
                 format_tenths(row.hours, language), row.status)
        for width, text in zip(widths, cells):
            pdf.cell(width, 6, _fit(pdf, text, width - 1))
        pdf.ln()
        # A status too long for its column ("revoked on 07.12.2026" in Kyrgyz) is cut there, so
        # it is written out in full below the row, with the note.
        status_cut = pdf.get_string_width(row.status) > widths[-1] - 1
        note = " ".join(part for part in (row.status + "." if status_cut else "", row.note) if part)
        if note:
            pdf.set_font(FONT, "", 8)
            pdf.set_x(pdf.l_margin + widths[0])
            pdf.multi_cell(sum(widths[1:]), 4, note, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT, "", 9)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, labels["totals"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for label, hours in totals:
        pdf.cell(0, 6, f"{label}: {format_tenths(hours, language)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten a cell's text with an ellipsis so the table never overflows its column."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
