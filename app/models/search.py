"""Search documents: one row of searchable text per course and per active module, plus its index.

The rows are plain data (written by ``app.services.search.reindex_course``); the full-text index
differs per database, because neither has the other's machinery:

* SQLite: an FTS5 *external-content* table ``search_fts`` that reads its text from
  ``search_documents`` (no second copy) and is kept in step by triggers. ``unicode61`` tokenises
  and case-folds every script, so Kyrgyz ө ү ң and Ө Ү Ң are letters that fold to themselves;
  ``remove_diacritics 2`` only strips Latin accents (café = cafe) and never turns ө ү ң й into
  о у н и, which are different letters in Kyrgyz and Russian.
* PostgreSQL: a GIN index on ``to_tsvector('simple', title || ' ' || body)``. The ``simple``
  configuration lowercases and never stems, so it treats Russian, Kyrgyz and English alike (there is
  no Kyrgyz stemmer). It lowercases with the database's LC_CTYPE: that must be a UTF-8 locale
  (C.UTF-8, en_US.UTF-8, ...); under plain ``C`` Cyrillic is not case-folded.

Both indexes see ё as е (``fold_yo``; the query words are folded the same way): Russian writers
mostly type е for ё, so "учет" must find "учёт" and the reverse, as every Russian search engine
does. ё is the only letter treated so; the stored text keeps its ё for titles and snippets.

The SQLite DDL lives in module constants so a migration can replay it; it is attached to the table's
``after_create``/``before_drop`` events so ``db.create_all()``/``db.drop_all()`` handle it too.
"""
from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event, func
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class SearchDocument(db.Model):
    """The searchable text of a course (``module_id`` NULL) or of one of its active modules."""

    __tablename__ = "search_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.id} course={self.course_id} module={self.module_id}>"


YO, YO_FOLDED = "ёЁ", "еЕ"


def fold_yo(text: str) -> str:
    """ё and Ё as е and Е: what the index stores and what a query looks for (same length)."""
    return text.replace("ё", "е").replace("Ё", "Е")


def pg_fold_yo(expression):
    """``fold_yo`` in PostgreSQL, with its constants inline (see ``document_tsvector``)."""
    return func.translate(expression, sql_text(f"'{YO}'"), sql_text(f"'{YO_FOLDED}'"))


def document_tsvector():
    """The PostgreSQL text vector of a document. The GIN index and the query both use this one
    expression, with its constants inline rather than bound, so the planner matches the index."""
    columns = SearchDocument.__table__.c
    text = columns.title.op("||")(sql_text("' '")).op("||")(columns.body)
    return func.to_tsvector(sql_text("'simple'::regconfig"), pg_fold_yo(text))


# PostgreSQL only: SQLite has no to_tsvector (and uses FTS5 instead), so the index is skipped there.
Index("ix_search_documents_tsv", document_tsvector(), postgresql_using="gin").ddl_if(
    dialect="postgresql"
)

SQLITE_FTS_TABLE = "search_fts"
# The FTS5 table and its shadow tables: schema comparison (Alembic autogenerate) must ignore them,
# because they are not SQLAlchemy tables.
SQLITE_FTS_TABLES = frozenset(
    SQLITE_FTS_TABLE + suffix for suffix in ("", "_data", "_idx", "_docsize", "_config")
)

def _sqlite_fold_yo(column: str) -> str:
    return f"replace(replace({column}, 'ё', 'е'), 'Ё', 'Е')"


# The index is fed folded text (an external-content table indexes what it is given), and a 'delete'
# must repeat exactly the text that was indexed, hence the same folding there.
_NEW = f"new.id, {_sqlite_fold_yo('new.title')}, {_sqlite_fold_yo('new.body')}"
_OLD = f"old.id, {_sqlite_fold_yo('old.title')}, {_sqlite_fold_yo('old.body')}"
SQLITE_FTS_TRIGGERS = (
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    f"INSERT INTO search_fts(rowid, title, body) VALUES ({_NEW}); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', {_OLD}); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', {_OLD}); "
    f"INSERT INTO search_fts(rowid, title, body) VALUES ({_NEW}); END",
)
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, content='search_documents', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 2\")",
    *SQLITE_FTS_TRIGGERS,
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_fts",
)
# Rebuilds the whole FTS5 index from search_documents (after a bulk load or a batch migration that
# recreated the table and so lost its triggers). Not FTS5's own 'rebuild': that would index the
# stored text unfolded.
SQLITE_FTS_REBUILD = (
    "INSERT INTO search_fts(search_fts) VALUES ('delete-all')",
    "INSERT INTO search_fts(rowid, title, body) "
    f"SELECT id, {_sqlite_fold_yo('title')}, {_sqlite_fold_yo('body')} FROM search_documents",
)

for _statement in SQLITE_FTS_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_FTS_DROP:
    event.listen(SearchDocument.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
