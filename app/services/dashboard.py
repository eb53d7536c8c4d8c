"""What the home page and a learner's dashboard show, gathered in one place."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models.people import Institution, User


@dataclass
class SiteOverview:
    learners: int
    institutions: int


@dataclass
class Dashboard:
    """A learner's dashboard. Enrolments arrive with the learning loop; until then it is empty."""

    enrolments: list = field(default_factory=list)


def site_overview() -> SiteOverview:
    return SiteOverview(
        learners=db.session.scalar(select(func.count()).select_from(User)) or 0,
        institutions=db.session.scalar(select(func.count()).select_from(Institution)) or 0,
    )


def dashboard_for(user: User) -> Dashboard:
    return Dashboard()
