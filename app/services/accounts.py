"""Accounts: registration, authentication, passwords and roles.

Write operations flush and leave the commit to the request or CLI command that called them.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, exists, select

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.people import AccountMixin, Institution, Role, User, new_session_token
from app.models.sessions import UserSession
from app import caching

_HASHERS: dict[str, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters; the test config asks for the cheapest
    profile (PASSWORD_HASH_PROFILE = "test") so suites that create hundreds of users stay fast."""
    from flask import current_app

    profile = current_app.config.get("PASSWORD_HASH_PROFILE", "default")
    if profile not in _HASHERS:
        if profile == "test":
            from argon2.profiles import CHEAPEST

            _HASHERS[profile] = PasswordHasher.from_parameters(CHEAPEST)
        else:
            _HASHERS[profile] = PasswordHasher()
    return _HASHERS[profile]


_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email costs as long as a wrong password."""
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("sabak-timing-equaliser")
    return _DUMMY_HASHES[id(hasher)]

MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """A rule about accounts was broken; the message is safe to show to the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True, slots=True, eq=False)
class SessionUser(AccountMixin):
    """The signed-in user as ``current_user`` sees them: the users row's columns, read-only.

    Every page asks who is signed in, and most only read the answer (id, name, role, locale).
    Building an ORM ``User`` for that cost more than the page's own queries, so the login loaders return this snapshot. It has the attributes and properties of ``User``
    that services and templates read; code that changes the user, or follows its relationships,
    loads the record with ``record_of`` (the profile, password and language views do).

    ``session_key`` is the secret of the server-side session (``user_sessions``) this browser
    signed in with: empty for a user signed in by an API token, which has no such session.
    """

    id: int
    email: str
    name: str
    role: Role
    locale: str | None
    institution_id: int | None
    is_active_account: bool
    session_token: str
    last_login_at: datetime | None = None
    learning_revision: int = 0  # see User.learning_revision and app.caching
    session_key: str = ""

    def __eq__(self, other) -> bool:
        return isinstance(other, (SessionUser, User)) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("user", self.id))

    @classmethod
    def of(cls, user: User, session_key: str = "") -> SessionUser:
        return cls(*(getattr(user, name) for name in _SESSION_USER_COLUMNS), session_key=session_key)


_SESSION_USER_COLUMNS = tuple(name for name in SessionUser.__dataclass_fields__ if name != "session_key")
_USERS = User.__table__.c
_SESSIONS = UserSession.__table__.c
# The user's row, only if the cookie's session is live, and in the same statement the curriculum
# revision that nearly every signed-in page checks next (app.caching): one statement
# a request. The session check is an index lookup inside it, not a second round trip.
_SESSION_USER_BY_ID = (select(*(_USERS[name] for name in _SESSION_USER_COLUMNS),
                              caching.CURRICULUM_REVISION.scalar_subquery().label("curriculum_revision"))
                       .where(_USERS.id == bindparam("id"),
                              exists().where(_SESSIONS.key_hash == bindparam("key_hash"),
                                             _SESSIONS.user_id == _USERS.id,
                                             _SESSIONS.expires_at > bindparam("now", type_=UTCDateTime()))))


def record_of(user: User | SessionUser) -> User:
    """The ORM record of a user, for changing it: ``current_user`` is a read-only SessionUser."""
    if isinstance(user, User):
        return user
    record = db.session.get(User, user.id)
    if record is None:  # deleted since this request read it: nothing sensible to show
        raise LookupError(f"user {user.id} no longer exists")
    return record


def load_user_from_cookie_id(cookie_id: str) -> SessionUser | None:
    """Flask-Login's loader, for the session cookie and the remember-me cookie alike.

    The id is ``user id:session token:session key`` (AccountMixin.get_id). The user is signed in
    only while the key's ``user_sessions`` row exists and has not expired, while the user's
    session token is the one the cookie was issued with, and while the account is active:
    logging out deletes the row, signing out everywhere deletes them all. One Core read (a prebuilt statement), not an ORM load: see
    SessionUser. The same read brings the curriculum revision, which it hands to app.caching."""
    user_id, _, rest = cookie_id.partition(":")
    token, _, key = rest.partition(":")
    if not user_id.isdigit() or not token or not key:
        return None
    row = db.session.connection().execute(
        _SESSION_USER_BY_ID, {"id": int(user_id), "key_hash": _hash_key(key), "now": utcnow()}).first()
    if row is None or not row.is_active_account or not secrets.compare_digest(row.session_token, token):
        return None  # an account switched off (in the database, say) is signed out as API tokens are
    caching.note_curriculum_revision(row.curriculum_revision)
    return SessionUser(*row[:-1], session_key=key)


