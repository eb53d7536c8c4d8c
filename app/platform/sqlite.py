"""SQLite as Sabak uses it: the pragmas of every connection, and the writers' turn.

Database integration, installed by the factory on the app's engine (``install``) and on nothing
else: PostgreSQL needs neither. The writers' turn replaces SQLite's busy handler for writers of
one host; its hooks are SQLAlchemy's documented events (the dialect's execute events, the pool's
checkin, the Session's end of transaction), all listened to here, explicitly, not at import.
"""
from __future__ import annotations

import fcntl
import os
import threading

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db


def install(app: Flask) -> None:
    """Foreign keys on, WAL journal, a busy timeout and larger caches for every connection of the
    app's SQLite engine, and the writers' turn; nothing (not even the engine) for another database."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
    install_writers_turn(engine)  # writers queue for their turn instead of polling SQLite's lock
    in_memory = app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Read the file through the page cache by mmap and keep 32 MB of pages per connection
            # (the default is 2 MB): module pages read 20 KB rows of HTML that then stay in memory.
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


# The worker's handle on each SQLite writers' lock file: {path: (pid, fd)}. Opened lazily in each
# worker (an fd inherited across fork would share one lock between parent and child).
_lock_files: dict[str, tuple[int, int]] = {}
_in_process = threading.RLock()  # flock does not exclude the threads of one process
_turn = threading.local()  # .depth, .path: this thread's holds; .held: connections that wrote
_FLAG = "sabak_writer_turn"


def take_turn(path: str) -> None:
    """Wait for, then take, the writers' turn of the SQLite database whose lock file is ``path``.

    SQLite admits one writer; the others wait in its busy handler, which polls by sleeping 1, 2,
    5, 10... ms. Under load (sixteen quiz submissions at once on four workers) a submission's
    slowest cases were those sleeps while the CPU idled. An
    exclusive ``flock`` on a file beside the database queues the writers instead, and the
    kernel wakes the next one the moment the lock is released. A transaction takes the turn at
    its first write (see ``install_writers_turn``) and gives it back when it ends, so reads and everything
    before the first write still run side by side. The lock is the filesystem's: it holds
    across every worker of the host, and a SQLite file has no other host. PostgreSQL locks rows,
    not the database: there none of this is installed.
    """
    _in_process.acquire()
    depth = getattr(_turn, "depth", 0)
    if depth == 0:
        fcntl.flock(_lock_fd(path), fcntl.LOCK_EX)
        _turn.path = path
    _turn.depth = depth + 1


def end_turn() -> None:
    """Give back one hold of the turn; the last one lets the next writer in."""
    depth = getattr(_turn, "depth", 0)
    if depth == 0:
        return
    _turn.depth = depth - 1
    if depth == 1:
        fcntl.flock(_lock_fd(_turn.path), fcntl.LOCK_UN)
    _in_process.release()


def lock_path(engine) -> str | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return f"{url.database}-writers.lock"


def install_writers_turn(engine: Engine) -> None:
    """Take the writers' turn before a SQLite transaction's first write; it ends with the
    transaction (the session's commit or rollback, or the connection's return to the pool)."""
    path = lock_path(engine)
    if path is None:
        return
    # On the Session class: a turn is ended by whichever session's transaction took it. Listened
    # to once per process, however many apps (tests make many) install it.
    for ending in ("after_commit", "after_rollback"):
        if not event.contains(Session, ending, _transaction_ended):
            event.listen(Session, ending, _transaction_ended)

    # On the dialect's execute hooks (DialectEvents), not the connection's before_cursor_execute:
    # a connection event turns on the event checks at every step of every connection (begin,
    # execute, commit, rollback), a noticeable cost on a small request; these run only around
    # the cursor's execute.
    def _before_write(statement: str, context) -> None:
        info = context.root_connection.info  # the pooled DBAPI connection's: it outlives the Connection
        if info.get(_FLAG):
            return
        if (context.isinsert or context.isupdate or context.isdelete
                or statement.lstrip()[:7].upper() in ("INSERT ", "UPDATE ", "DELETE ", "REPLACE")):
            take_turn(path)
            info[_FLAG] = True
            _held().append(info)

    @event.listens_for(engine, "do_execute")
    def _execute(_cursor, statement, _parameters, context) -> None:
        _before_write(statement, context)

    @event.listens_for(engine, "do_execute_no_params")
    def _execute_no_params(_cursor, statement, context) -> None:
        _before_write(statement, context)

    @event.listens_for(engine, "do_executemany")
    def _executemany(_cursor, statement, _parameters, context) -> None:
        _before_write(statement, context)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        # The safety net for writes outside a session (the CLI's engine.begin()): the pool gets
        # a connection back only when its transaction is over.
        if record.info.pop(_FLAG, False):
            _held()[:] = [info for info in _held() if info is not record.info]
            end_turn()


def _held() -> list:
    """The pooled connections' info dicts on which this thread took the turn."""
    held = getattr(_turn, "held", None)
    if held is None:
        held = _turn.held = []
    return held


def _transaction_ended(_session) -> None:
    """A session's transaction is over (after the database's COMMIT or ROLLBACK): end the turns
    this thread took for it."""
    held = _held()
    while held:
        held.pop().pop(_FLAG, None)
        end_turn()


def _lock_fd(path: str) -> int:
    pid, fd = _lock_files.get(path, (None, -1))
    if pid != os.getpid():
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        _lock_files[path] = (os.getpid(), fd)
    return fd
