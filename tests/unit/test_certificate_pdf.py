"""The PDF certificate: opens, renders, carries the holder's Cyrillic name and a working QR code."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import segno

from app.credentials.pdf import LABELS, qr_matrix, render_certificate_pdf

HOLDER = "Айгүл Өмүрбекова"
COURSE = "Медиа сабаттуулук: маалыматты текшерүү"
URL = "https://sabak.kg/verify/7F3A-92KC"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (Debian package "
                    f"{'zbar-tools' if name == 'zbarimg' else 'poppler-utils'})")
    return path


def certificate(**changes) -> bytes:
    fields = dict(holder_name=HOLDER, achievement_name=COURSE, hours=12.5,
                  issued_on=date(2026, 11, 23), issuer_name="Сабак", verification_url=URL,
                  code="7F3A-92KC", language="ky")
    fields.update(changes)
    return render_certificate_pdf(**fields)


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("certificate") / "certificate.pdf"
    path.write_bytes(certificate())
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run([tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, check=True, text=True).stdout


def test_output_is_a_pdf():
    data = certificate()
    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data  # the font is embedded, not borrowed from the viewer


def test_the_same_certificate_gives_the_same_bytes():
    assert certificate() == certificate()


def test_text_has_the_holder_course_and_code(pdf_file):
    text = pdf_text(pdf_file)
    assert HOLDER in text
    assert COURSE in " ".join(text.split())
    assert "7F3A-92KC" in text and "12,5 саат" in text
    assert LABELS["ky"]["issued_on"] in text


@pytest.mark.parametrize("language, hours, expected", [
    ("ru", 12.5, "12,5 часа"), ("ru", 21, "21 час"), ("ru", 3, "3 часа"), ("ru", 11, "11 часов"),
    ("en", 1, "1 hour"), ("en", 12.5, "12.5 hours"), ("ky", 8, "8 саат"),
])
def test_labels_follow_the_language(tmp_path, language, hours, expected):
    path = tmp_path / "c.pdf"
    path.write_bytes(certificate(language=language, hours=hours))
    text = pdf_text(path)
    assert expected in text and LABELS[language]["code"] in text


def test_status_note_is_printed(tmp_path):
    path = tmp_path / "revoked.pdf"
    path.write_bytes(certificate(language="ru", status_note="Сертификат отозван"))
    assert "Сертификат отозван" in pdf_text(path)


def test_long_names_still_fit_on_the_page(tmp_path):
    """Long names shrink and wrap: everything stays inside the frame and above the footer."""
    path = tmp_path / "long.pdf"
    path.write_bytes(certificate(holder_name=HOLDER * 3, achievement_name=" ".join([COURSE] * 5)))
    html = subprocess.run([tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
                       html)
    assert words
    for x_min, x_max, _, word in words:
        assert 28 < float(x_min) and float(x_max) < 842 - 28, word  # inside the 10 mm frame
    hours_bottom = max(float(y) for _, _, y, word in words if word == "саат")
    assert hours_bottom < 160 * 72 / 25.4  # above the footer rows


def test_page_one_renders_as_a4_landscape(pdf_file, tmp_path):
    subprocess.run([tool("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1",
                    str(pdf_file), str(tmp_path / "page")], check=True, capture_output=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > height and abs(width / height - 297 / 210) < 0.01


def test_qr_code_decodes_to_the_verification_url(pdf_file, tmp_path):
    zbarimg = tool("zbarimg")
    subprocess.run([tool("pdftoppm"), "-png", "-r", "150", str(pdf_file),
                    str(tmp_path / "page")], check=True, capture_output=True)
    result = subprocess.run([zbarimg, "--raw", "-q", str(next(tmp_path.glob("page*.png")))],
                            capture_output=True, text=True)
    assert result.stdout.strip() == URL


def test_qr_matrix_is_segnos_code_for_the_url():
    expected = segno.make(URL, error="m", micro=False)
    assert qr_matrix(URL) == [[bool(c) for c in row] for row in expected.matrix]
    assert expected.designator.endswith("M")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        certificate(language="de")
