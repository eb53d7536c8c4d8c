"""What the home page and a learner's dashboard show, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

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
    continue_module: Module | None

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
    of them; 0 skips their three queries for callers that do not show them)."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id, Enrolment.left_at.is_(None), Course.retired_at.is_(None))
        .options(selectinload(Enrolment.course).selectinload(Course.modules).options(MODULE_SUMMARY))
        .order_by(Enrolment.enrolled_at.desc())
    ))
    module_ids = [m.id for e in enrolments for m in e.course.modules if m.retired_at is None]
    done = set(db.session.scalars(
        select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user.id, ModuleProgress.done_at.is_not(None),
            ModuleProgress.module_id.in_(module_ids or [-1]))
    ))
    courses = []
    for e in enrolments:
        active = [m for m in e.course.modules if m.retired_at is None]
        not_done = [m for m in active if m.id not in done]
        last = next((m for m in not_done if m.id == e.last_module_id), None)
        courses.append(CourseProgress(e, e.course, len(active), len(active) - len(not_done),
                                      last or (not_done[0] if not_done else None)))
    return Dashboard(courses, attempt_history(user, limit=recent_attempts) if recent_attempts else [])


def attempt_history(user: User, limit: int | None = None) -> list[Attempt]:
    stmt = (
        select(Attempt).where(Attempt.user_id == user.id)
        .options(selectinload(Attempt.module).options(MODULE_SUMMARY).selectinload(Module.course))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))
