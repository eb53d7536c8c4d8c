"""The curriculum as learner pages read it, kept in each worker and checked against the database.

Courses, their outlines and module texts change only when course files are synced, yet every
learner page read them again through the ORM: the course row, the outline (with an ``EXISTS`` per
module for "has a quiz"), 20 KB of module HTML, module counts for the catalog. That was about half
of the module page's time (bench/README.md). Each worker now keeps what it has read, tagged with
the ``curriculum`` revision (``app.models.security.Revision``):

- any flush that adds, changes or retires a Course, Module or Question bumps that number *in the
  same transaction* (``_bump_on_flush`` below), so no writer can forget to: the sync, an admin
  tool, a test, a shell;
- each request reads the number once (one primary-key row); when it differs from the copy's, the
  copy is dropped and refilled on demand.

So every worker on every host stops using old data at the commit that changed it: nothing is ever
told to invalidate, and nothing that must be shared lives only in one process (the number lives in
the database). What is kept are plain ``Row`` objects (immutable, with attribute access like the
ORM objects the templates read), never ORM objects, which belong to one session.

A transaction that has changed the curriculum itself reads it fresh and keeps no copy: what it
sees is not committed yet and could still be rolled back.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context
from sqlalchemy import Row, event, exists, func, insert, select, update
from sqlalchemy.orm import Session

from app.extensions import EncodedJSON, db
from app.models.catalog import Course, Module, Question
from app.models.security import Revision

NAME = "curriculum"
# Module texts kept per worker: about 20 KB each, so about 8 MB; the least recently read go first.
MAX_TEXTS = 400
# Rendered pieces of pages (course cards per language, badges): a few hundred in practice.
MAX_FRAGMENTS = 5000
# Whole pages shared by every reader in the same state (app.templating.shared_page): about 25 KB
# each, so about 8 MB; the least recently served go first.
MAX_PAGES = 300
_SESSION_FLAG = "sabak_curriculum_changed"
# Every request runs this: built once, and on the table's columns (a Core statement) rather than
# the mapped class's, which would route a one-value read through the ORM's result machinery
# (about 50 µs a request against 17, bench/README.md).
REVISION = select(Revision.__table__.c.value).where(Revision.__table__.c.name == NAME)
_NOTED = "_sabak_curriculum_revision"
_COURSE_COLUMNS = tuple(c for c in Course.__table__.c if c.key not in ("content_hash", "created_at", "updated_at"))
_HAS_QUIZ = exists().where(Question.module_id == Module.id, Question.retired_at.is_(None)).label("has_quiz")
_OUTLINE_COLUMNS = (Module.id, Module.course_id, Module.slug, Module.title, Module.position, Module.minutes,
                    Module.kind, _HAS_QUIZ)


@dataclass
class Copy:
    """One worker's copy of the curriculum at one revision. Filled piece by piece, on first use."""

    revision: int
    _courses: dict[str, Row] | None = None
    _by_id: dict[int, Row] | None = None
    _module_counts: dict[int, int] | None = None
    _outlines: dict[int, tuple[Row, ...]] = field(default_factory=dict)
    _texts: OrderedDict[int, Row] = field(default_factory=OrderedDict)
    _fragments: dict[tuple, object] = field(default_factory=dict)
    _questions: dict[int, tuple[Row, ...]] = field(default_factory=dict)
    _parsed: dict[int, object] = field(default_factory=dict)
    _snapshots: dict[int, tuple[EncodedJSON, EncodedJSON]] = field(default_factory=dict)
    _pages: OrderedDict[tuple, bytes] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def courses(self) -> dict[str, Row]:
        """Every published course by slug, ordered by language and title (the catalog's order)."""
        if self._courses is None:
            rows = db.session.execute(
                select(*_COURSE_COLUMNS).where(Course.retired_at.is_(None)).order_by(Course.language, Course.title)
            ).all()
            self._by_id = {r.id: r for r in rows}
            self._courses = {r.slug: r for r in rows}
        return self._courses

    def course(self, slug: str) -> Row | None:
        return self.courses().get(slug)

    def course_by_id(self, course_id: int) -> Row | None:
        self.courses()
        assert self._by_id is not None
        return self._by_id.get(course_id)

    def module_counts(self) -> dict[int, int]:
        """Active modules per published course, for the catalog's cards."""
        if self._module_counts is None:
            self._module_counts = dict(db.session.execute(
                select(Module.course_id, func.count()).join(Course, Course.id == Module.course_id)
                .where(Module.retired_at.is_(None), Course.retired_at.is_(None)).group_by(Module.course_id)
            ).all())
        return self._module_counts

    def outline(self, course_id: int) -> tuple[Row, ...]:
        """The course's active modules in order: id, course_id, slug, title, position, minutes, kind
        and has_quiz (an active question exists). No module text."""
        rows = self._outlines.get(course_id)
        if rows is None:
            rows = tuple(db.session.execute(
                select(*_OUTLINE_COLUMNS)
                .where(Module.course_id == course_id, Module.retired_at.is_(None)).order_by(Module.position)
            ))
            self._outlines[course_id] = rows
        return rows

    def outlines(self, course_ids: list[int]) -> dict[int, tuple[Row, ...]]:
        """``outline`` for several courses; those not kept yet are read in one query."""
        missing = [cid for cid in course_ids if cid not in self._outlines]
        if missing:
            found: dict[int, list[Row]] = {cid: [] for cid in missing}
            for row in db.session.execute(
                select(*_OUTLINE_COLUMNS).where(Module.course_id.in_(missing), Module.retired_at.is_(None))
                .order_by(Module.course_id, Module.position)
            ):
                found[row.course_id].append(row)
            for cid, rows in found.items():
                self._outlines[cid] = tuple(rows)
        return {cid: self._outlines[cid] for cid in course_ids}

    def _recall(self, store: OrderedDict, key):
        """``store[key]`` or None, marked as just used: the bounded stores drop the least recently used."""
        with self._lock:
            value = store.get(key)
            if value is not None:
                store.move_to_end(key)
            return value

    def _keep(self, store: OrderedDict, key, value, limit: int) -> None:
        with self._lock:
            store[key] = value
            while len(store) > limit:
                store.popitem(last=False)

    def module(self, module_id: int) -> Row | None:
        """One module with its text (every column but the plain-text copy kept for search)."""
        row = self._recall(self._texts, module_id)
        if row is not None:
            return row
        row = db.session.execute(
            select(*(c for c in Module.__table__.c if c.key not in ("search_text", "source_hash")))
            .where(Module.id == module_id)
        ).one_or_none()
        if row is not None:
            self._keep(self._texts, module_id, row, MAX_TEXTS)
        return row


    def questions(self, module_id: int) -> tuple[Row, ...]:
        """The module's active quiz questions in order, as plain rows (every column). Their ``data``
        and ``rendered`` dicts are shared by every request of the worker: read them, never change them."""
        rows = self._questions.get(module_id)
        if rows is None:
            rows = self._questions[module_id] = tuple(db.session.execute(
                select(*Question.__table__.c)
                .where(Question.module_id == module_id, Question.retired_at.is_(None)).order_by(Question.position)
            ))
        return rows

    def parsed(self, question: Row):
        """The question's ``data`` as a curriculum.questions.Question (what the grader reads), made
        once per worker and revision instead of once per answer."""
        parsed = self._parsed.get(question.id)
        if parsed is None:
            from app.curriculum.questions import Question as ParsedQuestion

            parsed = self._parsed[question.id] = ParsedQuestion.from_dict(question.data)
        return parsed

    def snapshot(self, question: Row) -> tuple[EncodedJSON, EncodedJSON]:
        """The question's ``data`` and ``rendered`` as the JSON text every answer to it stores as
        its snapshot: encoded once per worker and revision, not once per answer (ten answers'
        snapshots were most of the JSON a quiz submission encoded)."""
        snapshot = self._snapshots.get(question.id)
        if snapshot is None:
            snapshot = self._snapshots[question.id] = (EncodedJSON.of(question.data),
                                                       EncodedJSON.of(question.rendered))
        return snapshot

    def kept_fragment(self, key: tuple):
        """The piece ``fragment`` keeps under ``key``, or None (nothing is made)."""
        return self._fragments.get(key)

    def fragment(self, key: tuple, make):
        """A piece of rendered HTML that depends only on the curriculum and ``key`` (see
        app.templating.fragments). Bounded: past MAX_FRAGMENTS the store starts again."""
        html = self._fragments.get(key)
        if html is None:
            html = make()
            if len(self._fragments) >= MAX_FRAGMENTS:
                self._fragments.clear()
            self._fragments[key] = html
        return html

    def page(self, key: tuple) -> bytes | None:
        """A whole page kept by ``keep_page``, or None (see app.templating.shared_page)."""
        return self._recall(self._pages, key)

    def keep_page(self, key: tuple, html: bytes) -> None:
        self._keep(self._pages, key, html, MAX_PAGES)