def _hash_key(key: str) -> str:
    """Keys are 32 random bytes: a plain SHA-256 is enough, and lets the row be found by index."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    """How long a session may last: the remember-me cookie's life, or the session cookie's."""
    from flask import current_app

    value = current_app.config["REMEMBER_COOKIE_DURATION"] if remember else current_app.permanent_session_lifetime
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


def start_session(user: User, *, remember: bool = False) -> SessionUser:
    """Open a server-side session for ``user`` and return them as ``login_user`` should get them:
    their id then names the new session, in the session cookie and the remember-me cookie alike.

    The session ends at logout, at "log out everywhere", at a password change made elsewhere, or
    when it expires (the remember-me cookie's 30 days, or the session cookie's 14 without it);
    expired rows of every user are deleted on the way. Flushes."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash_key(key), created_at=now,
                               expires_at=now + _lifetime(remember)))
    db.session.flush()
    return SessionUser.of(user, key)


def end_session(user: User | SessionUser) -> None:
    """End the session ``user`` was loaded with (logout): its cookies are refused from now on,
    copies included. Nothing to do for a user without one (an API token's). Flushes."""
    key = getattr(user, "session_key", "")
    if key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == _hash_key(key)))
        db.session.flush()


def sign_out_everywhere(user: User | SessionUser, keep: str | None = None) -> int:
    """End every session of ``user`` except the one whose key is ``keep`` (a SessionUser's
    ``session_key``; None ends them all). Returns how many sessions ended. Flushes.

    With nothing kept, the user's session token is rotated as well, so even a cookie from before
    server-side sessions existed cannot sign in. A kept session keeps its token, hence its cookies:
    the browser that asked stays signed in without a new cookie."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        stmt = stmt.where(UserSession.key_hash != _hash_key(keep))
    ended = db.session.execute(stmt).rowcount or 0
    if not keep:
        record_of(user).session_token = new_session_token()
    db.session.flush()
    return ended


def purge_expired_sessions() -> int:
    """Delete expired sessions of every user (``flask maintenance purge``). Flushes."""
    removed = db.session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow())).rowcount
    db.session.flush()
    return removed or 0


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.LEARNER,
    locale: str | None = None,
    institution: Institution | None = None,
) -> User:
    """Add a user. Raises AccountError when the email is taken or the password too short."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("An account with this email already exists."))
    check_password_strength(password)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        locale=locale,
        institution=institution,
    )
    db.session.add(user)
    db.session.flush()
    return user


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Upgrades old hashes on the way."""
    user = find_user_by_email(email)
    if user is None:
        _verify(_dummy_hash(), password)
        return None
    if not _verify(user.password_hash, password) or not user.is_active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: User, current: str, new: str, keep: str | None = None) -> None:
    """Set a new password after checking the current one, and end every session of the user
    but ``keep`` (the session key of the browser that changed it): whoever knew the old password
    may be signed in elsewhere. Raises AccountError. Flushes."""
    if not _verify(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."))
    check_password_strength(new)
    user.password_hash = hash_password(new)
    sign_out_everywhere(user, keep=keep)


def set_password(user: User, new: str) -> None:
    """Set a new password without the current one (a reset link proved who asked). Raises
    AccountError when it is too weak; ends no session: the caller decides that. Flushes."""
    check_password_strength(new)
    user.password_hash = hash_password(new)
    db.session.flush()


def set_role(actor: User, user: User, role: Role) -> None:
    """Change a user's role. An admin cannot demote themselves (the site could lose its last admin)."""
    if actor.id == user.id and role is not Role.ADMIN:
        raise AccountError(_l("You cannot remove your own admin role."))
    assign_role(user, role)


def assign_role(user: User, role: Role) -> None:
    """Set a user's role without the self-demotion check (for the command line). A user who stops
    being a coordinator loses their institutions, so that making them one again starts from
    nothing to see rather than from a forgotten scope."""
    user.role = role
    if role is not Role.COORDINATOR:
        user.coordinates_all_institutions = False
        user.coordinated_institutions = []
    db.session.flush()


def update_profile(user: User, *, name: str, locale: str | None, institution_id: int | None) -> None:
    """Save what a user may change about themselves."""
    user.name = name.strip()
    user.locale = locale
    user.institution = db.session.get(Institution, institution_id) if institution_id else None
    db.session.flush()
