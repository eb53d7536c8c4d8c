"""Offline JSON-LD: a document loader limited to the shipped contexts, strict expansion, RDFC-1.0.

Why strict: RDF canonicalisation silently drops properties whose terms no context
defines, so a signature would not cover them. Like jsonld.js "safe mode", we refuse
such documents instead of signing or verifying only part of what a person reads.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.jsonld import JsonLdProcessor

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# URL -> (file in contexts/, sha256 of its bytes). Nothing else is ever served.
CONTEXT_FILES: dict[str, tuple[str, str]] = {
    CREDENTIALS_V2: (
        "credentials-v2.jsonld",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    ),
    OB_V3P0_CONTEXT: (
        "ob-v3p0-context-3.0.3.json",
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    ),
    # The context of the key documents at /issuer/keys/<key> (dataintegrity.key_document).
    MULTIKEY_V1: (
        "multikey-v1.jsonld",
        "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    ),
}
# Canonicalisation can be made exponential with crafted blank-node graphs: cap the input.
MAX_BLANK_NODES = 128

_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):\S*$")


class ContextNotAllowed(Exception):
    """A document asked for a context URL we do not ship; we never fetch one."""


class UnsafeDocument(ValueError):
    """The document has terms or IRIs that canonicalisation would silently drop."""


@functools.cache
def _context_document(url: str) -> dict:
    name, digest = CONTEXT_FILES[url]
    data = resources.files(__package__).joinpath("contexts").joinpath(name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ContextNotAllowed(f"shipped context {name} does not match its pinned sha256")
    return json.loads(data)


def shipped_context(file_name: str) -> bytes | None:
    """The bytes of a shipped context by its file name (served at /contexts/<file name> for
    verifiers that may not reach the published URLs), or None if no such context is shipped."""
    for url, (name, _digest) in CONTEXT_FILES.items():
        if name == file_name:
            _context_document(url)  # checks the pinned sha256
            return resources.files(__package__).joinpath("contexts").joinpath(name).read_bytes()
    return None


def load_document(url: str, options: dict | None = None) -> dict:
    """pyld document loader: the shipped copy for a known context URL, else ContextNotAllowed."""
    if url not in CONTEXT_FILES:
        raise ContextNotAllowed(f"context {url!r} is not shipped; refusing to fetch it")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(_context_document(url)),
    }


def expand_strict(document: dict) -> list:
    """Expand with the shipped contexts; raise UnsafeDocument if anything would be dropped."""
    dropped: list[Any] = []
    processor = JsonLdProcessor(on_property_dropped=dropped.append)
    # base None: pyld would otherwise resolve relative IRIs against http://example.org/base/,
    # which other processors do not do; left relative, they are caught below.
    expanded = processor.expand(document, {"documentLoader": load_document, "base": None})
    if dropped:
        raise UnsafeDocument(f"undefined terms would be dropped: {dropped}")
    problems = sorted(set(_relative_iris(expanded)))
    if problems:
        raise UnsafeDocument(f"relative IRIs or undefined types would be dropped: {problems}")
    if _count_blank_nodes(expanded) > MAX_BLANK_NODES:
        raise UnsafeDocument("too many blank nodes to canonicalise safely")
    return expanded


def canonicalize(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, offline and strict."""
    return jsonld.normalize(
        expand_strict(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads",
         "documentLoader": load_document},
    )


def _walk_nodes(value: Any):
    if isinstance(value, list):
        for item in value:
            yield from _walk_nodes(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@value":
                yield from _walk_nodes(item)


def _relative_iris(expanded: list):
    for node in _walk_nodes(expanded):
        for iri in _node_iris(node):
            if not _ABSOLUTE_IRI.match(iri):
                yield iri


def _node_iris(node: dict):
    if isinstance(node.get("@id"), str):
        yield node["@id"]
    types = node.get("@type", [])
    if node.get("@type") != "@json":
        yield from types if isinstance(types, list) else [types]


def _count_blank_nodes(expanded: list) -> int:
    return sum(
        1 for node in _walk_nodes(expanded)
        if not ({"@value", "@list", "@set"} & node.keys())
        and str(node.get("@id", "_:")).startswith("_:")
    )
