"""The benchmark's yardstick: a minimal Flask app that returns one fixed HTML page.

bench/run serves it under the same gunicorn flags as Sabak and sizes the page like Sabak's module
page (``BENCH_PAGE_BYTES``, default 24,000), so the ratio Sabak/baseline measures what Sabak's own
work costs (routing, session, database, templates) on this machine, not the machine itself.
"""
from __future__ import annotations

import os

from flask import Flask

SIZE = int(os.environ.get("BENCH_PAGE_BYTES", "24000"))
_HEAD = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Baseline</title></head><body><main>"
_TAIL = "</main></body></html>\n"
_FILL = "<p>The quick brown fox jumps over the lazy dog; a fixed page for the baseline.</p>\n"
_body = (_FILL * (SIZE // len(_FILL) + 1))[: max(0, SIZE - len(_HEAD) - len(_TAIL))]
PAGE = (_HEAD + _body + _TAIL).encode()

app = Flask(__name__)


@app.route("/")
def index():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
