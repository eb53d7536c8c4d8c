"""Revocation as a W3C Bitstring Status List: one signed credential holds a bit per certificate.

Why a bitstring: a verifier learns whether one certificate was revoked without the
platform learning which certificate is being checked, and the list is just one more
credential signed with dataintegrity.sign(). Index i is bit i counted from the most
significant bit of the first byte; the list is at least 16 KiB (131,072 entries) so
that a single list does not single anyone out.
"""
from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime

from .dataintegrity import format_datetime
from .jsonld import CREDENTIALS_V2, expand_strict

MIN_ENTRIES = 131_072


def encode_bitstring(revoked: Iterable[int], size: int = MIN_ENTRIES) -> str:
    """encodedList: multibase base64url ('u', no padding) of the GZIP-compressed bitstring."""
    if size < MIN_ENTRIES or size % 8:
        raise ValueError(f"size must be a multiple of 8 and at least {MIN_ENTRIES}")
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list of {size}")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: same list, same bytes
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def is_set(encoded_list: str, index: int) -> bool:
    """Whether bit `index` is set in an encodedList; raises ValueError if it cannot be read."""
    if not encoded_list.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    body = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_status_list_credential(*, list_url: str, issuer_id: str, revoked: Iterable[int],
                                 valid_from: datetime, size: int = MIN_ENTRIES) -> dict:
    """An unsigned BitstringStatusListCredential for revocation; sign it like a badge."""
    credential = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked, size),
        },
    }
    expand_strict(credential)
    return credential


def is_revoked(credential: dict, status_list: dict) -> bool:
    """Whether `credential`'s BitstringStatusListEntry is set in `status_list` (already verified).

    Raises ValueError if the list is not the one the credential points at.
    """
    entry = credential["credentialStatus"]
    subject = status_list["credentialSubject"]
    if entry["statusListCredential"] != status_list.get("id"):
        raise ValueError("this status list is not the one the credential names")
    if subject.get("statusPurpose") != entry.get("statusPurpose"):
        raise ValueError("status purpose differs between the entry and the list")
    return is_set(subject["encodedList"], int(entry["statusListIndex"]))
