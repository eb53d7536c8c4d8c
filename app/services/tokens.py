"""Personal API tokens: create, list, revoke, and find the user a presented token belongs to.

Only the SHA-256 of a token is stored. A token has 32 random bytes, so a plain hash (no salt,
no slow KDF) is enough, and it lets a request find its token with one indexed lookup: the
comparison happens in the database on the digest, never on the secret, so there is no timing
signal about the plaintext. Write operations flush; the request commits.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.people import User
from app.models.tokens import ApiToken
from app.services.errors import NotFound

TOKEN_PREFIX = "sbk_"
MAX_NAME = 100
# Writing last_used_at on every API call would turn each read into a write; a minute is
# precise enough to tell a token in use from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user`` named ``name``; returns the row and the plaintext, which is
    never stored and cannot be shown again. Flushes."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=" ".join(name.split())[:MAX_NAME], token_hash=hash_token(plaintext),
        prefix=plaintext[:12], created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def list_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent). Raises NotFound for a token that is
    not theirs, so nobody learns which ids exist. Flushes."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


@dataclass
class TokenMatch:
    user: User
    token: ApiToken
    touched: bool  # last_used_at was updated: the request must commit


def authenticate_token(plaintext: str, now: datetime | None = None) -> TokenMatch | None:
    """The live token matching ``plaintext`` and its (active) owner, or None.

    Revoked tokens and inactive accounts match nothing. ``last_used_at`` is updated at most
    once per ``LAST_USED_PRECISION`` (flushes when it is).
    """
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext), ApiToken.revoked_at.is_(None))
    )
    if token is None or token.user is None or not token.user.is_active:
        return None
    now = now or utcnow()
    touched = token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION
    if touched:
        token.last_used_at = now
        db.session.flush()
    return TokenMatch(token.user, token, touched)


def user_for_token(plaintext: str) -> User | None:
    """The owner of the live token ``plaintext``, or None (see ``authenticate_token``)."""
    match = authenticate_token(plaintext)
    return match.user if match else None
