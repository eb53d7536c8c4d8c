"""search: index and search ё as е

Russian writers mostly type е for ё, so "учет" has to find "учёт" and the reverse. SQLite: the
FTS5 triggers feed the index folded text and the index is refilled; PostgreSQL: the GIN index is
rebuilt on the folded expression. The stored text keeps its ё. The SQL is copied here, not
imported from app.models.search, so this migration never changes after the fact.

Revision ID: e1f0a6b3d825
Revises: 5b2e9d41c7a3
Create Date: 2026-12-03 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1f0a6b3d825'
down_revision = '5b2e9d41c7a3'
branch_labels = None
depends_on = None


def _fold(column):
    return f"replace(replace({column}, 'ё', 'е'), 'Ё', 'Е')"


def _triggers(fold):
    new = f"new.id, {fold('new.title')}, {fold('new.body')}"
    old = f"old.id, {fold('old.title')}, {fold('old.body')}"
    return (
        "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
        f"INSERT INTO search_fts(rowid, title, body) VALUES ({new}); END",
        "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', {old}); END",
        "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', {old}); "
        f"INSERT INTO search_fts(rowid, title, body) VALUES ({new}); END",
    )


DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
)
PG_PLAIN = "to_tsvector('simple'::regconfig, (title || ' ') || body)"
PG_FOLDED = "to_tsvector('simple'::regconfig, translate((title || ' ') || body, 'ёЁ', 'еЕ'))"


def _sqlite(fold):
    for statement in DROP_TRIGGERS + _triggers(fold):
        op.execute(statement)
    # Empty the index and fill it again with the text as the new triggers would have given it.
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    op.execute(f"INSERT INTO search_fts(rowid, title, body) SELECT id, {fold('title')}, {fold('body')} "
               "FROM search_documents")


def _postgresql(expression):
    op.drop_index("ix_search_documents_tsv", table_name="search_documents")
    op.create_index("ix_search_documents_tsv", "search_documents", [sa.text(expression)], postgresql_using="gin")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite(_fold)
    elif dialect == "postgresql":
        _postgresql(PG_FOLDED)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite(lambda column: column)
    elif dialect == "postgresql":
        _postgresql(PG_PLAIN)
