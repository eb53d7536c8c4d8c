"""Signed-in sessions, kept on the server so that logging out ends them everywhere."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class UserSession(db.Model):
    """One login: a browser's session cookie and its remember-me cookie both name it.

    The cookies carry a random key; the table keeps only its SHA-256, so a copy of the database
    signs nobody in. A cookie is honoured only while its row exists and has not expired (the user
    loader checks on every request, in the statement that reads the user), so deleting the row is
    what logging out means, on every worker and every host at once.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
