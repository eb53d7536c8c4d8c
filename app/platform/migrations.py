"""How Alembic's autogenerate sees Sabak's schema: two hooks Flask-Migrate passes to it.

Kept apart from ``app.extensions`` because they read the models (a column type, the search
index's table names) while every model imports ``app.extensions``: here they are bound to the
``Migrate`` extension by the factory (``migrate.init_app(..., **ALEMBIC_OPTIONS)``) and the
import graph stays one way.
"""
from __future__ import annotations

from app.models.base import UTCDateTime
from app.models.search import SQLITE_FTS_TABLES


def render_migration_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_in_migrations(name, type_, parent_names) -> bool:
    """Leave SQLite's FTS5 search index (a virtual table and its shadow tables) out of autogenerate:
    it is made by hand in its migration, not by SQLAlchemy."""
    return not (type_ == "table" and name in SQLITE_FTS_TABLES)


# Batch mode lets ALTER work on SQLite; compare_type makes `flask db check` notice type changes.
ALEMBIC_OPTIONS = {"render_as_batch": True, "compare_type": True,
                   "render_item": render_migration_item, "include_name": include_in_migrations}
