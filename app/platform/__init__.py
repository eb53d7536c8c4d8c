"""Framework integration: how Sabak plugs into Flask and its extensions, kept apart from the domain.

One small module per piece, each saying why it exists; every override of library code is held to
the pinned library version by tests/integration/test_platform.py. The factory (``app.create_app``)
installs them explicitly; nothing here registers itself at import.

    application  the Flask subclass (``ensure_sync`` per code object; hashed static names)
    assets       content-hashed static files, compression
    csrf         Flask-WTF's token, signed once per session token and worker
    forms        the base of every form, with the libraries' messages in Sabak's catalogs
    i18n         the locale selector with its Locale cache; the templates' gettext per request
    limiter      Flask-Limiter checking only the limits views declare
    migrations   Alembic's autogenerate hooks
    ratelimit    the ``sabak+db://`` limits storage, shared by every worker
    sessions     Flask's cookie sessions, each cookie verified once per worker
    sqlite       SQLite's pragmas and the writers' turn
"""
