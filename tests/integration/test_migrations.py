"""The migrations build the schema from empty, and they agree with the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db, include_in_migrations, render_migration_item


def test_upgrade_from_empty_matches_the_models(app):
    db.drop_all()
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_item": render_migration_item,
                        "include_name": include_in_migrations}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; run flask db migrate: {differences}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "institutions", "alembic_version"} <= tables


def test_downgrade_to_base_and_back(app):
    db.drop_all()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
