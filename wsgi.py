"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
import gc

from app import create_app

app = create_app()

# The loaded app is some 180,000 long-lived objects (SQLAlchemy mappers, templates, Babel data).
# Moving them out of the collector's reach ends the 100-250 ms full-collection pauses that were the
# slowest requests in bench/ (see bench/HISTORY.md); they live as long as the worker anyway.
gc.collect()
gc.freeze()
