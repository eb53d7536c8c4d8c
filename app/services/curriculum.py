"""The published curriculum as learner pages read it: courses, outlines, module texts, questions.

Courses, their outlines and module texts change only when course files are synced, yet every
learner page reads them. Each read here is kept by the worker until the curriculum changes
(``kept_for_curriculum``, app.caching), so most pages cost no query for them. What they return
are frozen read models (the dataclasses below): what views, templates and the quiz's services
see, shared by every request of the worker and never bound to a database session. The ORM is
for writing the curriculum (app.services.sync) and learners' history.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select

from app.caching import kept_for_curriculum
from app.extensions import EncodedJSON, db
from app.models.catalog import Course, Module, Question

@dataclass(frozen=True, slots=True)
class CourseView:
    """A published course as its pages show it."""

    id: int
    slug: str
    title: str
    language: str
    summary: str
    audience: str
    track: str | None
    hours: float
    pass_mark: int
    outcomes: tuple[str, ...]
    tags: tuple[str, ...]
    translation_of: str | None
    pretest_feedback: str
    authors: tuple[dict, ...]  # people (course.yml): read them, never change them
    reviewers: tuple[dict, ...]
    sources: tuple[str, ...]
    source_dir: str
    synced_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """A module's place in its course's outline, without its text."""

    id: int
    course_id: int
    slug: str
    title: str
    position: int
    minutes: int | None
    kind: str
    has_quiz: bool


@dataclass(frozen=True, slots=True)
class ModuleView:
    """A module with its text and quiz settings."""

    id: int
    course_id: int
    slug: str
    position: int
    filename: str
    title: str
    minutes: int | None
    kind: str
    body_html: str
    headings: tuple
    quiz_pass_mark: int
    quiz_attempts: int | None  # None: unlimited
    quiz_shuffle: bool
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuestionView:
    """An active quiz question. ``data`` (the parsed question) and ``rendered`` (its sanitised HTML
    parts) are shared by every request of the worker: read them, never change them."""

    id: int
    course_id: int
    module_id: int
    ident: str
    position: int
    qtype: str
    data: dict
    rendered: dict
    tags: tuple[str, ...]
    source_line: int
    content_hash: str
    retired_at: datetime | None


def _view(cls, row) -> Any:
    """A read model from a row holding (at least) its fields; JSON lists become tuples."""
    values = {}
    for f in fields(cls):
        value = getattr(row, f.name)
        values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def _columns(table, cls) -> tuple:
    names = {f.name for f in fields(cls)}
    return tuple(c for c in table.c if c.key in names)


# Module texts kept per worker: about 20 KB each, so about 8 MB; the least recently read go first.
MAX_TEXTS = 400
_COURSE_COLUMNS = _columns(Course.__table__, CourseView)
_MODULE_COLUMNS = _columns(Module.__table__, ModuleView)
_QUESTION_COLUMNS = _columns(Question.__table__, QuestionView)
_HAS_QUIZ = exists().where(Question.module_id == Module.id, Question.retired_at.is_(None)).label("has_quiz")
_OUTLINE_COLUMNS = (Module.id, Module.course_id, Module.slug, Module.title, Module.position, Module.minutes,
                    Module.kind, _HAS_QUIZ)


@kept_for_curriculum
def courses() -> dict[str, CourseView]:
    """Every published course by slug, ordered by language and title (the catalog's order)."""
    rows = db.session.execute(
        select(*_COURSE_COLUMNS).where(Course.retired_at.is_(None)).order_by(Course.language, Course.title)
    ).all()
    return {r.slug: _view(CourseView, r) for r in rows}


@kept_for_curriculum
def _courses_by_id() -> dict[int, CourseView]:
    return {r.id: r for r in courses().values()}


def course(slug: str) -> CourseView | None:
    """The published course ``slug``, or None."""
    return courses().get(slug)


def course_by_id(course_id: int) -> CourseView | None:
    """The published course with this id, or None (retired or unknown)."""
    return _courses_by_id().get(course_id)


@kept_for_curriculum
def module_counts() -> dict[int, int]:
    """Active modules per published course, for the catalog's cards."""
    return dict(db.session.execute(
        select(Module.course_id, func.count()).join(Course, Course.id == Module.course_id)
        .where(Module.retired_at.is_(None), Course.retired_at.is_(None)).group_by(Module.course_id)
    ).all())


@kept_for_curriculum
def outline(course_id: int) -> tuple[OutlineEntry, ...]:
    """The course's active modules in order, without their text."""
    return tuple(_view(OutlineEntry, r) for r in db.session.execute(
        select(*_OUTLINE_COLUMNS)
        .where(Module.course_id == course_id, Module.retired_at.is_(None)).order_by(Module.position)
    ))


@kept_for_curriculum(maxsize=MAX_TEXTS)
def module(module_id: int) -> ModuleView | None:
    """One module with its text."""
    row = db.session.execute(select(*_MODULE_COLUMNS).where(Module.id == module_id)).one_or_none()
    return None if row is None else _view(ModuleView, row)


@kept_for_curriculum
def questions(module_id: int) -> tuple[QuestionView, ...]:
    """The module's active quiz questions in order."""
    return tuple(_view(QuestionView, r) for r in db.session.execute(
        select(*_QUESTION_COLUMNS)
        .where(Question.module_id == module_id, Question.retired_at.is_(None)).order_by(Question.position)
    ))


@kept_for_curriculum(key=lambda question: question.id)
def parsed(question: QuestionView):
    """The question's ``data`` as a curriculum.questions.Question (what the grader reads), made
    once per worker and revision instead of once per answer."""
    from app.curriculum.questions import Question as ParsedQuestion

    return ParsedQuestion.from_dict(question.data)


@kept_for_curriculum(key=lambda question: question.id)
def snapshot(question: QuestionView) -> tuple[EncodedJSON, EncodedJSON]:
    """The question's ``data`` and ``rendered`` as the JSON text every answer to it stores as its
    snapshot: encoded once per worker and revision, not once per answer."""
    return EncodedJSON.of(question.data), EncodedJSON.of(question.rendered)
