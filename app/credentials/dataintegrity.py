"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C Data Integrity EdDSA v1.0).

sign() and verify() follow the cryptosuite's algorithms: transformation (RDFC-1.0
canonical N-Quads of the document without its proof), proof configuration (the proof
options without proofValue, with the document's @context, canonicalised), hashing
(sha256(proof config) || sha256(document)) and serialisation (Ed25519 over that hash
data, multibase base58btc). Canonicalisation is offline and strict (see jsonld.py).
"""
from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from .jsonld import MULTIKEY_V1, ContextNotAllowed, UnsafeDocument, canonicalize
from .multikey import (
    KeyFormatError, load_private_key, multibase_decode, multibase_encode,
    public_key_from_multikey,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"

PublicKeyResolver = Callable[[str], "bytes | None"]


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of verify(): ok, and a reason a person can read either way."""

    ok: bool
    reason: str
    verification_method: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def format_datetime(value: datetime) -> str:
    """XML Schema dateTime in UTC to the second ('2010-01-01T19:23:24Z'); naive means UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(credential: dict, private_key: Ed25519PrivateKey | str | bytes,
         verification_method: str, created: datetime) -> dict:
    """Return a copy of `credential` with a DataIntegrityProof (eddsa-rdfc-2022, assertionMethod).

    private_key: any form multikey.load_private_key accepts. verification_method: the
    URL a verifier resolves to our public key, e.g. '<issuer id>#<public Multikey>'.
    Raises ValueError if the credential already has a proof, and UnsafeDocument or
    ContextNotAllowed if it cannot be canonicalised without dropping data.
    """
    if "proof" in credential:
        raise ValueError("credential already has a proof; sign the unsigned credential")
    key = load_private_key(private_key)
    proof = {
        "type": PROOF_TYPE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": ASSERTION_METHOD,
    }
    signature = key.sign(hash_data(credential, proof))
    signed = copy.deepcopy(credential)
    signed["proof"] = {**proof, "proofValue": multibase_encode(signature)}
    return signed


def hash_data(unsecured_document: dict, proof_options: dict) -> bytes:
    """The 64 bytes that are signed: sha256(canonical proof config) || sha256(canonical document)."""
    proof_config = {**proof_options, "@context": unsecured_document.get("@context")}
    proof_hash = hashlib.sha256(canonicalize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured_document).encode("utf-8")).digest()
    return proof_hash + document_hash


def verify(signed: dict, resolve_public_key: PublicKeyResolver,
           expected_purpose: str = ASSERTION_METHOD) -> VerificationResult:
    """Check the eddsa-rdfc-2022 proof on `signed`; never raises for bad input.

    resolve_public_key maps the proof's verificationMethod to a raw 32-byte Ed25519
    public key (or None when unknown); see key_resolver(). The verification method
    must belong to the credential's issuer (its URL before '#' is the issuer id).
    """
    try:
        return _verify(signed, resolve_public_key, expected_purpose)
    except (UnsafeDocument, KeyFormatError) as error:
        return VerificationResult(False, str(error))
    except (ContextNotAllowed, JsonLdError) as error:
        return VerificationResult(False, f"cannot process the JSON-LD: {_root_cause(error)}")
    except Exception as error:  # noqa: BLE001 - a verifier must answer, not crash
        return VerificationResult(False, f"malformed credential: {type(error).__name__}: {error}")


def _verify(signed: dict, resolve: PublicKeyResolver, purpose: str) -> VerificationResult:
    if not isinstance(signed, Mapping):
        return VerificationResult(False, "a credential must be a JSON object")
    proof = signed.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    problem = _check_proof_options(proof, purpose)
    if problem:
        return VerificationResult(False, problem)
    method = proof["verificationMethod"]
    if not _belongs_to_issuer(method, signed.get("issuer")):
        return VerificationResult(False, "verification method is not controlled by the issuer", method)
    signature = multibase_decode(proof["proofValue"])
    if len(signature) != 64:
        return VerificationResult(False, "proofValue is not a 64-byte Ed25519 signature", method)
    public_key = resolve(method)
    if public_key is None:
        return VerificationResult(False, f"unknown verification method {method}", method)
    if len(public_key) != 32:
        return VerificationResult(False, "resolved public key is not 32 bytes", method)
    return _check_signature(signed, proof, signature, bytes(public_key), method)


def _check_signature(signed: dict, proof: dict, signature: bytes, public_key: bytes,
                     method: str) -> VerificationResult:
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # The spec: the document's @context must start with the proof's, which then applies.
        unsecured["@context"] = options.pop("@context")
        if not _starts_with(signed.get("@context"), unsecured["@context"]):
            return VerificationResult(False, "proof @context does not match the document's", method)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, hash_data(unsecured, options))
    except InvalidSignature:
        return VerificationResult(
            False, "signature does not match: the credential or its proof was changed, "
                   "or it was signed with another key", method)
    return VerificationResult(True, "signature verified", method)


def _check_proof_options(proof: object, purpose: str) -> str | None:
    if not isinstance(proof, Mapping):
        return "no single proof object on the credential"
    if proof.get("type") != PROOF_TYPE:
        return f"unsupported proof type {proof.get('type')!r} (expected {PROOF_TYPE})"
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return f"unsupported cryptosuite {proof.get('cryptosuite')!r} (expected {CRYPTOSUITE})"
    if proof.get("proofPurpose") != purpose:
        return f"proof purpose {proof.get('proofPurpose')!r} is not {purpose!r}"
    for name in ("verificationMethod", "proofValue"):
        if not isinstance(proof.get(name), str):
            return f"proof has no {name}"
    if "created" in proof and not _is_datetime(proof["created"]):
        return "proof created is not a valid dateTime"
    return None


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _belongs_to_issuer(method: str, issuer: object) -> bool:
    """Whether the method is one of the issuer's: '<issuer>#<fragment>' (a key inside the
    issuer's controlled identifier document) or '<issuer>/keys/<key>' (a key document of its own)."""
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str):
        return False
    if "#" in method:
        return method.split("#", 1)[0] == issuer_id
    prefix = f"{issuer_id}/keys/"
    return method.startswith(prefix) and "/" not in method[len(prefix):] and len(method) > len(prefix)


