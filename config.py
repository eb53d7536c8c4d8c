"""Configuration classes, read from the environment when the app is created (never at import)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSECURE_KEYS = {"", "dev", "change-me", "development-only-secret-key"}
# SABAK_SMTP_SECURITY and the port each implies unless SABAK_SMTP_PORT says otherwise.
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    """Settings shared by every environment; subclasses fill in what differs."""

    SABAK_ENV = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    # The public address every absolute URL is built from (app/urls.py); never the Host header.
    DEFAULT_BASE_URL: str | None = None
    SQLALCHEMY_DATABASE_URI: str = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    COURSES_DIR = str(BASE_DIR / "courses")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = ("ru", "ky", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a slow reader's form still posts
    # Login throttling: counters live in the database so every worker and host sees the same count.
    RATELIMIT_STORAGE_URI = "sabak+db://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_FAILURE_LIMIT = "5 per minute"
    REGISTER_LIMIT = "20 per hour"
    # "Forgot password": per client address, and per address asked about (whether or not it has
    # an account, so the limit tells nothing); the form that sets the new password, per client.
    RESET_REQUEST_LIMIT = "10 per hour"
    RESET_ADDRESS_LIMIT = "3 per hour"
    RESET_FORM_LIMIT = "10 per 15 minutes"

    def __init__(self) -> None:
        # Read at instantiation, so tests and the factory see the environment of the moment.
        self.SECRET_KEY = _env("SECRET_KEY", self.SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", self.default_database_url())
        self.COURSES_DIR = _env("COURSES_DIR", self.COURSES_DIR)
        self.BABEL_DEFAULT_LOCALE = _env("SABAK_DEFAULT_LOCALE", self.BABEL_DEFAULT_LOCALE)
        self.PROXY_COUNT = int(_env("SABAK_PROXY_COUNT", "0"))
        # Failed logins a client may make (Flask-Limiter's notation, e.g. "5 per minute").
        self.LOGIN_FAILURE_LIMIT = _env("SABAK_LOGIN_LIMIT", self.LOGIN_FAILURE_LIMIT)
        self.SABAK_BASE_URL = _env("SABAK_BASE_URL", self.DEFAULT_BASE_URL)
        # Flask answers 400 to a request whose Host is not one of these (None: any host). No URL
        # is built from the Host (app/urls.py); refusing strangers is a second line.
        self.TRUSTED_HOSTS = self.trusted_hosts(_env("SABAK_TRUSTED_HOSTS"))
        self.SABAK_ISSUER_NAME = _env("SABAK_ISSUER_NAME", "Sabak")
        self.CREDENTIALS_SIGNING_KEY = _env("CREDENTIALS_SIGNING_KEY")
        self.CREDENTIALS_SIGNING_KEY_FILE = _env("CREDENTIALS_SIGNING_KEY_FILE")
        self.CREDENTIALS_PUBLIC_KEYS = (_env("CREDENTIALS_PUBLIC_KEYS", "") or "").split()
        # Pages and static files sent gzip- or brotli-compressed; off when a proxy compresses.
        self.COMPRESS = _env("SABAK_COMPRESS", "1") not in ("0", "false", "no", "off")
        # An evidence file may have 10 MB (app.services.ledger.MAX_EVIDENCE_BYTES); the rest is
        # room for the form's other fields, so a file a little too large gets the form's own message.
        self.MAX_CONTENT_LENGTH = 10 * 1024 * 1024 + 256 * 1024
        # Mail, for password-reset links; without a host, the "forgot password" page sends people
        # to an administrator (who makes a link on the users page or with `flask users reset-link`).
        self.SMTP_HOST = _env("SABAK_SMTP_HOST")
        self.SMTP_SECURITY = (_env("SABAK_SMTP_SECURITY", "starttls") or "").lower()
        if self.SMTP_SECURITY not in SMTP_PORTS:
            raise RuntimeError(f"SABAK_SMTP_SECURITY must be one of {', '.join(SMTP_PORTS)}, not {self.SMTP_SECURITY!r}")
        self.SMTP_PORT = int(_env("SABAK_SMTP_PORT", str(SMTP_PORTS[self.SMTP_SECURITY])))
        self.SMTP_USER = _env("SABAK_SMTP_USER")
        self.SMTP_PASSWORD = _env("SABAK_SMTP_PASSWORD")
        self.SMTP_TIMEOUT = float(_env("SABAK_SMTP_TIMEOUT", "10"))
        self.MAIL_FROM = _env("SABAK_MAIL_FROM", self.SMTP_USER or "sabak@localhost")
        self.RESET_LINK_HOURS = float(_env("SABAK_RESET_LINK_HOURS", "1"))
        self.ADMIN_RESET_LINK_HOURS = float(_env("SABAK_ADMIN_RESET_LINK_HOURS", "24"))
        # What each worker may keep of answers built from learners' own data (the progress API,
        # cohorts' matrices), checked against their revisions on use: app.caching.kept.
        self.LEARNER_CACHE_BYTES = int(_env("SABAK_LEARNER_CACHE_BYTES", str(16 * 1024 * 1024)))
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            # A pre-ping guards against a server that dropped an idle connection; a SQLite file
            # cannot, and the ping cost a statement on every request (bench/HISTORY.md).
            self.SQLALCHEMY_ENGINE_OPTIONS = {**self.SQLALCHEMY_ENGINE_OPTIONS, "pool_pre_ping": False}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgres://"):
            self.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + self.SQLALCHEMY_DATABASE_URI[11:]
        elif self.SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
            self.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + self.SQLALCHEMY_DATABASE_URI[13:]

    def default_database_url(self) -> str:
        return f"sqlite:///{BASE_DIR / 'instance' / 'sabak.db'}"

    def trusted_hosts(self, setting: str | None) -> list[str] | None:
        """SABAK_TRUSTED_HOSTS as Flask's TRUSTED_HOSTS: names separated by spaces or commas, a
        leading dot for every subdomain, ``*`` for any host. Unset: any host, except in production."""
        if setting is None:
            return None
        names = setting.replace(",", " ").split()
        return None if "*" in names else names

    def validate(self) -> None:
        """Raise if these settings are unsafe to run with; only production is strict."""
        check_base_url(self.SABAK_BASE_URL)


class DevelopmentConfig(Config):
    SABAK_ENV = "development"
    DEBUG = True
    SECRET_KEY = "development-only-secret-key"
    DEFAULT_BASE_URL = "http://127.0.0.1:5000"  # `make run`


class TestingConfig(Config):
    SABAK_ENV = "testing"
    TESTING = True
    PASSWORD_HASH_PROFILE = "test"  # argon2's cheapest parameters: hundreds of test users stay fast
    SECRET_KEY = "testing-only-secret-key"
    WTF_CSRF_ENABLED = True  # tests post real tokens; a test that needs none says so
    DEFAULT_BASE_URL = "http://localhost"  # the test client's own address

    def default_database_url(self) -> str:
        return "sqlite://"


class ProductionConfig(Config):
    SABAK_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def validate(self) -> None:
        key = self.SECRET_KEY or ""
        if key in INSECURE_KEYS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production, "
                "e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if not _env("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")
        if not self.SABAK_BASE_URL:
            raise RuntimeError(
                "SABAK_BASE_URL must be set in production to Sabak's public https:// address, e.g. "
                "https://sabak.example.kg: certificates, badges and their QR codes are built from it, "
                "never from the request's Host header")
        check_base_url(self.SABAK_BASE_URL)
        if urlsplit(self.SABAK_BASE_URL).scheme != "https":
            raise RuntimeError(f"SABAK_BASE_URL must be an https:// address in production, not {self.SABAK_BASE_URL!r}")

    def trusted_hosts(self, setting: str | None) -> list[str] | None:
        """Production answers only to its public host, and to the loopback names a health check
        on the machine itself uses, unless SABAK_TRUSTED_HOSTS says otherwise."""
        if setting is None and self.SABAK_BASE_URL:
            host = urlsplit(self.SABAK_BASE_URL).hostname
            return [name for name in (host, "localhost", "127.0.0.1") if name]
        return super().trusted_hosts(setting)


def check_base_url(url: str | None) -> None:
    """Raise unless ``url`` is unset or an http(s) address of a host, with no query or fragment."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"SABAK_BASE_URL must be an address such as https://sabak.example.kg, not {url!r}")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the config object named by ``name`` or ``SABAK_ENV`` (default: production).

    Production is the default so that a forgotten variable fails closed, not open.
    """
    name = name or _env("SABAK_ENV", "production")
    if name not in CONFIGS:
        raise RuntimeError(f"SABAK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    config = CONFIGS[name]()
    config.validate()
    return config
