"""People and the institutions they belong to."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Enum, ForeignKey, Integer, String, Table, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, UTCDateTime


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """Store an enum as its value in a plain string column: portable and readable in SQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(str, enum.Enum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"
    # Sees the results across institutions (all, or the ones given in coordinator_institutions)
    # and nothing else beyond a learner: no teaching, no user administration.
    COORDINATOR = "coordinator"


class InstitutionKind(str, enum.Enum):
    UNIVERSITY = "university"
    LIBRARY = "library"
    SCHOOL = "school"
    OTHER = "other"


class Region(str, enum.Enum):
    """The regions of Kyrgyzstan and its two cities of republican significance."""

    BISHKEK = "bishkek"
    OSH_CITY = "osh-city"
    BATKEN = "batken"
    CHUY = "chuy"
    ISSYK_KUL = "issyk-kul"
    JALAL_ABAD = "jalal-abad"
    NARYN = "naryn"
    OSH = "osh"
    TALAS = "talas"


# Which institutions a coordinator's reports cover. Deleting the user drops their rows; an
# institution named here cannot be deleted (app.services.institutions refuses, and the foreign
# key without ON DELETE backs that up), so a coordinator's scope never shrinks silently.
coordinator_institutions = Table(
    "coordinator_institutions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institutions.id"), primary_key=True, index=True),
)


class Institution(TimestampMixin, db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[InstitutionKind] = mapped_column(enum_column(InstitutionKind))
    region: Mapped[Region] = mapped_column(enum_column(Region))

    users: Mapped[list[User]] = relationship(back_populates="institution")

    def __repr__(self) -> str:
        return f"<Institution {self.name!r}>"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class AccountMixin(UserMixin):
    """What Flask-Login, the services and the templates ask of a signed-in user: shared by the
    ORM ``User`` and the read-only ``SessionUser`` that ``current_user`` is (app.services.accounts)."""

    def get_id(self) -> str:
        # What both login cookies carry: the user, their session token and the server-side
        # session's key (app.services.accounts.load_user_from_cookie_id). An ORM User has no
        # session key, so a cookie made from one is refused: log in with accounts.start_session.
        return f"{self.id}:{self.session_token}:{getattr(self, 'session_key', '')}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        """May see the coordinators' reports (admins hold every role)."""
        return self.role in (Role.COORDINATOR, Role.ADMIN)


class User(AccountMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (trimmed, lower-case), which makes the unique index case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.LEARNER)
    locale: Mapped[str | None] = mapped_column(String(5))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login cookies' identity with the server-side session's key: rotating it
    # (accounts.sign_out_everywhere) refuses every cookie of this user, whatever sessions exist.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Counts the changes to this user's enrolments, module progress, quiz attempts and groups. The
    # database bumps it itself, by triggers (app.models.learning), so no write path can forget to,
    # the Core statements of a quiz submission included. Read with the user's row at the start of
    # a request, it tells a worker whether what it kept of the learner's data is still current
    # (app.caching, app.models.revisions); the app never writes it.
    learning_revision: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    # A coordinator sees every institution (and learners of none) only when this is set; with it
    # unset they see the institutions in coordinator_institutions, and none when that is empty,
    # so a forgotten setting shows too little rather than too much.
    coordinates_all_institutions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    institution: Mapped[Institution | None] = relationship(back_populates="users")
    coordinated_institutions: Mapped[list[Institution]] = relationship(
        secondary=coordinator_institutions, order_by="Institution.name")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