def _starts_with(document_context: object, proof_context: object) -> bool:
    as_list = lambda c: c if isinstance(c, list) else [c]  # noqa: E731
    doc, prf = as_list(document_context), as_list(proof_context)
    return doc[: len(prf)] == prf


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, JsonLdError):
        return f"{error.type}: {error.details or error.message}"
    return str(error)


def key_resolver(keys: Mapping[str, str | bytes]) -> PublicKeyResolver:
    """A resolver over a fixed table: verification method URL -> public Multikey or raw bytes.

    The platform publishes its keys; the verifier trusts exactly this table.
    """
    def resolve(method: str) -> bytes | None:
        key = keys.get(method)
        if isinstance(key, str):
            return public_key_from_multikey(key)
        return key
    return resolve


MULTIKEY_CONTEXT = MULTIKEY_V1
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"


def verification_method_id(issuer_id: str, public_multikey: str) -> str:
    """The verificationMethod for a key: '<issuer id>/keys/<public Multikey>'.

    Why a URL of its own rather than a fragment of the issuer document: HTTP never sends
    the fragment, so a verifier whose document loader simply fetches the URL (Digital
    Bazaar's @digitalbazaar/vc and every wallet built on it) gets back whatever the path
    serves. At this path that is the key itself, as a Multikey document with its context
    and controller (key_document()), which is what Data Integrity hands to the cryptosuite.
    """
    return f"{issuer_id}/keys/{public_multikey}"


def fragment_method_id(issuer_id: str, public_multikey: str) -> str:
    """The verificationMethod of credentials signed before keys had URLs of their own:
    '<issuer id>#<public Multikey>'. Still published and accepted, so they keep verifying
    with verifiers that resolve fragments as Controlled Identifiers 1.0 describes."""
    return f"{issuer_id}#{public_multikey}"


def method_ids(issuer_id: str, public_multikey: str) -> tuple[str, str]:
    """Every verificationMethod id that names this key: the current form, then the old one."""
    return verification_method_id(issuer_id, public_multikey), fragment_method_id(issuer_id, public_multikey)


def key_document(issuer_id: str, public_multikey: str) -> dict:
    """What dereferencing verification_method_id() yields: the Multikey, with the Multikey
    context (which @digitalbazaar/ed25519-multikey insists on) and its controller, the issuer.
    Raises KeyFormatError if the string is not an Ed25519 public Multikey."""
    public_key_from_multikey(public_multikey)
    return {
        "@context": MULTIKEY_CONTEXT,
        "id": verification_method_id(issuer_id, public_multikey),
        "type": "Multikey",
        "controller": issuer_id,
        "publicKeyMultibase": public_multikey,
    }


def controller_document(issuer_id: str, public_multikeys: list[str]) -> dict:
    """What the platform serves at issuer_id so others can find its keys (W3C Controlled
    Identifiers 1.0): each key as a Multikey allowed for assertionMethod, under both of its
    ids (method_ids()), so credentials signed with either form verify. List retired keys
    too, so certificates signed with them keep verifying.
    """
    methods = [
        {"id": method_id, "type": "Multikey", "controller": issuer_id, "publicKeyMultibase": key}
        for key in public_multikeys
        for method_id in method_ids(issuer_id, key)
    ]
    return {
        "@context": [CID_CONTEXT],
        "id": issuer_id,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
