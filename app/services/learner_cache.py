"""What a worker built from learners' own data, kept under the revisions it was built from.

The progress API's answer lists every module of every course a learner follows: reading and
writing it was four times the work of a page that shows only the learner's name, and an app
polling the API asks for the same answer again and again (bench/README.md). A cohort's progress
matrix sums every member's progress in the course and is reloaded by its instructors in the same
way. The dashboard's greeting, courses, groups and latest attempts, the catalog's statuses and
a lesson's status are read on every visit. All of these change only when a learner's
enrolments, progress, attempts or groups change, or the curriculum does.

So a worker keeps them, tagged with what they were built from: the learners'
``users.learning_revision`` (bumped by database triggers on every such write,
app.models.learning) and the curriculum revision (curriculum_cache). A request reads those
numbers anyway, with the signed-in user's row, and uses what is kept only when they still
match. Like the curriculum copy, nothing is ever told to invalidate and nothing that must be
shared lives in one process: every worker on every host stops serving a kept answer at the
commit that changed its data.

Why it cannot serve stale data: the revisions are read before the data an answer is built
from, in the same request. A commit between the two can only make the answer newer than its
tag, and the next request then reads the new tag, misses and builds again.

Only a GET (or HEAD) request keeps or serves anything: the revision it holds was read at its
start, and a request that writes could otherwise keep what its own transaction changed, which a
rollback would then leave behind under a revision still current. Outside a request (a shell, a
test calling a service) everything is built afresh. The store is bounded in bytes
(``LEARNER_CACHE_BYTES``, per worker) and drops the least recently used answers first.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from cachetools import LRUCache
from flask import current_app, has_request_context, request

from app.services import curriculum_cache

_EXTENSION = "sabak_learner_cache"


class _Store:
    """An LRU of (stamp, value) by key, bounded by the values' sizes, safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self._items: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda item: item[2])
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable):
        with self._lock:
            item = self._items.get(key)
        return item[1] if item is not None and item[0] == stamp else None

    def put(self, key: Hashable, stamp: Hashable, value, size: int) -> None:
        if size > self._items.maxsize:  # larger than the whole store: keep nothing
            return
        with self._lock:
            self._items[key] = (stamp, value, size)

    def __len__(self) -> int:
        return len(self._items)


def _store() -> _Store:
    store = current_app.extensions.get(_EXTENSION)
    if store is None:
        store = current_app.extensions.setdefault(_EXTENSION, _Store(current_app.config["LEARNER_CACHE_BYTES"]))
    return store


def learner_stamp(user, *more: Hashable) -> tuple:
    """The stamp of what is built from one learner's own data and the curriculum: their learning
    revision (read with their row at the start of the request) and the curriculum's, then
    ``more`` (whatever else the kept piece shows: their name, the time zone...)."""
    return (user.learning_revision, curriculum_cache.current().revision, *more)


def kept(key: Hashable, stamp: Hashable, build: Callable[[], object], size: Callable[[object], int] = len):
    """What ``build()`` returns, kept under ``key`` for as long as ``stamp`` (the revisions it is
    built from, read earlier in this request) stays the same. ``size`` gives a value's weight in
    bytes, roughly; the default suits text."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return build()
    store = _store()
    value = store.get(key, stamp)
    if value is None:
        value = build()
        store.put(key, stamp, value, size(value))
    return value
