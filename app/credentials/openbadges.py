"""Open Badges 3.0 OpenBadgeCredential for a completed course: plain dicts in, a dict out.

The credential is a W3C Verifiable Credential 2.0 whose every term is defined by the
two shipped contexts (credentials v2, OB v3p0 3.0.3); build_achievement_credential
checks that by strict expansion, so nothing is silently left out of a signature.
"""
from __future__ import annotations

import math
import unicodedata
from datetime import datetime

from .dataintegrity import format_datetime
from .jsonld import CREDENTIALS_V2, OB_V3P0_CONTEXT, expand_strict

LANGUAGES = ("ru", "ky", "en")
# OB 3.0 AchievementType and IdentifierType enumeration values we use.
ACHIEVEMENT_TYPE = "CertificateOfCompletion"
IDENTITY_TYPE_NAME = "name"


def build_achievement_credential(
    *, credential_id: str, issuer_id: str, issuer_name: str, issuer_url: str,
    recipient_id: str, recipient_name: str, achievement_id: str, achievement_name: str,
    achievement_description: str, criteria_narrative: str, hours: float,
    issued_on: datetime, language: str, valid_until: datetime | None = None,
    status_url: str | None = None, status_index: int | None = None,
    creator: dict | None = None,
) -> dict:
    """An unsigned OpenBadgeCredential for `hours` of continuing education; pass it to sign().

    credential_id, issuer_id, recipient_id, achievement_id: absolute IRIs (for a learner,
    e.g. 'urn:uuid:...', which reveals nothing). The holder's name travels, unhashed,
    as an OB IdentityObject of identityType 'name', because OB 3.0's AchievementSubject
    has no name property and a certificate must say whose it is. hours go into both
    achievement.creditsAvailable and credentialSubject.creditsEarned. language (ru, ky,
    en) is the language of the names and texts. status_url and status_index, if given,
    point at this credential's bit in a W3C Bitstring Status List credential (revocation).
    creator, if given, is who made the achievement (a course's authors): a dict with ``id``
    (an absolute IRI), ``name`` and optionally ``url`` and ``description``; it becomes the
    achievement's ``creator`` Profile (see :func:`creator_profile`).
    Raises ValueError on bad input, UnsafeDocument if a value makes a term undefined.

    Why no credentialSchema, 1EdTechRevocationList or awardedDate: the OB examples use
    them, but no shipped context defines those types, and context 3.0.3 types
    awardedDate with an undeclared 'xsd:' prefix; canonicalisation would drop them or
    produce a bogus IRI. Every term here is one the contexts define properly.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    # NFC: the same name typed on two keyboards (й as one code point or as и + breve)
    # must give the same signed bytes.
    issuer_name, recipient_name, achievement_name, achievement_description, criteria_narrative = (
        unicodedata.normalize("NFC", text) for text in (
            issuer_name, recipient_name, achievement_name, achievement_description,
            criteria_narrative))
    credits = _credits(hours)
    achievement = _achievement(achievement_id, achievement_name, achievement_description,
                               criteria_narrative, credits, language)
    if creator is not None:
        achievement["creator"] = creator_profile(**creator)
    credential = {
        "@context": [CREDENTIALS_V2, OB_V3P0_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name, "url": issuer_url},
        "validFrom": format_datetime(issued_on),
        "credentialSubject": _subject(recipient_id, recipient_name, credits, achievement),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    if status_url is not None:
        credential["credentialStatus"] = status_entry(status_url, status_index)
    expand_strict(credential)  # raises UnsafeDocument if any term or IRI would be dropped
    return credential


def creator_profile(*, id: str, name: str, url: str | None = None,  # noqa: A002 - the OB term
                    description: str | None = None) -> dict:
    """The OB 3.0 ``Profile`` of an achievement's creator.

    Why one Profile for several people: OB 3.0 gives an Achievement one ``creator`` (0..1) and
    no contributor or reviewer property, so a course written by several authors is one creator
    named after all of them, and who they are and who reviewed the course go into its
    ``description``, a property every verifier shows. id must be an absolute IRI (an ORCID
    record, or the achievement's own IRI with a fragment); texts are stored in NFC.
    """
    if not isinstance(id, str) or ":" not in id or any(c.isspace() for c in id):
        raise ValueError("the creator's id must be an absolute IRI")
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValueError("the creator needs a name")
    profile = {"id": id, "type": ["Profile"], "name": name}
    if url:
        profile["url"] = url
    if description:
        profile["description"] = unicodedata.normalize("NFC", description)
    return profile


def status_entry(status_list_url: str, index: int | None) -> dict:
    """A BitstringStatusListEntry (W3C Bitstring Status List v1.0) for revocation."""
    if not isinstance(index, int) or index < 0:
        raise ValueError("status_index must be a non-negative int when status_url is given")
    return {
        "id": f"{status_list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": status_list_url,
    }


def _achievement(achievement_id: str, name: str, description: str, narrative: str,
                 credits: float | int, language: str) -> dict:
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": name,
        "description": description,
        "criteria": {"narrative": narrative},
        "creditsAvailable": credits,
        "inLanguage": language,
    }


def _subject(recipient_id: str, recipient_name: str, credits: float | int,
             achievement: dict) -> dict:
    return {
        "id": recipient_id,
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityHash": recipient_name,
            "identityType": IDENTITY_TYPE_NAME,
            "hashed": False,
        }],
        "creditsEarned": credits,
        "achievement": achievement,
    }


def _credits(hours: float) -> float | int:
    """Hours as a JSON number; whole hours as an int.

    Why: JSON-LD canonicalises a number by its value, but a JSON parser in another
    language may read 12.0 as 12; an int keeps the JSON text itself unambiguous.
    """
    value = float(hours)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("hours must be a positive finite number")
    return int(value) if value.is_integer() else value


def holder_name(credential: dict) -> str | None:
    """The holder's name as build_achievement_credential records it, or None."""
    subject = credential.get("credentialSubject") or {}
    for entry in subject.get("identifier") or []:
        if entry.get("identityType") == IDENTITY_TYPE_NAME and not entry.get("hashed"):
            return entry.get("identityHash")
    return None
