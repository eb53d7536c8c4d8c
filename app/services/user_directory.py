"""Finding users for the admin pages."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.people import Role, User

PAGE_SIZE = 50


@dataclass
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int
    query: str
    role: str


def search_users(query: str = "", role: str = "", page: int = 1) -> UserPage:
    """Users whose name or email contains ``query``, optionally of one role, newest first."""
    stmt = select(User)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    users = db.session.scalars(
        stmt.options(selectinload(User.institution))
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return UserPage(list(users), total, page, pages, query, role)
