"""The published curriculum as learner pages read it: courses, outlines, module texts, questions.

Courses, their outlines and module texts change only when course files are synced, yet every
learner page reads them. Each read here is kept by the worker until the curriculum changes
(``kept_for_curriculum``, app.caching), so most pages cost no query for them. What they return
are plain ``Row`` objects: immutable, with attribute access like the ORM objects the templates
read, and never bound to a session. The ORM is for writing the curriculum (app.services.sync).
"""
from __future__ import annotations

from sqlalchemy import Row, exists, func, select

from app.caching import kept_for_curriculum
from app.extensions import EncodedJSON, db
from app.models.catalog import Course, Module, Question

# Module texts kept per worker: about 20 KB each, so about 8 MB; the least recently read go first.
MAX_TEXTS = 400
_COURSE_COLUMNS = tuple(c for c in Course.__table__.c if c.key not in ("content_hash", "created_at", "updated_at"))
_HAS_QUIZ = exists().where(Question.module_id == Module.id, Question.retired_at.is_(None)).label("has_quiz")
_OUTLINE_COLUMNS = (Module.id, Module.course_id, Module.slug, Module.title, Module.position, Module.minutes,
                    Module.kind, _HAS_QUIZ)


@kept_for_curriculum
def courses() -> dict[str, Row]:
    """Every published course by slug, ordered by language and title (the catalog's order)."""
    rows = db.session.execute(
        select(*_COURSE_COLUMNS).where(Course.retired_at.is_(None)).order_by(Course.language, Course.title)
    ).all()
    return {r.slug: r for r in rows}


@kept_for_curriculum
def _courses_by_id() -> dict[int, Row]:
    return {r.id: r for r in courses().values()}


def course(slug: str) -> Row | None:
    """The published course ``slug``, or None."""
    return courses().get(slug)


def course_by_id(course_id: int) -> Row | None:
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
def outline(course_id: int) -> tuple[Row, ...]:
    """The course's active modules in order: id, course_id, slug, title, position, minutes, kind
    and has_quiz (an active question exists). No module text."""
    return tuple(db.session.execute(
        select(*_OUTLINE_COLUMNS)
        .where(Module.course_id == course_id, Module.retired_at.is_(None)).order_by(Module.position)
    ))


@kept_for_curriculum(maxsize=MAX_TEXTS)
def module(module_id: int) -> Row | None:
    """One module with its text (every column but the plain-text copy kept for search)."""
    return db.session.execute(
        select(*(c for c in Module.__table__.c if c.key not in ("search_text", "source_hash")))
        .where(Module.id == module_id)
    ).one_or_none()


@kept_for_curriculum
def questions(module_id: int) -> tuple[Row, ...]:
    """The module's active quiz questions in order, as plain rows (every column). Their ``data``
    and ``rendered`` dicts are shared by every request of the worker: read them, never change them."""
    return tuple(db.session.execute(
        select(*Question.__table__.c)
        .where(Question.module_id == module_id, Question.retired_at.is_(None)).order_by(Question.position)
    ))


@kept_for_curriculum(key=lambda question: question.id)
def parsed(question: Row):
    """The question's ``data`` as a curriculum.questions.Question (what the grader reads), made
    once per worker and revision instead of once per answer."""
    from app.curriculum.questions import Question as ParsedQuestion

    return ParsedQuestion.from_dict(question.data)


@kept_for_curriculum(key=lambda question: question.id)
def snapshot(question: Row) -> tuple[EncodedJSON, EncodedJSON]:
    """The question's ``data`` and ``rendered`` as the JSON text every answer to it stores as its
    snapshot: encoded once per worker and revision, not once per answer."""
    return EncodedJSON.of(question.data), EncodedJSON.of(question.rendered)
