"""What an instructor's home page shows."""
from __future__ import annotations

from dataclasses import dataclass

from app.services.accounts import count_users_by_role
from app.models.people import Role


@dataclass
class InstructorOverview:
    learners: int


def instructor_overview() -> InstructorOverview:
    return InstructorOverview(learners=count_users_by_role().get(Role.LEARNER, 0))
