"""What an instructor's home page shows."""
from __future__ import annotations

from dataclasses import dataclass

from app.models.people import User
from app.services import essays


@dataclass
class InstructorOverview:
    pending_essays: int


def instructor_overview(user: User) -> InstructorOverview:
    return InstructorOverview(pending_essays=len(essays.pending_essays(user)))
