"""Flask extensions, created unbound here and bound to the app in ``create_app``."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from babel import Locale
from flask import has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter and drop them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def render_migration_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    from app.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_in_migrations(name, type_, parent_names) -> bool:
    """Leave SQLite's FTS5 search index (a virtual table and its shadow tables) out of autogenerate:
    it is made by hand in its migration, not by SQLAlchemy."""
    from app.models.search import SQLITE_FTS_TABLES

    return not (type_ == "table" and name in SQLITE_FTS_TABLES)


class EncodedJSON(str):
    """A value for a JSON column that is already JSON text: the engine stores it as it is.

    For values written many times over, such as a question's snapshot in each of its answers:
    they are encoded once and kept (``app.services.curriculum.snapshot``)."""

    __slots__ = ()

    @classmethod
    def of(cls, value: Any) -> EncodedJSON:
        return cls(json_dumps(value))


def json_dumps(value: Any) -> str:
    """The engine's JSON serializer: ``json.dumps``, SQLAlchemy's default, except that
    ``EncodedJSON`` text passes through unchanged."""
    if type(value) is EncodedJSON:
        return value
    return json.dumps(value)


db = SQLAlchemy(model_class=Base, engine_options={"json_serializer": json_dumps})
# Batch mode lets ALTER work on SQLite; compare_type makes `flask db check` notice type changes.
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_item,
                  include_name=include_in_migrations)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class DeclaredLimitsOnly(Limiter):
    """Flask-Limiter, checking limits only on the views that declare them.

    Flask-Limiter also runs a check before *every* request, for default, application-wide and
    blueprint limits. Sabak has none of those: the login and registration views declare their
    limits with ``@limiter.limit``, whose wrapper checks them itself (and records the conditional
    deductions the after-request hook applies). The before-request pass only resolved an empty
    list, about a tenth of the cheapest logged-in request (bench/README.md). Declaring a default
    or blueprint limit would need this class removed; the test of the login limit proves the
    declared limits still count.
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if not in_middleware:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


limiter = DeclaredLimitsOnly(key_func=get_remote_address, default_limits=[])


def select_locale() -> Locale:
    """The user's saved choice, then this browser's choice, then Accept-Language, then default."""
    from flask import current_app
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    user = current_user._get_current_object()  # the user itself: the proxy looks it up on every read
    if getattr(user, "is_authenticated", False) and user.locale in languages:
        return _locale(user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """Babel's Locale for a language code, made once. Flask-Babel parses the selector's answer on
    every request, which for a code checks the locale's data file on disk each time; a Locale
    object it hands back as it is."""
    return Locale.parse(code)
