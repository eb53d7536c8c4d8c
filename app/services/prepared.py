"""Writes whose parameters are made ready before the writers' turn, so that holding it costs little
more than the database's own work.

On SQLite one transaction of the host writes at a time (``app.platform.sqlite``): everything between a
transaction's first write and its commit keeps every other writer waiting. Under load the holder
shares the CPUs with other workers and is often descheduled while it holds the turn, so each
microsecond of Python in there is paid many times over, and the turn, not the CPUs, sets the
submissions' rate. SQLAlchemy turns a statement's parameters into the driver's values as it
executes it (each row's JSON and timestamps through their column types, a context per
statement): for a quiz's answers, a large part of the turn.

``Prepared`` compiles a Core statement once per dialect and converts its parameters with the same
column types' bind processors, but when the caller asks, before the first write. Executing it
then hands the driver the finished values through ``Connection.exec_driver_sql``: the same
connection and transaction, the same dialect hooks (the writers' turn is taken there as for any
write), no second conversion.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.sql import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the driver's order (positional styles), or their names
    positional: bool
    processors: dict[str, Callable[[Any], Any]]  # bind name -> its type's converter, where it has one
    fixed: dict[str, Any]  # the statement's own values (a literal's bind, e.g. the 1 of "count + 1"), converted


class Prepared:
    """A Core statement whose parameters can be converted ahead of its execution.

    Column defaults are not run: the values of an INSERT's columns and of an UPDATE's ``onupdate``
    columns (``updated_at``) are given like any other parameter; a missing one fails (KeyError).

    ``late``: parameters only known inside the transaction (an id just inserted); they must be of
    a type the driver takes as it is (an integer), and are given to ``execute``.
    """

    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None,
                 late: Sequence[str] = ()) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self.late = tuple(late)
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        compiled = self._by_dialect.get(key)
        if compiled is None:
            c = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            names = tuple(c.positiontup) if c.positional else tuple(c.binds)
            processors, fixed = {}, {}
            for name, bind in c.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    if name in self.late:
                        raise ValueError(f"late parameter {name!r} needs converting; give it ahead of time")
                    processors[name] = processor
                if not bind.required:
                    value = bind.effective_value
                    fixed[name] = processor(value) if processor is not None else value
            compiled = self._by_dialect[key] = _Compiled(str(c), names, c.positional, processors, fixed)
        return compiled

    def values(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` converted to the driver's values (every parameter but the late ones)."""
        compiled = self._compiled(conn.dialect)
        processors = compiled.processors
        values = dict(compiled.fixed)
        values.update((name, processors[name](value) if name in processors else value)
                      for name, value in params.items())
        return values

    def execute(self, conn: Connection, values: dict[str, Any] | list[dict[str, Any]],
                **late: Any) -> CursorResult:
        """Run the statement with values from ``values`` (a list: once per row, as executemany)."""
        compiled = self._compiled(conn.dialect)
        if late:
            if isinstance(values, list):
                values = [{**row, **late} for row in values]
            else:
                values = {**values, **late}
        if compiled.positional:
            names = compiled.names
            if isinstance(values, list):
                params: Any = [tuple(row[n] for n in names) for row in values]
            else:
                params = tuple(values[n] for n in names)
        else:
            params = values
        return conn.exec_driver_sql(compiled.sql, params)
