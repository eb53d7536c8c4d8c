"""What the home page and a learner's dashboard show, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Row, func, select
from sqlalchemy.orm import contains_eager, load_only

from app.extensions import db
from app.models.catalog import Course, Module
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import Institution, User


@dataclass
class SiteOverview:
    learners: int
    institutions: int
    courses: int


@dataclass
class CourseProgress:
    enrolment: Enrolment
    course: Course
    total: int
    done: int
    continue_module: Row | None
    # The course's active modules in order, as plain rows (id, course_id, slug, title, position):
    # what the dashboard and the progress API show of them, without building ORM objects.
    modules: list[Row] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_complete(self) -> bool:
        return self.enrolment.completed_at is not None


@dataclass
class Dashboard:
    courses: list[CourseProgress] = field(default_factory=list)
    recent_attempts: list[Attempt] = field(default_factory=list)

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


def dashboard_for(user: User, *, recent_attempts: int = 5) -> Dashboard:
    """The learner's active enrolments with progress, and their latest attempts (``recent_attempts``
    of them; 0 skips their query for callers that do not show them).

    Modules are read as plain rows, not ORM objects: a learner in six courses of twenty modules
    made this page build 120 Module objects to count them, most of its time (bench/README.md).
    """
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Enrolment.course)
        .where(Enrolment.user_id == user.id, Enrolment.left_at.is_(None), Course.retired_at.is_(None))
        .options(contains_eager(Enrolment.course))
        .order_by(Enrolment.enrolled_at.desc())
    ))
    modules: dict[int, list[Row]] = {e.course_id: [] for e in enrolments}
    for row in db.session.execute(
        select(Module.id, Module.course_id, Module.slug, Module.title, Module.position)
        .where(Module.course_id.in_(list(modules) or [-1]), Module.retired_at.is_(None))
        .order_by(Module.course_id, Module.position)
    ):
        modules[row.course_id].append(row)
    module_ids = [m.id for rows in modules.values() for m in rows]
    done = set(db.session.scalars(
        select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user.id, ModuleProgress.done_at.is_not(None),
            ModuleProgress.module_id.in_(module_ids or [-1]))
    ))
    courses = []
    for e in enrolments:
        active = modules[e.course_id]
        not_done = [m for m in active if m.id not in done]
        last = next((m for m in not_done if m.id == e.last_module_id), None)
        courses.append(CourseProgress(e, e.course, len(active), len(active) - len(not_done),
                                      last or (not_done[0] if not_done else None), active))
    return Dashboard(courses, attempt_history(user, limit=recent_attempts) if recent_attempts else [])


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
