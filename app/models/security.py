"""State that every worker must share: rate-limit counters and revision numbers."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter of Flask-Limiter, kept in the database (see app/platform/ratelimit.py)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time, as limits uses


class Revision(db.Model):
    """A number that changes whenever some shared data changes (``curriculum``: any course, module or
    question row). Workers keep copies of that data in memory and compare this number on each request
    (see app/services/curriculum_cache.py): held here, every worker on every host sees a change at
    the same commit, so nothing has to be told to invalidate."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
