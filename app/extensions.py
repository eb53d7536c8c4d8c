"""Flask extensions, created unbound here and bound to the app in ``create_app``."""
from __future__ import annotations

import json
from typing import Any

from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.platform.limiter import DeclaredLimitsOnly

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
# Its Alembic options (batch mode, type comparison, the autogenerate hooks) are given in the
# factory: they read the models, which import this module (app.platform.migrations).
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


limiter = DeclaredLimitsOnly(key_func=get_remote_address, default_limits=[])
