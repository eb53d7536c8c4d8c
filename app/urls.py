"""Absolute URLs, built only from ``SABAK_BASE_URL``: never from the request's Host header.

Whatever goes into a certificate, a signed badge, a QR code, a message or a link to share must
name Sabak's own address. The Host header is chosen by whoever sends the request; an address
built from it (``url_for(..., _external=True)``, ``request.url_root``, ``request.host_url``) would
let them put their own server into credentials signed with Sabak's key, and so take over their
verification and revocation. Every absolute URL the app writes comes from here.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def base_url() -> str:
    """The public address, without a trailing slash (``https://sabak.example.kg``).

    Production refuses to start without SABAK_BASE_URL (config.ProductionConfig.validate);
    development and testing have a local default."""
    configured = current_app.config.get("SABAK_BASE_URL")
    if not configured:
        raise RuntimeError("SABAK_BASE_URL is not set: Sabak builds no address from the request's Host header")
    return configured.rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """The public address of a view, like ``url_for(endpoint, _external=True)`` but rooted at
    ``base_url()`` (a path in it, such as ``https://example.kg/sabak``, is kept) whatever the
    request says its host, scheme or script root is."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
