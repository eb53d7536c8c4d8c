"""What-if: Sabak with configuration changes the bench suggests, to measure them before proposing.

    bench/run --sabak-app whatif:app [--only module,dashboard]

Not used by a normal run. Each change is on by default and switched off with its variable = 0:

- SABAK_WHATIF_GC_FREEZE: ``gc.freeze()`` once the app is built, so the garbage collector's full
  passes no longer walk the ~180,000 objects of the loaded app (SQLAlchemy mappers, templates,
  Babel data). In-process, these passes were the 100-150 ms outliers of the dashboard.
- SABAK_WHATIF_NO_PREPING: no ``pool_pre_ping`` (an extra round trip on every checkout; SQLite is a
  local file).
- SABAK_WHATIF_PRAGMAS: extra SQLite PRAGMAs, ``;``-separated (default: a 256 MB mmap and a 64 MB
  page cache per connection); empty for none.
"""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def _on(name: str) -> bool:
    return os.environ.get(name, "1") != "0"


PRAGMAS = os.environ.get("SABAK_WHATIF_PRAGMAS", "mmap_size=268435456;cache_size=-65536").split(";")
overrides = {}
if _on("SABAK_WHATIF_NO_PREPING"):
    overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": False}
app = create_app(**overrides)

with app.app_context():
    engine = db.engine

if engine.dialect.name == "sqlite":
    @event.listens_for(engine, "connect")
    def _more_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in filter(None, PRAGMAS):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

if _on("SABAK_WHATIF_GC_FREEZE"):
    gc.collect()
    gc.freeze()
