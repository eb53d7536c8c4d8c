"""Rendering and sanitising of module Markdown and quiz texts (app.curriculum.markdown)."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.curriculum.markdown import (
    ALLOWED_TAGS,
    LinkContext,
    html_to_text,
    render_inline,
    render_markdown,
    render_question_html,
    sanitize_html,
)


@pytest.fixture()
def course(tmp_path: Path) -> LinkContext:
    """A course folder with one media file and two modules, as the loader would describe it."""
    (tmp_path / "media" / "img").mkdir(parents=True)
    (tmp_path / "media" / "img" / "chart.png").write_bytes(b"\x89PNG")
    (tmp_path / "media" / "notes.pdf").write_bytes(b"%PDF")
    return LinkContext("info-lit", {"01-intro.md": "intro", "02-search.md": "search"}, tmp_path)


XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"java&#09;script:alert(1)\">x</a>",
    "<p style=\"background:url(javascript:alert(1))\">styled</p>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object>",
    "<form action=\"https://evil.example\"><input name=a></form>",
    "<svg onload=alert(1)><circle/></svg>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
    "<style>body{display:none}</style>",
    "<div onclick=\"alert(1)\" onmouseover=\"alert(2)\">d</div>",
    "<math><mi xlink:href=\"javascript:alert(1)\">m</mi></math>",
]


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vectors_are_neutralised(source: str) -> None:
    out = render_markdown(source).html.lower()
    for bad in ("<script", "javascript:", "onerror", "onload", "onclick", "onmouseover",
                "style=", "<style", "<iframe", "<object", "<form", "<input", "data:", "<svg",
                "<math"):
        assert bad not in out, (bad, out)


def test_harmless_text_of_removed_tags_stays_but_script_body_goes() -> None:
    out = render_markdown("<script>alert('x')</script>\n\n<div onclick=\"x()\">kept</div>").html
    assert "alert" not in out
    assert "<div>kept</div>" in out


def test_external_links_get_rel_and_internal_ones_do_not(course: LinkContext) -> None:
    out = render_markdown("[a](https://example.org/x) [b](02-search.md) [c](#top) "
                          "[d](mailto:a@b.kg)", course).html
    assert '<a href="https://example.org/x" rel="noopener noreferrer">a</a>' in out
    assert '<a href="/courses/info-lit/search">b</a>' in out
    assert '<a href="#top">c</a>' in out
    assert '<a href="mailto:a@b.kg">d</a>' in out


def test_author_rel_is_replaced_not_trusted() -> None:
    out = sanitize_html('<a href="https://x.org" rel="opener">x</a>')
    assert out == '<a href="https://x.org" rel="noopener noreferrer">x</a>'


def test_module_and_media_links_are_rewritten(course: LinkContext) -> None:
    rendered = render_markdown(
        "[next](02-search.md#boolean-operators) ![A chart](media/img/chart.png) "
        "[notes](media/notes.pdf) [self](./01-intro.md)", course)
    html = rendered.html
    assert 'href="/courses/info-lit/search#boolean-operators"' in html
    assert 'src="/courses/info-lit/media/img/chart.png"' in html
    assert 'href="/courses/info-lit/media/notes.pdf"' in html
    assert 'href="/courses/info-lit/intro"' in html
    assert rendered.problems == []
    assert [(r.filename, r.fragment) for r in rendered.fragment_refs] == [
        ("02-search.md", "boolean-operators")]


def test_raw_html_links_are_rewritten_too(course: LinkContext) -> None:
    out = render_markdown('<p><a href="02-search.md">s</a> <img src="media/img/chart.png" '
                          'alt="c"></p>', course).html
    assert 'href="/courses/info-lit/search"' in out
    assert 'src="/courses/info-lit/media/img/chart.png"' in out


@pytest.mark.parametrize(("source", "fragment", "is_error"), [
    ("[x](05-missing.md)", "missing module '05-missing.md'", True),
    ("[x](02-serch.md)", "did you mean '02-search.md'", True),
    ("![pic](media/nope.png)", "media file 'media/nope.png' does not exist", True),
    ("[x](../other-course/media/a.png)", "leaves the course folder", True),
    ("[x](media/../../secret.txt)", "leaves the course folder", True),
    ("[x](notes.txt)", "neither a module", True),
    ("![](media/img/chart.png)", "has no alt text", False),
])
def test_link_problems(course: LinkContext, source: str, fragment: str, is_error: bool) -> None:
    rendered = render_markdown(source, course)
    assert [(fragment in p.message, p.is_error) for p in rendered.problems] == [(True, is_error)]


def test_bad_links_lose_their_target(course: LinkContext) -> None:
    out = render_markdown("[x](../../etc/passwd) [y](05-missing.md)", course).html
    assert "passwd" not in out and "missing" not in out


def test_cyrillic_heading_anchors_and_headings_list() -> None:
    rendered = render_markdown("# Кто автор?\n\n## Боорукер & Co\n\n### Кто автор?\n")
    assert '<h1 id="кто-автор">Кто автор?</h1>' in rendered.html
    assert rendered.headings == [(1, "кто-автор", "Кто автор?"),
                                 (2, "боорукер-co", "Боорукер & Co"),
                                 (3, "кто-автор_1", "Кто автор?")]


def test_extensions_render_with_classes_only() -> None:
    source = ("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n\n"
              "Fact[^1].\n\n!!! note \"Remember\"\n    Check the date.\n\n"
              "??? tip \"More\"\n    Hidden.\n\n[^1]: A footnote.\n")
    out = render_markdown(source).html
    assert '<th align="left">a</th>' in out and '<td align="right">2</td>' in out
    assert '<div class="highlight"><pre>' in out and '<span class="nb">print</span>' in out
    assert 'class="footnote-ref"' in out and '<li id="fn:1">' in out
    assert '<div class="admonition note">' in out and "Remember" in out
    assert '<details class="tip">' in out and "<summary>More</summary>" in out
    assert "style=" not in out


def test_smart_quotes_are_off() -> None:
    assert render_markdown('"quoted" -- dash').html == "<p>\"quoted\" -- dash</p>"


def test_search_text_is_plain_and_includes_alt_text(course: LinkContext) -> None:
    rendered = render_markdown("# Title\n\nSome *bold* text.\n\n![A chart of results]"
                               "(media/img/chart.png)", course)
    assert rendered.text == "Title Some bold text. A chart of results"
    assert html_to_text("<p>a&amp;b</p><p>c</p>") == "a&b c"


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("plain", "a < b & *c*", "a &lt; b &amp; *c*"),
    ("markdown", "Is **this** a source?", "Is <strong>this</strong> a source?"),
    ("html", "<b>bold</b><script>x</script>", "<b>bold</b>"),
    ("moodle", "<i onclick='x'>it</i>", "<i>it</i>"),
    ("moodle", "line one\nline two", "line one<br>\nline two"),
    ("html", "line one\nline two", "line one\nline two"),
    ("plain", "a\nb", "a<br>\nb"),
])
def test_render_inline_formats(fmt: str, text: str, expected: str) -> None:
    assert render_inline(text, fmt) == expected


def test_render_question_html_uses_the_question_format() -> None:
    question = SimpleNamespace(text="See ![chart](media/c.png)", format="markdown")
    out = render_question_html(question, course_slug="info-lit")
    assert out == '<p>See <img alt="chart" src="/courses/info-lit/media/c.png"></p>'
    plain = SimpleNamespace(text="<b>not bold</b>", format="plain")
    assert render_question_html(plain) == "&lt;b&gt;not bold&lt;/b&gt;"


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=/ :&#;()[]!*`\nascriptonerlvjadhfimg")),
               max_size=80))
def test_random_markup_never_yields_script_or_handlers(source: str) -> None:
    collector = _TagCollector()
    collector.feed(render_markdown(source).html)
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:"))
