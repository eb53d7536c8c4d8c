"""Markdown to safe HTML for course modules and quiz texts: render, sanitise with nh3, rewrite links."""
from __future__ import annotations

import difflib
import html
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote

import markdown as _markdown
import nh3
from markdown.extensions.toc import slugify_unicode

__all__ = [
    "LinkContext",
    "LinkProblem",
    "Rendered",
    "check_text_links",
    "wrap_tables",
    "html_to_text",
    "render_inline",
    "render_markdown",
    "render_block",
    "render_question_html",
    "sanitize_html",
]

# The whole HTML vocabulary a course page may use. Anything else (script, style, iframe,
# object, form, ...) is dropped; script/style lose their content too.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
})
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "template", "noscript", "textarea", "select"})
# No ``style`` and no ``on*`` anywhere: classes come from our CSS (Pygments, admonitions), ids
# are the heading and footnote anchors.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    # ids only where anchors live (headings, footnotes), to limit DOM clobbering by authors.
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "sup": {"id"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "li": {"value", "id"},
    "details": {"open"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Bumped whenever the same files render to different HTML (a new wrapper, a changed
# extension): it is part of a course's content hash, so the next sync stores the new HTML
# instead of keeping what an older renderer made from unchanged files.
RENDER_VERSION = 2

MODULE_FILE_RE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_A_TAG_RE = re.compile(r"<a(\s[^>]*)?>")
_HREF_RE = re.compile(r'\shref="([^"]*)"')


def _extensions() -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The Python-Markdown extension set and its configuration (one place, used everywhere)."""
    extensions = [
        "tables", "footnotes", "admonition", "sane_lists", "toc",
        "pymdownx.highlight", "pymdownx.superfences", "pymdownx.details",
    ]
    config = {
        # align= instead of style= so the sanitiser may forbid style attributes entirely.
        "tables": {"use_align_attribute": True},
        "toc": {"slugify": slugify_unicode, "permalink": False},
        # CSS classes only: inline styles would be stripped by the sanitiser anyway.
        "pymdownx.highlight": {"use_pygments": True, "noclasses": False, "guess_lang": False,
                               "css_class": "highlight"},
    }
    return extensions, config


@dataclass(frozen=True)
class LinkContext:
    """What relative links in a module may point to.

    ``course_slug`` builds the public URLs; ``modules`` maps module file names
    (``02-search.md``) to module slugs; ``folder`` is the course folder used to check that
    ``media/`` files exist (None: do not check, e.g. when rendering quiz texts); ``media``,
    when given, is the exact set of media paths (``media/img/a.png``) and is used instead.
    """

    course_slug: str
    modules: Mapping[str, str] = field(default_factory=dict)
    folder: Path | None = None
    media: frozenset[str] | None = None


@dataclass(frozen=True)
class LinkProblem:
    """A link or image that needs the author's attention; ``target`` is the URL as written."""

    target: str
    is_error: bool
    message: str


@dataclass(frozen=True)
class FragmentRef:
    """A link to ``<module file>#<fragment>``, checked against that module's headings later."""

    target: str
    filename: str
    fragment: str


@dataclass(frozen=True)
class Rendered:
    """One rendered Markdown document.

    ``html`` is sanitised; ``headings`` is ``(level, id, text)`` for every heading in order;
    ``text`` is plain text for full-text search; ``problems`` are broken links, escaping paths
    and images without alt text; ``fragment_refs`` are links into other modules' headings.
    """

    html: str
    headings: list[tuple[int, str, str]]
    text: str
    problems: list[LinkProblem]
    fragment_refs: list[FragmentRef]


@dataclass(frozen=True)
class _Resolved:
    url: str | None  # None: drop the attribute
    problem: LinkProblem | None = None
    fragment_ref: FragmentRef | None = None


def _split_target(url: str) -> tuple[str, str]:
    """``'a.md?x#f'`` -> ``('a.md', '#f')``: queries are meaningless for course files."""
    path, hash_, frag = url.partition("#")
    path = path.partition("?")[0]
    return path, (hash_ + frag)


def _resolve(url: str, links: LinkContext | None) -> _Resolved:
    """Rewrite one href/src relative to the course and say what is wrong with it, if anything."""
    stripped = url.strip()
    if (links is None or not stripped or stripped.startswith(("#", "/"))
            or _SCHEME_RE.match(stripped)):
        return _Resolved(url)  # external, in-page or site-absolute: nh3 checks schemes
    path, frag = _split_target(stripped)
    norm = posixpath.normpath(unquote(path))
    if norm == ".." or norm.startswith("../") or path.startswith("./../"):
        return _Resolved(None, LinkProblem(
            url, True, f"link '{url}' leaves the course folder; "
                       "copy the file into media/ and link to media/<name>"))
    base = f"/courses/{links.course_slug}"
    if MODULE_FILE_RE.match(norm):
        return _resolve_module(url, norm, frag, links, base)
    if norm.startswith("media/"):
        return _resolve_media(url, path, norm, frag, links, base)
    return _Resolved(None, LinkProblem(
        url, True, f"link '{url}' is neither a module (NN-slug.md) nor a file in media/; "
                   "fix the path or use a full https:// address"))


def _resolve_module(url: str, norm: str, frag: str, links: LinkContext, base: str) -> _Resolved:
    slug = links.modules.get(norm)
    if slug is None and links.folder is None:
        slug = MODULE_FILE_RE.match(norm).group(2)  # type: ignore[union-attr]
    if slug is None:
        hint = _did_you_mean(norm, links.modules)
        return _Resolved(None, LinkProblem(
            url, True, f"link to missing module '{norm}'{hint}; check the file name"))
    ref = FragmentRef(url, norm, unquote(frag[1:])) if len(frag) > 1 else None
    return _Resolved(f"{base}/{slug}{frag}", fragment_ref=ref)


def _resolve_media(url: str, path: str, norm: str, frag: str, links: LinkContext,
                   base: str) -> _Resolved:
    if not _media_exists(norm, links):
        return _Resolved(None, LinkProblem(
            url, True, f"media file '{norm}' does not exist; add it to the course's "
                       "media/ folder or fix the name (names are case-sensitive)"))
    # Keep the author's own (possibly %-encoded) spelling after the media/ prefix.
    written = path
    while written.startswith("./"):
        written = written[2:]
    rest = written[len("media/"):] if written.startswith("media/") else norm[len("media/"):]
    return _Resolved(f"{base}/media/{rest}{frag}")


def _media_exists(norm: str, links: LinkContext) -> bool:
    """Exact, case-sensitive check: a file found on a case-insensitive disk (Windows, macOS)
    would still be missing on the Linux server."""
    if links.media is not None:
        return norm in links.media
    return links.folder is None or (links.folder / norm).is_file()


def _did_you_mean(word: str, choices: Mapping[str, str] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _RefCollector(HTMLParser):
    """Finds every ``<a href>`` and ``<img src>`` (with its alt) in the unsanitised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str | None]] = []  # (tag, url, alt)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.refs.append(("a", values["href"] or "", None))
        elif tag == "img":
            self.refs.append(("img", values.get("src") or "", values.get("alt")))


def _check_refs(raw_html: str, links: LinkContext | None) -> tuple[list[LinkProblem],
                                                                  list[FragmentRef]]:
    """Diagnose every link and image of a rendered document, in document order."""
    collector = _RefCollector()
    collector.feed(raw_html)
    collector.close()
    problems: list[LinkProblem] = []
    fragments: list[FragmentRef] = []
    for tag, url, alt in collector.refs:
        resolved = _resolve(url, links)
        if resolved.problem:
            problems.append(resolved.problem)
        if resolved.fragment_ref:
            fragments.append(resolved.fragment_ref)
        if tag == "img" and not (alt or "").strip():
            problems.append(LinkProblem(
                url, False, f"image '{url}' has no alt text; describe it: ![what it shows]({url})"))
    return problems, fragments


def _add_rel(match: re.Match[str]) -> str:
    """Mark external links ``rel="noopener noreferrer"``; internal links stay as they are."""
    attrs = match.group(1) or ""
    href = _HREF_RE.search(attrs)
    target = html.unescape(href.group(1)).strip().lower() if href else ""
    if target.startswith(("http://", "https://", "//")):
        return f'<a{attrs} rel="noopener noreferrer">'
    return match.group(0)


def sanitize_html(raw_html: str, links: LinkContext | None = None) -> str:
    """Sanitise an HTML fragment with the course allow-list and rewrite course-relative links.

    Args:
        raw_html: untrusted HTML (Markdown output or an author's HTML).
        links: where module and media links point; None leaves relative URLs untouched.
    Returns:
        Safe HTML: allowed tags and attributes only, http/https/mailto or relative URLs,
        ``rel="noopener noreferrer"`` on external links. Never raises for bad input.
    """
    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in (("a", "href"), ("img", "src")):
            return _resolve(value, links).url
        return value

    cleaned = nh3.clean(
        raw_html, tags=set(ALLOWED_TAGS), clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter, url_schemes=set(URL_SCHEMES), link_rel=None,
        strip_comments=True)
    return _A_TAG_RE.sub(_add_rel, cleaned)


_TABLE_OPEN_RE = re.compile(r"<table\b")
_TABLE_CLOSE_RE = re.compile(r"</table>")
_CAPTION_RE = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)
_CELL_RE = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S)
_ROW_RE = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)


def _table_name(table_html: str) -> str:
    """What a table is called for a screen reader's list of regions: its caption, else its
    first row's cells ("Где искать, Что там есть"), in the course's own language."""
    caption = _CAPTION_RE.search(table_html)
    if caption:
        name = html_to_text(caption.group(1))
    else:
        row = _ROW_RE.search(table_html)
        cells = _CELL_RE.findall(row.group(1)) if row else []
        name = ", ".join(filter(None, (html_to_text(cell) for cell in cells)))
    name = " ".join(name.split())
    return name if len(name) <= 120 else name[:119].rstrip() + "…"


def wrap_tables(safe_html: str) -> str:
    """Put every table of sanitised HTML in a scrolling region a keyboard can reach.

    A wide table otherwise makes the whole page wider than a phone, which then zooms out.
    The wrapper scrolls sideways; ``tabindex=0`` lets a keyboard user focus and scroll it
    (WCAG 2.1.1) and ``role=region`` with a name says what it holds. Added after sanitising,
    so authors still cannot write ``tabindex`` or ``role`` themselves. Nested tables get a
    wrapper each: every opening gets one and every closing ends one, so the tags stay balanced.
    """
    if "<table" not in safe_html:
        return safe_html

    def opening(match: re.Match[str]) -> str:
        end = _TABLE_CLOSE_RE.search(safe_html, match.end())
        name = _table_name(safe_html[match.start():end.end() if end else len(safe_html)])
        label = f' aria-label="{html.escape(name)}"' if name else ""
        return f'<div class="table-scroll" role="region" tabindex="0"{label}><table'

    wrapped = _TABLE_OPEN_RE.sub(opening, safe_html)
    return _TABLE_CLOSE_RE.sub("</table></div>", wrapped)


def _flatten_toc(tokens: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for token in tokens:
        out.append((int(token["level"]), str(token["id"]), html.unescape(str(token["name"]))))
        out.extend(_flatten_toc(token.get("children", [])))
    return out


def render_markdown(text: str, links: LinkContext | None = None) -> Rendered:
    """Render module Markdown to sanitised HTML.

    Args:
        text: Markdown source (front matter and quiz blocks already removed).
        links: the course context for rewriting and checking relative links; None renders
            without checks (relative links are kept as written).
    Returns:
        A :class:`Rendered` with html, headings, search text and link problems. Problems are
        reported, not raised; the loader turns them into diagnostics with line numbers.
    """
    extensions, config = _extensions()
    # A fresh Markdown object per document: instances keep state and are not thread-safe.
    md = _markdown.Markdown(extensions=extensions, extension_configs=config,
                            output_format="html")
    raw = md.convert(text)
    problems, fragments = _check_refs(raw, links)
    safe = wrap_tables(sanitize_html(raw, links))
    headings = _flatten_toc(getattr(md, "toc_tokens", []))
    return Rendered(safe, headings, html_to_text(safe), problems, fragments)


class _TextExtractor(HTMLParser):
    """Collects text, with a space at every tag boundary so words never glue together."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (image alt texts included), whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


_SINGLE_P_RE = re.compile(r"^<p>((?:(?!<p[ >]).)*)</p>$", re.S)


def check_text_links(text: str, fmt: str, links: LinkContext) -> list[LinkProblem]:
    """Link and image problems in a quiz text (stem, answer, feedback) of the given format.

    Args:
        text: the text; fmt: ``markdown``, ``html``, ``moodle`` or ``plain`` (never checked,
            it shows no links); links: the course's link context.
    Returns:
        The problems, in order (empty when all links are fine).
    """
    fmt = getattr(fmt, "value", fmt)
    if fmt == "plain" or not text:
        return []
    if fmt == "markdown":
        return render_markdown(text, links).problems
    return _check_refs(text, links)[0]


def render_inline(text: str, fmt: str = "moodle", course_slug: str | None = None) -> str:
    """Render a short quiz text (question stem, answer, feedback) in its GIFT format.

    Args:
        text: the text as the GIFT parser returned it (escapes already resolved).
        fmt: ``markdown`` (rendered as Markdown), ``html`` (author HTML, sanitised as is),
            ``moodle`` (the same, and line breaks become ``<br>`` as in Moodle) or ``plain``
            (escaped, line breaks kept).
        course_slug: when given, ``media/..`` and ``NN-slug.md`` links point into the course.
    Returns:
        Safe HTML; a single Markdown paragraph is unwrapped so it fits inline.
    """
    body = render_block(text or "", fmt, course_slug)
    match = _SINGLE_P_RE.match(body.strip())
    return match.group(1) if match else body


def render_block(text: str, fmt: str = "moodle", course_slug: str | None = None) -> str:
    """Like :func:`render_inline` but keeps paragraphs (``<p>``) as block HTML."""
    fmt = getattr(fmt, "value", fmt)  # a TextFormat enum member or its plain string
    links = LinkContext(course_slug) if course_slug else None
    if fmt == "plain":
        return html.escape(text).replace("\n", "<br>\n")
    if fmt == "markdown":
        return render_markdown(text, links).html
    if fmt == "moodle":
        # Moodle's own "moodle auto-format": HTML allowed, and a line break (GIFT \n) shows.
        text = text.replace("\n", "<br>\n")
    return wrap_tables(sanitize_html(text, links))


# Survives Markdown and the sanitiser as plain text, then becomes the blank of a
# missing-word question.
_BLANK_TOKEN = "QUIZBLANKc5e1f0"
BLANK_HTML = '<span class="quiz-blank">_____</span>'


def render_question_html(question: Any, course_slug: str | None = None) -> str:
    """Safe HTML of a question's stem, in the question's own format.

    Args:
        question: a ``Question`` from ``app.curriculum.gift.parse_gift`` (uses ``.text``,
            ``.format`` and, for missing-word questions, ``.text_after``).
        course_slug: when given, relative media/module links are rewritten into the course.
    Returns:
        Sanitised block HTML. A missing-word question shows its blank as
        ``<span class="quiz-blank">_____</span>`` between the text before and after it.
    """
    fmt = str(getattr(question, "format", "moodle") or "moodle")
    fmt = getattr(getattr(question, "format", None), "value", fmt)
    text = question.text or ""
    after = getattr(question, "text_after", "") or ""
    if not after:
        return render_block(text, fmt, course_slug)
    if fmt == "plain":
        return f"{html.escape(text)} {BLANK_HTML} {html.escape(after)}"
    out = render_block(f"{text} {_BLANK_TOKEN} {after}", fmt, course_slug)
    return out.replace(_BLANK_TOKEN, BLANK_HTML)
