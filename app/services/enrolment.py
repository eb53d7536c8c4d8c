"""Enrolling in and leaving courses. Leaving keeps every record; enrolling again resumes them."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course
from app.models.learning import Enrolment
from app.models.people import User


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in the course, active or left, or None."""
    return enrolment_in(user, course.id)


def enrolment_in(user: User, course_id: int) -> Enrolment | None:
    """``enrolment_for`` by the course's id, for callers that hold a module but not its course."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id))


def is_enrolled(user: User, course: Course) -> bool:
    enrolment = enrolment_for(user, course)
    return enrolment is not None and enrolment.is_active


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol (or re-enrol) the user; idempotent. Flushes."""
    enrolment = enrolment_for(user, course)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=utcnow())
        db.session.add(enrolment)
    elif enrolment.left_at is not None:
        enrolment.left_at = None
    db.session.flush()
    return enrolment


def leave(user: User, course: Course) -> None:
    """Leave the course; progress and attempts stay, so enrolling again resumes. Flushes."""
    enrolment = enrolment_for(user, course)
    if enrolment is not None and enrolment.left_at is None:
        enrolment.left_at = utcnow()
        db.session.flush()
