"""Full-text search over course and module text, on SQLite (FTS5) and PostgreSQL (tsvector).

Writes: ``reindex_course`` (call it whenever a course's rows change) and ``reindex_all``. Reads:
``search_courses`` and ``search_course_ids``. Both databases get the same query semantics:
the user's text is split into words (Unicode letters and digits; everything else, including every
FTS operator character, is a separator, so no input can raise a syntax error), every word is a
prefix, all words must match, case-insensitively in any script. Each course appears once, with its
best document (its own text or one of its modules), best first: documents whose title holds every
word come first, then the engine's score orders them (SQLite bm25 with the title weighted 10:1,
PostgreSQL ts_rank with the title weighted A against D), so the two databases agree on the tiers
but may order hits inside a tier a little differently.

The snippet is cut in Python from the stored body rather than with FTS5 ``snippet()`` or
PostgreSQL ``ts_headline``: those choose and cut their windows differently (tokens vs. words), so
one function gives the page the same plain text from both databases.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Select, case, delete, func, literal_column, or_, select, table
from sqlalchemy import column as sql_column
from sqlalchemy import text as sql_text

from app.extensions import db
from app.models.catalog import Course, Module
from app.models.search import SQLITE_FTS_TABLE, SearchDocument, document_tsvector, fold_yo, pg_fold_yo

MAX_QUERY_CHARS = 200  # a search box query; longer input is cut, not rejected
MAX_WORDS = 8  # each word is a prefix scan: bound the work one request can cause
SNIPPET_CHARS = 160
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # SQLite bm25 column weights

_WORD = re.compile(r"[^\W_]+")  # Unicode letters and digits, as both tokenizers see words
# An inline constant, not a bound parameter, to match the text of the GIN index expression.
_SIMPLE = sql_text("'simple'::regconfig")


@dataclass(frozen=True)
class SearchHit:
    """A course's best-matching document: its own (``module_id`` None) or a module's."""

    course_id: int
    module_id: int | None
    title: str
    snippet: str


def reindex_course(course: Course) -> None:
    """Replace ``course``'s search documents with its current text; flushes, does not commit.

    One document for the course (title; body = summary, outcomes and tags) and one per active
    module (title; body = the module's plain ``search_text``). Retired modules get none.
    """
    db.session.flush()  # a course created in this unit of work needs its id first
    db.session.execute(delete(SearchDocument).where(SearchDocument.course_id == course.id))
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None))
        .order_by(Module.position)
    )
    parts = [course.summary or "", *(course.outcomes or []), *(course.tags or [])]
    body = "\n".join(map(str, parts))
    documents = [_document(course, None, course.title, body)]
    documents += [_document(course, m.id, m.title, m.search_text) for m in modules]
    db.session.add_all(documents)
    db.session.flush()


def reindex_all() -> int:
    """Rebuild the search documents of every course (after the table is created, or to repair it);
    flushes, does not commit. Returns the number of courses indexed."""
    courses = db.session.scalars(select(Course).order_by(Course.id)).all()
    for course in courses:
        reindex_course(course)
    return len(courses)


def _document(course: Course, module_id: int | None, title: str, body: str | None) -> SearchDocument:
    # NFC so a letter typed as base + combining mark is stored and searched as one character.
    return SearchDocument(
        course_id=course.id, module_id=module_id, language=course.language,
        title=unicodedata.normalize("NFC", title or ""), body=unicodedata.normalize("NFC", body or ""),
    )


def search_courses(query: str, *, language: str | None = None, limit: int = 50) -> list[SearchHit]:
    """Published courses matching ``query``, best first, each once with its best document.

    Args:
        query: free text from the user; never raises on any input (no words: no results).
        language: only documents of courses in this language (``ru``, ``ky``, ``en``); None: all.
        limit: at most this many courses.
    Returns:
        SearchHit list; ``snippet`` is plain text of about 160 characters around the first match.
    """
    words = query_words(query)
    if not words:
        return []
    rows = db.session.execute(_best_per_course(words, language, limit))
    return [SearchHit(r.course_id, r.module_id, r.title, make_snippet(r.body, words)) for r in rows]


def search_course_ids(query: str, language: str | None = None) -> list[int]:
    """The ids of all published courses matching ``query``, best first (for the catalog filter)."""
    words = query_words(query)
    if not words:
        return []
    best = _best_per_course(words, language, limit=None)
    return list(db.session.scalars(best.with_only_columns(best.selected_columns.course_id)))


def query_words(query: str | None) -> list[str]:
    """The distinct lowercase words of ``query``, in order, at most MAX_WORDS of them, with ё as е
    (as the index stores it: see app.models.search)."""
    query = query or ""
    text = fold_yo(unicodedata.normalize("NFC", query[:MAX_QUERY_CHARS]).lower())
    words = _WORD.findall(text)
    if len(query) > MAX_QUERY_CHARS and query[MAX_QUERY_CHARS - 1:MAX_QUERY_CHARS + 1].isalnum():
        words = words[:-1]  # the cut went through this word
    return list(dict.fromkeys(words))[:MAX_WORDS]


def _best_per_course(words: list[str], language: str | None, limit: int | None) -> Select:
    """Rank matching documents, keep each course's best (a window function: same on both)."""
    matches = _sqlite_matches(words) if _dialect() == "sqlite" else _postgresql_matches(words)
    matches = matches.join(Course, Course.id == SearchDocument.course_id).outerjoin(
        Module, Module.id == SearchDocument.module_id
    ).where(
        # Checked here too, so a course or module retired without a reindex disappears at once.
        Course.retired_at.is_(None),
        or_(SearchDocument.module_id.is_(None), Module.retired_at.is_(None)),
    )
    if language is not None:
        matches = matches.where(SearchDocument.language == language)
    found = matches.subquery()
    position = func.row_number().over(
        partition_by=found.c.course_id, order_by=(found.c.tier.desc(), found.c.score.desc(), found.c.id)
    ).label("position")
    ranked = select(found, position).subquery()
    best = select(ranked).where(ranked.c.position == 1)
    return best.order_by(ranked.c.tier.desc(), ranked.c.score.desc(), ranked.c.course_id).limit(limit)


def _columns(title_hit, score) -> Select:
    """The columns both dialects return: a tier (1 when every word is in the title, so a title hit
    always outranks a body hit: bm25 alone would let a long body repeating a word win) then the
    engine's score (higher is better) to order within a tier."""
    return select(
        SearchDocument.id, SearchDocument.course_id, SearchDocument.module_id, SearchDocument.title,
        SearchDocument.body, case((title_hit, 1), else_=0).label("tier"), score.label("score"),
    )


def _sqlite_matches(words: list[str]) -> Select:
    """FTS5: each word quoted (so AND, NEAR, *, - are plain text) then ``*`` for a prefix;
    words separated by spaces must all match. bm25 is lower-is-better, hence the minus."""
    fts = table(SQLITE_FTS_TABLE, sql_column("rowid"))
    fts_match = literal_column(SQLITE_FTS_TABLE).op("MATCH")
    match = " ".join(f'"{word}"*' for word in words)
    in_title = select(fts.c.rowid).where(fts_match(f"title : ({match})"))
    score = -func.bm25(literal_column(SQLITE_FTS_TABLE), TITLE_WEIGHT, BODY_WEIGHT)
    return (
        _columns(SearchDocument.id.in_(in_title), score).select_from(fts)
        .join(SearchDocument, SearchDocument.id == fts.c.rowid).where(fts_match(match))
    )


def _postgresql_matches(words: list[str]) -> Select:
    """tsquery: each word a quoted lexeme (so & | ! : ( ) are plain text) with ``:*`` for a
    prefix, joined by ``&``. The match uses the GIN-indexed vector; only matching rows are ranked,
    on a vector weighted title A / body D (ts_rank's counterpart of the SQLite column weights)."""
    tsquery = func.to_tsquery(_SIMPLE, " & ".join(f"'{w}':*" for w in words))
    title = func.to_tsvector(_SIMPLE, pg_fold_yo(SearchDocument.title))
    weighted = func.setweight(title, sql_text("'A'")).op("||")(
        func.setweight(func.to_tsvector(_SIMPLE, pg_fold_yo(SearchDocument.body)), sql_text("'D'"))
    )
    return (
        _columns(title.bool_op("@@")(tsquery), func.ts_rank(weighted, tsquery))
        .select_from(SearchDocument).where(document_tsvector().bool_op("@@")(tsquery))
    )


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def make_snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around the first word starting with one of
    ``words`` (case-insensitive), cut at spaces, with an ellipsis where text was left out."""
    plain = " ".join((text or "").split())
    if len(plain) <= width:
        return plain
    hit = _first_hit(plain, words)
    start = min(max(0, hit - width // 4), len(plain) - width)
    if start > 0:  # begin at a word: after the first space between start and the hit
        space = plain.find(" ", start, max(hit, start))
        start = space + 1 if space >= 0 else start
    end = start + width
    if end < len(plain):
        space = plain.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start > 0 else "") + plain[start:end].strip() + ("…" if end < len(plain) else "")


def _first_hit(text: str, words: list[str]) -> int:
    """Where the first word of ``text`` beginning with one of ``words`` starts (0 if none)."""
    if not words:
        return 0
    # Searched in the folded text, whose characters stand where the original's do.
    words = [fold_yo(word) for word in words]
    found = re.search(r"(?<![^\W_])(?:" + "|".join(map(re.escape, words)) + ")", fold_yo(text), re.IGNORECASE)
    return found.start() if found else 0
