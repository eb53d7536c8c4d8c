"""Reads kept in a worker's memory under the revisions they were built from.

Two decorators make a read function kept; the function itself reads as if nothing were cached:

- ``kept_for_curriculum``: what depends on nothing but the curriculum (courses, outlines, module
  texts, questions, what is derived from them). Kept until the ``curriculum`` revision changes;
  then the whole generation is dropped at once.
- ``kept_for_learner``: what depends on one learner's own data and the curriculum (the first
  argument is the learner). Kept until the learner's ``users.learning_revision`` or the curriculum
  revision changes. ``kept_while`` is the same with a stamp the caller names (a cohort's report
  is stamped with every member's revision).

Both revisions are bumped by database triggers (app.models.revisions) in the transaction that
changes the data, and read once per request: the curriculum's with the signed-in user's row
(``note_curriculum_revision``), the learner's as a column of that row. A kept value is used only
while its stamp equals the request's, so every worker on every host stops serving it at the
commit that changed its data; nothing is ever told to invalidate and nothing that must be shared
lives only in one process.

Why a value is never kept under a stamp newer than what it was built from: the stamp is read
before the data, in the same request, so a commit in between can only make the value newer than
its stamp, and the next request reads the new stamp and builds again. What a request's *own*
transaction wrote is another matter: it is not committed and could be rolled back. So:

- a learner's values are kept only by GET and HEAD requests, which write nothing the value shows
  (a lesson's visit is committed before the page is built);
- a curriculum value built by any other request is kept only when a second read of the revision,
  in that request's transaction, still gives the stamp (a write bumps it there at once);
- outside a request (a shell, a command, a test calling a service) nothing is kept or served.

Why not Flask-Caching: its stores expire entries by time or by explicit deletion, and its shared
backends (Redis, memcached) cost a network round trip for every read, which is what keeping the
curriculum in the worker's memory saves. What Sabak needs is validation by a number the request
reads anyway, which no Flask-Caching backend does. The bounded stores are cachetools' LRU caches.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import current_app, g, has_request_context, request
from sqlalchemy import select

from app.extensions import db
from app.models.revisions import CURRICULUM, Revision

F = TypeVar("F", bound=Callable[..., Any])

# The curriculum revision, as the signed-in user's row reads it too (accounts): one value by key.
CURRICULUM_REVISION = select(Revision.__table__.c.value).where(Revision.__table__.c.name == CURRICULUM)
_NOTED = "_sabak_curriculum_revision"
_MISSING = object()
_SAFE_METHODS = ("GET", "HEAD")


class _Generation:
    """What one worker has kept of the curriculum at one revision: a store per kept function."""

    def __init__(self, revision: int) -> None:
        self.revision = revision
        self.stores: dict[str, dict | LRUCache] = {}
        self.lock = threading.Lock()

    def store(self, name: str, maxsize: int | None) -> dict | LRUCache:
        found = self.stores.get(name)
        if found is None:
            with self.lock:
                found = self.stores.setdefault(name, {} if maxsize is None else LRUCache(maxsize))
        return found

    def get(self, store: dict | LRUCache, key: Hashable, default=None):
        """``store[key]``, or ``default``. A bounded store reorders itself on every read, so it is
        read under the lock (a dict's read is atomic)."""
        if type(store) is dict:
            return store.get(key, default)
        with self.lock:
            return store.get(key, default)


def curriculum_revision() -> int:
    """The curriculum revision as this request read it (once, with the user's row when there is
    one). Outside a request, read now."""
    if not has_request_context():
        return db.session.connection().execute(CURRICULUM_REVISION).scalar() or 0
    revision = g.get(_NOTED)
    if revision is None:
        revision = g._sabak_curriculum_revision = db.session.connection().execute(CURRICULUM_REVISION).scalar() or 0
    return revision


def note_curriculum_revision(revision: int | None) -> None:
    """The revision as this request's first statement read it (the signed-in user's row brings it),
    so that it is not read again."""
    g.setdefault(_NOTED, revision or 0)


def _generation() -> _Generation | None:
    """The worker's kept curriculum at this request's revision (a new one when it changed), or
    None outside a request."""
    if not has_request_context():
        return None
    generation = g.get("_sabak_generation")
    if generation is None:
        revision = curriculum_revision()
        holder = current_app.extensions.setdefault("sabak_kept", {})
        generation = holder.get("curriculum")
        if generation is None or generation.revision != revision:
            generation = holder["curriculum"] = _Generation(revision)
        g._sabak_generation = generation
    return generation


def _may_keep_curriculum(generation: _Generation) -> bool:
    if request.method in _SAFE_METHODS:
        return True
    return (db.session.connection().execute(CURRICULUM_REVISION).scalar() or 0) == generation.revision


def kept_for_curriculum(func: F | None = None, *, maxsize: int | None = None,
                        key: Callable[..., Hashable] | None = None) -> F:
    """Keep ``func``'s results by its (hashable) arguments until the curriculum changes.

    ``key``: what to key a call by instead of its arguments (a question row's id rather than the
    row, whose JSON columns cannot be hashed).

    ``maxsize``: at most that many results, the least recently used dropped first (for large
    values such as module texts); unbounded otherwise (one per course, module or question).
    The result is shared by every request of the worker: read it, never change it.
    """
    def wrap(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def read(*args):
            generation = _generation()
            if generation is None:
                return func(*args)
            store = generation.store(name, maxsize)
            k = args if key is None else key(*args)
            value = generation.get(store, k, _MISSING)
            if value is _MISSING:
                value = func(*args)
                if _may_keep_curriculum(generation):
                    with generation.lock:
                        store[k] = value
            return value

        read.uncached = func  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return wrap(func) if func is not None else wrap  # type: ignore[return-value]


class _LearnerStore:
    """An LRU of (stamp, value) by key, bounded by the values' sizes in bytes, safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self._items: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda item: item[2])
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable):
        with self._lock:
            item = self._items.get(key)
        return item[1] if item is not None and item[0] == stamp else _MISSING

    def put(self, key: Hashable, stamp: Hashable, value, size: int) -> None:
        if size > self._items.maxsize:  # larger than the whole store: keep nothing
            return
        with self._lock:
            self._items[key] = (stamp, value, size)


def _learner_store() -> _LearnerStore:
    holder = current_app.extensions.setdefault("sabak_kept", {})
    store = holder.get("learners")
    if store is None:
        store = holder.setdefault("learners", _LearnerStore(current_app.config["LEARNER_CACHE_BYTES"]))
    return store


def _default_size(value) -> int:
    return len(value) if isinstance(value, (bytes, str)) else 1000


def _kept(key: Hashable, stamp: Hashable, build: Callable[[], Any], size: Callable[[Any], int]):
    if not has_request_context() or request.method not in _SAFE_METHODS:
        return build()
    store = _learner_store()
    value = store.get(key, stamp)
    if value is _MISSING:
        value = build()
        store.put(key, stamp, value, size(value))
    return value


def kept_while(stamp: Callable[..., Hashable], *, key: Callable[..., Hashable] | None = None,
               size: Callable[[Any], int] = _default_size):
    """Keep a function's results by its arguments (or by ``key(*args)``) for as long as
    ``stamp(*args)`` (the revisions they are built from, read before the data) stays the same.
    ``size``: a result's weight in bytes, roughly (the store is bounded by ``LEARNER_CACHE_BYTES``
    per worker). Kept by GET and HEAD requests only."""
    def wrap(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def read(*args):
            return _kept((name, *(args if key is None else key(*args))), stamp(*args), lambda: func(*args), size)

        read.uncached = func  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return wrap


def kept_for_learner(func: F | None = None, *, key: Callable[..., Hashable] | None = None,
                     size: Callable[[Any], int] = _default_size) -> F:
    """Keep ``func(user, *args)`` per learner and arguments (or ``key(*args)``) until the learner's
    data (their enrolments, progress, attempts, groups) or the curriculum changes. Whatever else
    the result shows (their name, the language, the time zone) must be among the arguments."""
    def wrap(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def read(user, *args):
            return _kept((name, user.id, *(args if key is None else key(*args))),
                         (user.learning_revision, curriculum_revision()), lambda: func(user, *args), size)

        read.uncached = func  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return wrap(func) if func is not None else wrap  # type: ignore[return-value]


def forget_all() -> None:
    """Drop everything this worker kept (in an app context): what the next requests get is then
    rendered afresh. For tests comparing a kept page with a fresh one, and a debugging shell;
    never needed for correctness."""
    current_app.extensions.pop("sabak_kept", None)
    current_app.extensions.pop("sabak_worker_memos", None)
    g.pop("_sabak_generation", None)
