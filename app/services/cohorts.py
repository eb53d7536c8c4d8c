"""Cohorts: instructors create them, assign courses, share a join code; learners join.

Instructors see only the cohorts they teach (admins see all): ``teaches`` is that rule, the one
every teaching page, report, grading queue and review queue asks, and ``cohort_for``,
``cohort_course_for`` and ``cohort_row_for`` are the loaders that refuse (NotFound, Forbidden) by
it. Removing a learner or archiving a cohort never deletes anything: reports over past terms keep
working.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, bindparam, exists, false, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course
from app.models.cohorts import Cohort, CohortCourse, CohortInstructor, CohortMember, new_join_code
from app.models.people import Institution, Role, User
from app.services import enrolment
from app.services.accounts import find_user_by_email
from app.services.errors import NotFound, ServiceError


class Forbidden(ServiceError):
    status = 403


class NoSuchCourse(NotFound):
    """The cohort does not run that course (or there is no such course)."""


class CohortError(ServiceError):
    """A request about a cohort that cannot be done; the message is for the user."""


@dataclass
class CohortSummary:
    cohort: Cohort
    learners: int
    courses: int


def teaches(user: User, *, listed: bool) -> bool:
    """Whether ``user`` teaches a cohort that lists (``listed``) or does not list them among its
    instructors: the one access rule for teaching. An admin teaches every cohort (admins hold
    every role); an instructor teaches the cohorts that list them; nobody else teaches any, a
    coordinator included (a coordinator's reports are the admin area's, app.services.coordinator).
    ``teaches(user, listed=False)``: whether the user teaches every cohort.
    """
    return user.role is Role.ADMIN or (listed and user.role is Role.INSTRUCTOR)


def taught_cohort_ids(user: User):
    """The ids of the cohorts ``user`` teaches (``teaches``), as a select to filter on, or None
    when that is every cohort (an admin's)."""
    if teaches(user, listed=False):
        return None
    ids = select(CohortInstructor.cohort_id).where(CohortInstructor.user_id == user.id)
    return ids if teaches(user, listed=True) else ids.where(false())


def cohorts_for(user: User, include_archived: bool = False) -> list[CohortSummary]:
    """The cohorts this instructor teaches, with learner and course counts (three queries)."""
    stmt = select(Cohort).order_by(Cohort.archived_at.is_not(None), Cohort.created_at.desc())
    taught = taught_cohort_ids(user)
    if taught is not None:
        stmt = stmt.where(Cohort.id.in_(taught))
    if not include_archived:
        stmt = stmt.where(Cohort.archived_at.is_(None))
    cohorts = list(db.session.scalars(stmt))
    ids = [c.id for c in cohorts] or [-1]
    learners = dict(db.session.execute(
        select(CohortMember.cohort_id, func.count()).where(CohortMember.cohort_id.in_(ids),
                                                           CohortMember.removed_at.is_(None))
        .group_by(CohortMember.cohort_id)).all())
    courses = dict(db.session.execute(
        select(CohortCourse.cohort_id, func.count()).where(CohortCourse.cohort_id.in_(ids))
        .group_by(CohortCourse.cohort_id)).all())
    return [CohortSummary(c, learners.get(c.id, 0), courses.get(c.id, 0)) for c in cohorts]


def _cohort_course_statement():
    c, ci, cc = Cohort.__table__.c, CohortInstructor.__table__.c, CohortCourse.__table__.c
    return select(
        c.id, c.name,
        exists().where(ci.cohort_id == c.id, ci.user_id == bindparam("user_id")).label("teaches"),
        exists().where(cc.cohort_id == c.id, cc.course_id == bindparam("course_id")).label("runs_course"),
    ).where(c.id == bindparam("cohort_id"))


_COHORT_COURSE = _cohort_course_statement()


def _taught_row(user: User, cohort_id: int, course_id: int | None) -> Row:
    """The cohort as a plain row (id, name, teaches: whether it lists the user among its
    instructors, runs_course: whether it runs ``course_id``) if the user teaches it (``teaches``),
    in one statement (none for a user who teaches no cohort at all). Raises Forbidden or NotFound
    in the order every teaching page and the API answer: not a teacher (403), no such cohort
    (404), not this cohort's teacher (403)."""
    if not teaches(user, listed=True):
        raise Forbidden("You do not teach any cohort.")
    row = db.session.connection().execute(
        _COHORT_COURSE, {"cohort_id": cohort_id, "user_id": user.id, "course_id": course_id}).first()
    if row is None:
        raise NotFound("There is no such cohort.")
    if not teaches(user, listed=row.teaches):
        raise Forbidden("You do not teach this cohort.")
    return row


def cohort_for(user: User, cohort_id: int) -> Cohort:
    """The cohort if this user teaches it. Raises NotFound (no such cohort) or Forbidden."""
    _taught_row(user, cohort_id, None)
    return db.session.get(Cohort, cohort_id)


def cohort_row_for(user: User, cohort_id: int, course_id: int | None) -> Row:
    """``cohort_for``'s checks for a report on one of the cohort's courses, and then whether it
    runs that course (``course_id``; None for a course that does not exist), in one statement:
    the cohort as a plain row (id, name): the progress matrix, which an instructor reloads, spent
    much of its time loading the cohort and its instructors and courses as ORM objects. Raises NotFound, NoSuchCourse (not its course) or Forbidden."""
    row = _taught_row(user, cohort_id, course_id)
    if course_id is None or not row.runs_course:
        raise NoSuchCourse("There is no such course in this cohort.")
    return row


def cohort_course_for(user: User, cohort_id: int, course_id: int | None) -> Cohort:
    """``cohort_row_for``'s checks, for pages that need the cohort itself: the Cohort."""
    return db.session.get(Cohort, cohort_row_for(user, cohort_id, course_id).id)


def create_cohort(owner: User, *, name: str, term: str | None, institution_id: int | None) -> Cohort:
    cohort = Cohort(
        name=name.strip(), term=(term or "").strip() or None, created_by_id=owner.id,
        institution=db.session.get(Institution, institution_id) if institution_id else None,
    )
    cohort.instructors.append(CohortInstructor(user_id=owner.id, is_owner=True))
    db.session.add(cohort)
    db.session.flush()
    return cohort


def assign_course(cohort: Cohort, course_id: int) -> None:
    """Add a course to the cohort and enrol every current learner in it."""
    course = db.session.get(Course, course_id)
    if course is None or course.retired_at is not None:
        raise NotFound("There is no such course.")
    if any(cc.course_id == course.id for cc in cohort.courses):
        return
    cohort.courses.append(CohortCourse(course_id=course.id))
    for member in active_members(cohort):
        enrolment.enrol(member.user, course)
    db.session.flush()


def remove_course(cohort: Cohort, course_id: int) -> None:
    """Stop following a course in this cohort; learners stay enrolled and keep their progress."""
    for cc in list(cohort.courses):
        if cc.course_id == course_id:
            cohort.courses.remove(cc)
    db.session.flush()


def add_instructor(cohort: Cohort, email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise CohortError(_l("No account has this email."))
    if not teaches(user, listed=True):  # would not teach it even when listed
        raise CohortError(_l("Only instructors can teach a cohort; an administrator can change the role."))
    if not any(i.user_id == user.id for i in cohort.instructors):
        cohort.instructors.append(CohortInstructor(user_id=user.id))
        db.session.flush()
    return user


def active_members(cohort: Cohort) -> list[CohortMember]:
    return list(db.session.scalars(
        select(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))
        .options(selectinload(CohortMember.user)).join(User, User.id == CohortMember.user_id).order_by(User.name)
    ))


def remove_member(cohort: Cohort, user_id: int) -> None:
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user_id))
    if member is not None and member.removed_at is None:
        member.removed_at = utcnow()
        db.session.flush()


