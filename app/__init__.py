"""Sabak: the application factory, built from named steps."""
from __future__ import annotations

from inspect import iscoroutinefunction
from pathlib import Path
from types import CodeType

from flask import Flask

from config import Config, load_config


class Sabak(Flask):
    """Flask, answering ``ensure_sync`` from a dict.

    Flask asks of every hook, view and context processor on every request whether it is a
    coroutine function (``inspect.iscoroutinefunction``, ten times for a small page). For a
    function or a method the answer lies in its code object, which never changes, so it is
    remembered per code object (closures made per request share theirs: the dict stays small).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._is_async: dict[CodeType, bool] = {}

    def ensure_sync(self, func):
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is None:  # a partial or a callable object: ask as Flask does
            return super().ensure_sync(func)
        is_async = self._is_async.get(code)
        if is_async is None:
            is_async = self._is_async[code] = iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func

    def send_static_file(self, filename: str):
        """Static files by plain or content-hashed name (app.platform.assets)."""
        from app.platform import assets

        return assets.send_static_file(self, filename, super().send_static_file)


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    """Build the app. ``config`` is a Config object, an environment name, or None (``SABAK_ENV``).

    ``overrides`` are applied last, which is how tests point the app at their own database.
    Creating the app never touches the database or the course files: migrations and course sync
    are explicit commands.
    """
    if config is None or isinstance(config, str):
        config = load_config(config)
    app = Sabak(__name__, instance_relative_config=True)
    # JSON answers as UTF-8 text with keys in the order the serializers write them: escaping
    # every Cyrillic letter as \uXXXX made them about half again as large (and sorting the keys
    # of every object cost time for no reader's benefit).
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config.from_object(config)
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind N trusted proxies the client address comes from X-Forwarded-For: the login
        # limiter must count the learner, not the proxy.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    register_input_rule(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_assets(app)
    register_commands(app)
    return app


def register_input_rule(app: Flask) -> None:
    from app.input_rule import register

    register(app)


def register_extensions(app: Flask) -> None:
    from app import ratelimit  # noqa: F401  (registers the sabak+db:// limits storage)
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale
    from app import models  # noqa: F401  (registers the tables)
    from app.services import accounts

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(accounts.load_user_from_cookie_id)

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    _configure_sqlite(app)


def _configure_sqlite(app: Flask) -> None:
    """Foreign keys on, WAL journal, a busy timeout and larger caches for every SQLite connection."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine: Engine = db.engine

    from app.services import transactions

    transactions.install(engine)  # writers queue for their turn instead of polling SQLite's lock

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if app.config["SQLALCHEMY_DATABASE_URI"] not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Read the file through the page cache by mmap and keep 32 MB of pages per connection
            # (the default is 2 MB): module pages read 20 KB rows of HTML that then stay in memory.
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.health import bp as health_bp
    from app.learn import bp as learn_bp
    from app.ledger import bp as ledger_bp
    from app.teach import bp as teach_bp

    app.register_blueprint(learn_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(teach_bp, url_prefix="/teach")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(health_bp)
    app.register_blueprint(ledger_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_security(app: Flask) -> None:
    from app.security import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import register

    register(app)


def register_assets(app: Flask) -> None:
    from app.platform import assets

    assets.register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
