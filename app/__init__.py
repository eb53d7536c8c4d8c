"""Sabak: the application factory, built from named steps."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.platform.application import Sabak
from config import Config, load_config


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
    """Bind the extensions, each with Sabak's integration of it (app.platform)."""
    from flask_babel import lazy_gettext as _l

    from app import models  # noqa: F401  (registers the tables)
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.platform import csrf as csrf_tokens
    from app.platform import i18n, migrations, sessions, sqlite
    from app.platform import ratelimit  # noqa: F401  (registers the sabak+db:// limits storage)
    from app.services import accounts

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     **migrations.ALEMBIC_OPTIONS)
    sessions.install(app)
    csrf.init_app(app)
    csrf_tokens.install(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_gettext(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.user_loader(accounts.load_user_from_cookie_id)
    sqlite.install(app)


def register_blueprints(app: Flask) -> None:
    """Each blueprint's views, registered on its ``bp``. A blueprint package defines ``bp`` and its
    guards; its ``routes`` module adds the views to it, so the routes are imported here, where the
    blueprint is registered, and the package never imports its own routes (an import cycle)."""
    from app import health
    from app.admin import routes as admin
    from app.api import routes as api
    from app.auth import routes as auth
    from app.learn import routes as learn
    from app.ledger import routes as ledger
    from app.teach import routes as teach

    app.register_blueprint(learn.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(teach.bp, url_prefix="/teach")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(health.bp)
    app.register_blueprint(ledger.bp)


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
