"""What the home page and a learner's dashboard show, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import contains_eager, load_only

from app.extensions import db
from app.models.catalog import Course, Module
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import Institution, User
from app.services import curriculum


@dataclass
class SiteOverview:
    learners: int
    institutions: int
    courses: int


@dataclass
class CourseProgress:
    # The learner's enrolment as a plain row: id, course_id, enrolled_at, completed_at,
    # last_module_id, last_seen_at.
    enrolment: Row
    course: Row  # the curriculum's plain row of the course (app.services.curriculum)
    total: int
    done: int
    continue_module: Row | None
    # The course's active modules in order, as plain rows (id, course_id, slug, title, position...):
    # what the dashboard and the progress API show of them, without building ORM objects.
    modules: tuple[Row, ...] = ()

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_complete(self) -> bool:
        return self.enrolment.completed_at is not None

    @property
    def fragment_key(self) -> tuple:
        """Everything the dashboard's card for this course shows (kept_each, app.caching.pages): learners
        at the same point of a course share the card's HTML."""
        return ("dashboard-course", self.course.id, self.total, self.done, self.enrolment.completed_at,
                self.continue_module.slug if self.continue_module is not None else None)


@dataclass
class Dashboard:
    courses: list[CourseProgress] = field(default_factory=list)
    recent_attempts: list[Row] = field(default_factory=list)  # see latest_attempts
    # The learner's progress rows by module id (module_id, done_at, visited_at, attempt_count,
    # best_score; the two dates as flags, True when set), for callers that show each module's
    # status (the progress API, api.serializers.my_progress).
    progress: dict[int, Row] = field(default_factory=dict)

    @property
    def resume(self) -> CourseProgress | None:
        """The course to continue: the one the learner touched last and has not finished."""
        open_ones = [c for c in self.courses if not c.is_complete and c.continue_module is not None]
        return max(open_ones, key=lambda c: c.enrolment.last_seen_at or c.enrolment.enrolled_at, default=None)


# What lists of modules show. A module's full row carries its text (about 20 KB of HTML): loading
# it for every module of every enrolled course made the dashboard read megabytes per view. Any
# other column still loads on first access.
MODULE_SUMMARY = load_only(Module.id, Module.course_id, Module.slug, Module.title, Module.position,
                           Module.minutes, Module.kind, Module.retired_at)


def site_overview() -> SiteOverview:
    return SiteOverview(
        learners=db.session.scalar(select(func.count()).select_from(User)) or 0,
        institutions=db.session.scalar(select(func.count()).select_from(Institution)) or 0,
        courses=db.session.scalar(select(func.count()).select_from(Course).where(Course.retired_at.is_(None))) or 0,
    )


# The learner's rows that the dashboard and the progress API read on every view: built once, with
# bound parameters, on the tables' columns (Core statements), which costs far less than building
# ORM-enabled selects per request and running them through the ORM's result handling.
_enrolments, _progress, _attempts = Enrolment.__table__.c, ModuleProgress.__table__.c, Attempt.__table__.c
_modules, _courses = Module.__table__.c, Course.__table__.c
_ACTIVE_ENROLMENTS = (
    select(_enrolments.id, _enrolments.course_id, _enrolments.enrolled_at, _enrolments.completed_at,
           _enrolments.last_module_id, _enrolments.last_seen_at)
    .where(_enrolments.user_id == bindparam("user_id"), _enrolments.left_at.is_(None))
    .order_by(_enrolments.enrolled_at.desc(), _enrolments.id.desc()))
# All of the learner's progress rows, by the (user_id, module_id) index: fewer than a few hundred,
# and cheaper than naming every module of every course in an IN list. ``done_at`` and
# ``visited_at`` are read as flags (is it set?), which is all that counting and
# progress.status_of ask of them, rather than a hundred timestamps turned into aware datetimes on
# every view.
_ALL_PROGRESS = (
    select(_progress.module_id, _progress.done_at.is_not(None).label("done_at"),
           _progress.visited_at.is_not(None).label("visited_at"), _progress.attempt_count, _progress.best_score)
    .where(_progress.user_id == bindparam("user_id")))
_LATEST_ATTEMPTS = (
    select(_attempts.number, _attempts.score, _attempts.auto_score, _attempts.is_passed, _attempts.is_pending, _attempts.submitted_at,
           _modules.slug.label("module_slug"), _modules.title.label("module_title"),
           _courses.slug.label("course_slug"), _courses.language.label("course_language"))
    .join_from(Attempt.__table__, Module.__table__, _modules.id == _attempts.module_id)
    .join(Course.__table__, _courses.id == _modules.course_id)
    .where(_attempts.user_id == bindparam("user_id"))
    .order_by(_attempts.submitted_at.desc(), _attempts.id.desc()).limit(bindparam("limit")))


def dashboard_for(user: User, *, recent_attempts: int = 5) -> Dashboard:
    """The learner's active enrolments with progress, and their latest attempts (``recent_attempts``
    of them; 0 skips their query for callers that do not show them).

    Courses and their outlines are the curriculum's kept reads (app.services.curriculum); the
    learner's enrolments and progress are read as plain rows, a query each, rather than as ORM
    objects for every module of every enrolled course.
    """
    conn = db.session.connection()
    enrolments = [e for e in conn.execute(_ACTIVE_ENROLMENTS, {"user_id": user.id})
                  if curriculum.course_by_id(e.course_id) is not None]  # retired courses are not shown
    outlines = {e.course_id: curriculum.outline(e.course_id) for e in enrolments}
    rows = {r.module_id: r for r in conn.execute(_ALL_PROGRESS, {"user_id": user.id}).all()}
    courses = []
    for e in enrolments:
        active = outlines[e.course_id]
        not_done = [m for m in active if not ((r := rows.get(m.id)) and r.done_at)]
        last = next((m for m in not_done if m.id == e.last_module_id), None)
        courses.append(CourseProgress(e, curriculum.course_by_id(e.course_id), len(active),
                                      len(active) - len(not_done), last or (not_done[0] if not_done else None),
                                      active))
    return Dashboard(courses, latest_attempts(user, recent_attempts) if recent_attempts else [], rows)


def latest_attempts(user: User, limit: int) -> list[Row]:
    """The learner's latest attempts as plain rows: number, score, is_passed, is_pending,
    submitted_at, module_slug, module_title, course_slug, course_language. Joined to the module
    and course rows (not the curriculum copy): an attempt in a retired module is still listed."""
    return db.session.connection().execute(_LATEST_ATTEMPTS, {"user_id": user.id, "limit": limit}).all()


def attempt_history(user: User, limit: int | None = None) -> list[Attempt]:
    """The learner's attempts, newest first, each with its module and course: one joined query."""
    stmt = (
        select(Attempt).join(Attempt.module).join(Module.course).where(Attempt.user_id == user.id)
        .options(contains_eager(Attempt.module).options(MODULE_SUMMARY).contains_eager(Module.course))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))
