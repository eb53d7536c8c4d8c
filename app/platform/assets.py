"""Static files under content-hashed names, kept by browsers for a year; pages sent compressed.

On a slow mobile line every page view used to ask again for the stylesheet (served ``no-cache``,
so at least a revalidation round trip). Now ``url_for('static', filename='sabak.css')`` writes
``/static/sabak.3f9a1c2b7d.css``: the name changes whenever the content does, so the file can be
cached as immutable, and a new release is fetched at once because its pages name new files.
A plain name (``/static/sabak.css``) still works, revalidated as before, for anything that links
to it from outside; a name with a hash that is no longer current gets today's file, uncached.

The hashes are read from the files when the app starts (and again when a file changes, in
development). Compression is Flask-Compress's, on by default; an operator whose proxy compresses
turns it off with ``SABAK_COMPRESS=0`` (docs/operations.md).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask

YEAR = 365 * 24 * 60 * 60
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")


class StaticManifest:
    """The current content hash of every file in a static folder, by its plain name."""

    def __init__(self, folder: str | Path, watch: bool = False) -> None:
        self.folder = Path(folder)
        self.watch = watch
        self._hashes: dict[str, tuple[float, str]] = {}
        self._names: dict[str, str] = {}  # plain name -> hashed name, looked up by every url_for
        self.scan()

    def scan(self) -> None:
        hashes, names = {}, {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(self.folder).as_posix()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
                hashes[name] = (path.stat().st_mtime, digest)
                names[name] = path.with_name(f"{path.stem}.{digest}{path.suffix}").relative_to(self.folder).as_posix()
        self._hashes, self._names = hashes, names

    def digest(self, name: str) -> str | None:
        known = self._hashes.get(name)
        if known is not None and self.watch:
            path = self.folder / name
            if not path.is_file() or path.stat().st_mtime != known[0]:
                self.scan()
                known = self._hashes.get(name)
        return known[1] if known else None

    def hashed_name(self, name: str) -> str:
        """``dir/name.ext`` as ``dir/name.<hash>.ext``; unknown files keep their name."""
        if self.watch:
            self.digest(name)  # rescans when the file changed
        return self._names.get(name, name)

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The plain name behind a requested name, and whether the request named today's content."""
        match = _HASHED.match(requested)
        if match is None or match["stem"] + match["suffix"] not in self._hashes:
            return requested, False
        plain = match["stem"] + match["suffix"]
        return plain, self.digest(plain) == match["digest"]


def register(app: Flask) -> None:
    """Hash static names in every ``url_for('static', ...)`` and compress what is sent."""
    manifest = StaticManifest(app.static_folder, watch=app.debug)
    app.extensions["sabak_static_manifest"] = manifest

    @app.url_defaults
    def hashed_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.hashed_name(values["filename"])

    if app.config.get("COMPRESS", True):
        register_compression(app)


def register_compression(app: Flask) -> None:
    """Flask-Compress, asked only when the client accepts an encoding.

    Its own hook parses the headers of every response; a client that sends no
    ``Accept-Encoding`` (a script, a monitor, the benchmark's load generator) gets the page as it
    is, with the ``Vary`` header that tells shared caches the answer depends on it."""
    from flask import request
    from flask_compress import Compress

    # Only what is worth it, and gzip or brotli (every browser has one of them); the CSV and PDF
    # downloads are compressed already or rare.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "application/json",
                                                 "image/svg+xml", "text/plain"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config["COMPRESS_REGISTER"] = False
    compressor = Compress(app)
    compressible = compressor.compress_mimetypes_set

    @app.after_request
    def compress(response):
        if "Accept-Encoding" in request.headers:
            return compressor.after_request(response)
        if response.mimetype in compressible:
            response.headers.add("Vary", "Accept-Encoding")
        return response


def send_static_file(app: Flask, filename: str, send):
    """Serve ``filename`` (plain or hashed) with ``send(plain_name)``: a year's caching when the
    hash is today's, Flask's revalidation otherwise."""
    manifest: StaticManifest = app.extensions["sabak_static_manifest"]
    plain, current = manifest.resolve(filename)
    response = send(plain)
    if current:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response