def set_archived(cohort: Cohort, archived: bool) -> None:
    cohort.archived_at = utcnow() if archived else None
    db.session.flush()


def regenerate_code(cohort: Cohort) -> None:
    """A new join code; the old one stops working (e.g. after it was shared too widely)."""
    cohort.join_code = new_join_code()
    db.session.flush()


def find_by_code(code: str) -> Cohort | None:
    code = "".join(code.split()).upper()
    return db.session.scalar(select(Cohort).where(Cohort.join_code == code)) if code else None


def join(user: User, code: str) -> Cohort:
    """Join the cohort with this code and enrol in its courses. Raises CohortError."""
    cohort = find_by_code(code)
    if cohort is None:
        raise CohortError(_l("No cohort has this code. Check the code with your instructor."))
    if cohort.is_archived:
        raise CohortError(_l("This cohort is archived and does not take new learners."))
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user.id))
    if member is None:
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    elif member.removed_at is not None:
        member.removed_at = None
    for cc in cohort.courses:
        if cc.course.retired_at is None:
            enrolment.enrol(user, cc.course)
    db.session.flush()
    return cohort


def _learner_cohorts():
    c, m = Cohort.__table__.c, CohortMember.__table__.c
    return (select(c.id, c.name, c.term).join_from(Cohort.__table__, CohortMember.__table__, m.cohort_id == c.id)
            .where(m.user_id == bindparam("user_id"), m.removed_at.is_(None)).order_by(c.name))


_LEARNER_COHORTS = _learner_cohorts()


def learner_cohorts(user: User) -> list[Row]:
    """The groups a learner belongs to, as plain rows (id, name, term): the dashboard lists them
    on every view, and the statement is built once (a Core select, no ORM objects)."""
    return db.session.connection().execute(_LEARNER_COHORTS, {"user_id": user.id}).all()


def courses_of(cohort: Cohort) -> list[Course]:
    return sorted((cc.course for cc in cohort.courses), key=lambda c: (c.language, c.title))


def assignable_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.retired_at.is_(None))
                                   .order_by(Course.language, Course.title)))
