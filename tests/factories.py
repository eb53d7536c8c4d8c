"""Small builders so a test says what it needs in one line. They flush; the test commits."""
from __future__ import annotations

import itertools

from app.extensions import db
from app.models.people import Institution, InstitutionKind, Region, Role, User
from app.services import accounts

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_institution(name: str | None = None, region: Region = Region.BISHKEK,
                     kind: InstitutionKind = InstitutionKind.UNIVERSITY) -> Institution:
    inst = Institution(name=name or f"Institution {next(_counter)}", kind=kind, region=region)
    db.session.add(inst)
    db.session.flush()
    return inst


def make_user(role: str | Role = Role.LEARNER, email: str | None = None, name: str | None = None,
              password: str = PASSWORD, **kwargs) -> User:
    n = next(_counter)
    return accounts.create_user(
        email=email or f"user{n}@example.kg",
        name=name or f"Test User {n}",
        password=password,
        role=Role(role),
        **kwargs,
    )


def find_user(email: str) -> User | None:
    return accounts.find_user_by_email(email)
