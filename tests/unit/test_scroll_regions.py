"""Wide tables scroll inside a region a keyboard can reach, on lesson pages and in every template
(#25 items 1 and 8): no page is wider than a phone, and axe's scrollable-region-focusable holds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.curriculum import loader
from app.curriculum.markdown import render_block, render_markdown, sanitize_html

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
TABLE = "| Где искать | Что там есть |\n|---|---|\n| Каталог | Книги |\n"


def test_every_lesson_table_is_in_a_named_focusable_region():
    html = render_markdown("# Где искать\n\n" + TABLE + "\nТекст.\n\n" + TABLE.replace("Где", "Как")).html
    regions = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]+)"><table>', html)
    assert regions == ["Где искать, Что там есть", "Как искать, Что там есть"]
    assert html.count("<table") == html.count("</table></div>") == 2


def test_a_caption_names_the_region_and_author_html_cannot_add_its_own_focus():
    html = render_block('<div tabindex="0" role="region" onclick="x()">a</div>'
                        '<table><caption>Базы &amp; каталоги</caption><tr><td>1</td></tr></table>', "html")
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Базы &amp; каталоги"><table>' in html
    assert html.count('tabindex="0"') == 1 and "onclick" not in html  # the author's div lost its own
    assert "table-scroll" not in sanitize_html("<table><tr><td>1</td></tr></table>")  # wrapped after, not by


def test_nested_tables_keep_the_markup_balanced():
    html = render_block("<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>", "html")
    assert html.count("<div") == html.count("</div>") == 2


def test_a_new_renderer_changes_the_content_hash_of_unchanged_files(tmp_path, monkeypatch):
    from tests import factories

    folder = factories.write_course(tmp_path)
    before = loader.content_hash(folder)
    assert loader.content_hash(folder) == before
    monkeypatch.setattr(loader, "RENDER_VERSION", loader.RENDER_VERSION + 1)
    assert loader.content_hash(folder) != before


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_scrolling_wrapper_in_templates_is_focusable_and_named(path):
    for tag in re.findall(r"<div[^>]*class=\"[^\"]*\b(?:table-wrap|table-scroll)\b[^>]*>", path.read_text()):
        assert 'role="region"' in tag and 'tabindex="0"' in tag, tag
        assert "aria-labelledby=" in tag or "aria-label=" in tag, tag
