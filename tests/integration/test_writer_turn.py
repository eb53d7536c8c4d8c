"""On SQLite, units of work in different worker processes take turns to write: the second waits
in the kernel for the first to finish (app.platform.sqlite.take_turn) instead of polling SQLite."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.extensions import db
from app.platform import sqlite

# Another worker of the same host: the app on the same database file, holding its turn until
# told to stop.
OTHER_WORKER = textwrap.dedent("""
    import sys
    from app import create_app
    from app.extensions import db
    from app.platform import sqlite
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1])
    with app.app_context():
        sqlite.take_turn(sqlite.lock_path(db.engine))
        print("holding", flush=True)
        sys.stdin.readline()
""")


@contextmanager
def turn(app):
    """This thread holds the writers' turn of the app's SQLite database for the block."""
    with app.app_context():
        sqlite.take_turn(sqlite.lock_path(db.engine))
        try:
            yield
        finally:
            sqlite.end_turn()


def test_a_unit_of_work_waits_for_another_processes_turn(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: the writers' turn is SQLite's")
    url = str(db.engine.url)
    other = subprocess.Popen([sys.executable, "-c", OTHER_WORKER, url], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
                             env={**os.environ, "SABAK_ENV": "testing"})
    try:
        assert other.stdout.readline().strip() == "holding"
        entered = threading.Event()

        def ours() -> None:
            with turn(app):
                entered.set()

        thread = threading.Thread(target=ours)
        thread.start()
        assert not entered.wait(1.0)  # the other worker has the turn: we wait
        other.stdin.write("\n")
        other.stdin.flush()
        assert entered.wait(30)  # its turn ended: ours begins
        thread.join(30)
    finally:
        other.kill()
        other.wait()


def test_a_transaction_holds_the_turn_from_its_first_write_to_its_end(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    from sqlalchemy import select

    from app.models import Institution
    from app.models.people import InstitutionKind, Region

    def depth() -> int:
        return getattr(sqlite._turn, "depth", 0)

    db.session.execute(select(Institution.id)).all()
    assert depth() == 0  # reading takes no turn
    db.session.add(Institution(name="Нарын", kind=InstitutionKind.LIBRARY, region=list(Region)[0]))
    db.session.flush()
    assert depth() == 1  # the first write took it...
    db.session.add(Institution(name="Ош", kind=InstitutionKind.LIBRARY, region=list(Region)[0]))
    db.session.flush()
    assert depth() == 1  # ...once
    db.session.commit()
    assert depth() == 0  # the commit gave it back
    db.session.add(Institution(name="Талас", kind=InstitutionKind.LIBRARY, region=list(Region)[0]))
    db.session.flush()
    db.session.rollback()
    assert depth() == 0  # so does a rollback
    with db.engine.begin() as conn:  # outside a session: returned to the pool, given back
        table = Institution.__table__
        conn.execute(table.update().where(table.c.name == "Ош").values(name="Ош шаары"))
    assert depth() == 0
    # Every way a statement reaches the cursor: SQL text run without parameters, and executemany.
    with db.engine.connect() as conn:
        conn.execution_options(no_parameters=True).exec_driver_sql(
            "UPDATE institutions SET name = 'Ош' WHERE name = 'Ош шаары'")
        assert depth() == 1
        conn.rollback()
    assert depth() == 0
    with db.engine.connect() as conn:
        conn.execute(table.insert(), [{"name": name, "kind": InstitutionKind.LIBRARY, "region": list(Region)[0]}
                                      for name in ("Баткен", "Жалал-Абад")])
        assert depth() == 1
        conn.rollback()
    assert depth() == 0
    # Released: a turn taken in another thread begins at once.
    done = threading.Event()

    def other_thread() -> None:
        with turn(app):
            done.set()

    threading.Thread(target=other_thread).start()
    assert done.wait(10)
