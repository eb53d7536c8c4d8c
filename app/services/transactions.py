"""Committing a unit of work that may lose a race, for the views and CLI that own commits.

On SQLite, the writers' turn (one transaction of the host writes at a time, queued in the kernel)
is database integration: app.platform.sqlite."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db

T = TypeVar("T")


def commit_with_retry(work: Callable[[], T], attempts: int = 8) -> T:
    """Run ``work`` and commit; on a lost race (a unique constraint, a busy database) roll back
    and run it again from the start.

    Two tabs submitting the same quiz, or twenty threads at once, each compute "the next attempt
    number"; the unique constraint lets one win and the others retry with fresh data. ``work``
    must therefore read everything it needs itself. Raises the last error after ``attempts``.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            if attempt == attempts or (isinstance(exc, OperationalError) and not _is_transient(exc)):
                raise
            # Jitter, so that the losers of one race do not meet again in the next.
            time.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")


def _is_transient(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text
