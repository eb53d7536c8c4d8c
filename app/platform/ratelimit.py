"""A ``limits`` storage backed by the application's database.

Flask-Limiter keeps its counters in memory unless told otherwise, which would give every gunicorn
worker (and every host) its own count: five workers would allow five times the attempts. This
storage keeps fixed-window counters in the ``rate_limit_counters`` table with one atomic upsert
per hit, so all workers over one database count together. Selected by
``RATELIMIT_STORAGE_URI = "sabak+db://"``: ``limits`` finds a storage by its scheme once the class
is defined, so the factory imports this module before it binds the limiter (framework
integration, hence here and not among the services).
"""
from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.security import RateLimitCounter


def _engine():
    # Looked up per call: the storage is created before the app's engine exists, and the
    # limiter only calls it inside a request or app context.
    return db.engine


def _table():
    return RateLimitCounter.__table__


class DatabaseStorage(Storage):
    """Fixed-window counters in SQL, on their own short transaction (not the request's)."""

    STORAGE_SCHEME = ["sabak+db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = _table()
        engine = _engine()
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        table = _table()
        with _engine().connect() as conn:
            count = conn.execute(
                select(table.c.count).where(table.c.key == key, table.c.expires_at > time.time())
            ).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        table = _table()
        with _engine().connect() as conn:
            expires = conn.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return float(expires) if expires else time.time()

    def check(self) -> bool:
        try:
            with _engine().connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with _engine().begin() as conn:
            return conn.execute(delete(_table())).rowcount

    def clear(self, key: str) -> None:
        table = _table()
        with _engine().begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))

    def purge_expired(self) -> int:
        """Delete finished windows; called from ``flask maintenance purge`` to keep the table small."""
        table = _table()
        with _engine().begin() as conn:
            return conn.execute(delete(table).where(table.c.expires_at <= time.time())).rowcount
