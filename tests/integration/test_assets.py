"""Slow lines: static files under content-hashed names cached for a year, pages compressed."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest

from app import create_app
from app.platform.assets import StaticManifest
from tests.conftest import database_url

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/[^"]+)"')


def stylesheet_url(client) -> str:
    return STYLESHEET.search(client.get("/login").get_data(as_text=True)).group(1)


def test_pages_name_the_stylesheet_by_its_content_and_it_is_kept_for_a_year(app, client):
    url = stylesheet_url(client)
    assert re.fullmatch(r"/static/sabak\.[0-9a-f]{10}\.css", url)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/sabak.css")
    assert plain.get_data() == hashed.get_data()
    assert "max-age=31536000" not in plain.headers["Cache-Control"]  # revalidated: the name is not tied to the content


def test_a_stale_hash_gets_todays_file_uncached_and_unknown_files_404(client):
    stale = client.get("/static/sabak.0123456789.css")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert stale.get_data() == client.get("/static/sabak.css").get_data()
    assert client.get("/static/missing.0123456789.css").status_code == 404
    assert client.get("/static/missing.css").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    manifest = StaticManifest(tmp_path, watch=True)
    first = manifest.hashed_name("site.css")
    (tmp_path / "site.css").write_text("body { color: navy }")
    import os

    os.utime(tmp_path / "site.css", (1, 1))  # a new mtime even within the same clock tick
    second = manifest.hashed_name("site.css")
    assert first != second and first.startswith("site.") and second.endswith(".css")
    assert manifest.resolve(second) == ("site.css", True)
    assert manifest.resolve(first) == ("site.css", False)
    assert manifest.hashed_name("other.css") == "other.css"


@pytest.mark.parametrize("encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_pages_are_sent_compressed_to_browsers_that_accept_it(client, encoding, decode):
    plain = client.get("/login")
    packed = client.get("/login", headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    # The same page, in a fraction of the bytes (a login page is ~7 KB of HTML; it compresses ~4x).
    assert decode(packed.get_data()).decode().count("<form") == plain.get_data(as_text=True).count("<form")
    assert len(packed.get_data()) * 2 < len(plain.get_data())
    assert "Content-Encoding" not in plain.headers  # a client that did not ask gets plain bytes
    assert "Accept-Encoding" in plain.headers["Vary"]  # and shared caches are told it depends


def test_compression_can_be_left_to_a_proxy(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url(tmp_path), COMPRESS=False)
    response = app.test_client().get("/login", headers={"Accept-Encoding": "gzip"})  # reads no table
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
