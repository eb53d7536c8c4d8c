"""Helpers available in every template."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, request
from flask_babel import format_datetime, get_locale

LANGUAGE_NAMES = {"ru": "Русский", "ky": "Кыргызча", "en": "English"}


def register(app: Flask) -> None:
    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
            "current_path": request.full_path.rstrip("?") if request else "/",
        }

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
        return format_datetime(value, fmt) if value else ""