def current() -> Copy:
    """The curriculum as of this request: the worker's copy when the revision still matches."""
    copy = g.get("_sabak_curriculum")
    if copy is not None:
        return copy
    session = db.session()
    revision = g.pop(_NOTED, None)
    if revision is None:
        revision = session.connection().execute(REVISION).scalar()
    revision = revision or 0
    if session.info.get(_SESSION_FLAG):  # this transaction changed it: read fresh, keep nothing
        copy = Copy(revision)
    else:
        holder = current_app.extensions.setdefault("sabak_curriculum", {})
        copy = holder.get("copy")
        if copy is None or copy.revision != revision:
            copy = holder["copy"] = Copy(revision)
    g._sabak_curriculum = copy
    return copy


def note_revision(revision: int | None) -> None:
    """The revision as this request's first statement read it (accounts.load_user_from_cookie_id
    reads it with the signed-in user's row), so that ``current`` need not read it again."""
    g.setdefault(_NOTED, revision)


def _touches_curriculum(session: Session) -> bool:
    kinds = (Course, Module, Question)
    if any(isinstance(o, kinds) for o in session.new) or any(isinstance(o, kinds) for o in session.deleted):
        return True
    return any(isinstance(o, kinds) and session.is_modified(o, include_collections=False) for o in session.dirty)


@event.listens_for(Session, "after_flush")
def _bump_on_flush(session: Session, _context) -> None:
    """Bump the curriculum revision in the transaction that changes the curriculum (once)."""
    if session.info.get(_SESSION_FLAG) or not _touches_curriculum(session):
        return
    conn = session.connection()
    bumped = conn.execute(update(Revision).where(Revision.name == NAME).values(value=Revision.value + 1))
    if not bumped.rowcount:  # a database made by create_all (tests) has no row yet
        conn.execute(insert(Revision).values(name=NAME, value=1))
    session.info[_SESSION_FLAG] = True
    if has_app_context():
        g.pop("_sabak_curriculum", None)
        g.pop(_NOTED, None)  # read before this change


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    if session.info.pop(_SESSION_FLAG, None) and has_app_context():
        g.pop("_sabak_curriculum", None)
