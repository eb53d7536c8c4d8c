"""Open Badges 3.0 credentials with eddsa-rdfc-2022 proofs, against the spec's own test vector."""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pyld import jsonld

from app.credentials import jsonld as offline
from app.credentials.dataintegrity import (
    controller_document, key_document, key_resolver, sign, verification_method_id, verify,
)
from app.credentials.multikey import (
    KeyFormatError, b58decode, b58encode, generate_keypair, load_private_key,
    multikey_from_public_key, public_key_from_multikey,
)
from app.credentials.openbadges import build_achievement_credential, holder_name
from app.credentials.status import (
    build_status_list_credential, encode_bitstring, is_revoked, is_set,
)

SPEC = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "openbadges" / (
    "1edtech-openbadges-specification")
needs_spec = pytest.mark.skipif(
    not SPEC.is_dir(), reason=f"shared Open Badges test data not found at {SPEC}")

# Published in the OB 3.0 spec's Linked Data Proof test vector (see SOURCES.md): test keys.
SPEC_PUBLIC_HEX = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
SPEC_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SPEC_PRIVATE_HEX = ("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
                    + SPEC_PUBLIC_HEX)
SPEC_METHOD = "https://example.edu/issuers/565049#" + SPEC_MULTIKEY
SPEC_CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=timezone.utc)
SPEC_PROOF_VALUE = ("z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSb"
                    "z35HcbgXVEDYHxCzgkCr")
SPEC_RESOLVER = key_resolver({SPEC_METHOD: SPEC_MULTIKEY})


def spec_signed() -> dict:
    return json.loads((SPEC / "signedOpenBadgeCredential.eddsa-rdfc-2022.json").read_text())


def spec_unsigned() -> dict:
    return {k: v for k, v in spec_signed().items() if k != "proof"}


# --- keys and base58 -------------------------------------------------------------------

def test_spec_public_key_is_its_multikey():
    assert multikey_from_public_key(bytes.fromhex(SPEC_PUBLIC_HEX)) == SPEC_MULTIKEY
    assert public_key_from_multikey(SPEC_MULTIKEY).hex() == SPEC_PUBLIC_HEX


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\x01", b"hello", bytes(range(256))])
def test_base58_round_trip(data):
    assert b58decode(b58encode(data)) == data


def test_generated_keypair_round_trips():
    secret, public = generate_keypair()
    assert secret.startswith("z3u2") and public.startswith("z6Mk")
    key = load_private_key(secret)
    assert key.public_key().public_bytes_raw() == public_key_from_multikey(public)
    assert multikey_from_public_key(public_key_from_multikey(public)) == public


@pytest.mark.parametrize("bad", ["6MkjZRZ", "z0OIl", "zabc", "m" + SPEC_MULTIKEY[1:]])
def test_bad_multikeys_are_refused(bad):
    with pytest.raises(KeyFormatError):
        public_key_from_multikey(bad)


# --- the spec's test vector ------------------------------------------------------------

@needs_spec
def test_shipped_contexts_are_the_spec_files_byte_for_byte():
    for url, (name, digest) in offline.CONTEXT_FILES.items():
        shipped = (Path(offline.__file__).parent / "contexts" / name).read_bytes()
        assert hashlib.sha256(shipped).hexdigest() == digest
    assert (Path(offline.__file__).parent / "contexts" / "ob-v3p0-context-3.0.3.json"
            ).read_bytes() == (SPEC / "contexts" / "ob-v3p0-context-3.0.3.json").read_bytes()
    assert (Path(offline.__file__).parent / "contexts" / "credentials-v2.jsonld"
            ).read_bytes() == (SPEC / "contexts" / "w3c-credentials-v2.jsonld").read_bytes()


@needs_spec
def test_canonical_document_equals_the_spec_nquads():
    expected = (SPEC / "test-vectors" / "document-canon.nq").read_text(encoding="utf-8")
    assert offline.canonicalize(spec_unsigned()) == expected


@needs_spec
def test_canonical_proof_config_equals_the_spec_nquads():
    signed = spec_signed()
    proof_config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    proof_config["@context"] = signed["@context"]
    expected = (SPEC / "test-vectors" / "proof-canon.nq").read_text(encoding="utf-8")
    assert offline.canonicalize(proof_config) == expected


@needs_spec
def test_spec_signed_example_verifies():
    result = verify(spec_signed(), SPEC_RESOLVER)
    assert result.ok, result.reason
    assert result.verification_method == SPEC_METHOD


@needs_spec
def test_signing_reproduces_the_spec_proof_exactly():
    signed = sign(spec_unsigned(), bytes.fromhex(SPEC_PRIVATE_HEX), SPEC_METHOD, SPEC_CREATED)
    assert signed["proof"]["proofValue"] == SPEC_PROOF_VALUE
    assert signed == spec_signed()


def _set_name(doc): doc["name"] = "Teamwork Badge!"
def _set_credits(doc): doc["credentialSubject"]["creditsEarned"] = 40
def _set_created(doc): doc["proof"]["created"] = "2010-01-01T19:23:25Z"
def _add_field(doc): doc["credentialSubject"]["achievement"]["humanCode"] = "TW-1"
def _set_subject(doc): doc["credentialSubject"]["id"] = "did:example:someone-else"
def _add_undefined(doc): doc["holderNickname"] = "Eve"
def _set_method(doc): doc["proof"]["verificationMethod"] = SPEC_METHOD + "x"
def _set_suite(doc): doc["proof"]["cryptosuite"] = "eddsa-jcs-2022"
def _set_purpose(doc): doc["proof"]["proofPurpose"] = "authentication"
def _bad_value(doc): doc["proof"]["proofValue"] = "z0OIl"
def _short_value(doc): doc["proof"]["proofValue"] = "z" + b58encode(b"\x01" * 63)
def _base64_value(doc): doc["proof"]["proofValue"] = "u" + doc["proof"]["proofValue"][1:]
def _no_proof(doc): del doc["proof"]
def _other_context(doc): doc["@context"].append("https://example.com/evil-context.json")
def _other_issuer(doc): doc["issuer"]["id"] = "https://evil.example/issuers/1"


@needs_spec
@pytest.mark.parametrize("tamper, reason", [
    (_set_name, "signature does not match"),
    (_set_credits, "signature does not match"),
    (_set_created, "signature does not match"),
    (_add_field, "signature does not match"),
    (_set_subject, "signature does not match"),
    (_add_undefined, "undefined terms"),
    (_set_method, "unknown verification method"),
    (_set_suite, "unsupported cryptosuite"),
    (_set_purpose, "proof purpose"),
    (_bad_value, "invalid base58"),
    (_short_value, "64-byte"),
    (_base64_value, "base58btc"),
    (_no_proof, "no single proof"),
    (_other_context, "not shipped"),
    (_other_issuer, "not controlled by the issuer"),
])
def test_tampered_copies_fail_with_a_reason(tamper, reason):
    doc = spec_signed()
    tamper(doc)
    result = verify(doc, SPEC_RESOLVER)
    assert not result.ok
    assert reason in result.reason


@needs_spec
def test_wrong_key_fails():
    _, other_public = generate_keypair()
    result = verify(spec_signed(), key_resolver({SPEC_METHOD: other_public}))
    assert not result.ok and "signature does not match" in result.reason


@pytest.mark.parametrize("junk", [None, [], "credential", 42, {"proof": 5}, {"proof": {}}])
def test_junk_never_raises(junk):
    assert not verify(junk, SPEC_RESOLVER).ok


@needs_spec
def test_a_resolver_that_raises_gives_a_failed_result():
    def broken(method):
        raise RuntimeError("key store down")
    result = verify(spec_signed(), broken)
    assert not result.ok and "key store down" in result.reason


# --- the offline document loader -------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://example.com/context.json", "http://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json", "file:///etc/passwd",
])
def test_loader_refuses_other_urls(url):
    with pytest.raises(offline.ContextNotAllowed):
        offline.load_document(url, {})


def test_loader_serves_the_shipped_contexts():
    for url in offline.CONTEXT_FILES:
        assert "@context" in offline.load_document(url, {})["document"]


def test_canonicalize_never_reaches_the_network(monkeypatch):
    def no_network(url, options=None):
        raise AssertionError(f"pyld tried its default loader for {url}")
    monkeypatch.setattr(jsonld, "_default_document_loader", no_network)
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/x.json"],
           "id": "urn:x", "type": ["VerifiableCredential"]}
    with pytest.raises(jsonld.JsonLdError) as caught:
        offline.canonicalize(doc)
    assert isinstance(caught.value.__cause__, offline.ContextNotAllowed) or "not shipped" in str(
        caught.value.__cause__ or caught.value)


# --- our own credentials ---------------------------------------------------------------

def sabak_credential(**changes) -> dict:
    fields = dict(
        credential_id="https://sabak.kg/credentials/7f3a",
        issuer_id="https://sabak.kg/issuer", issuer_name="Сабак", issuer_url="https://sabak.kg",
        recipient_id="urn:uuid:8e4c9a3c-1a43-4b8a-9f4e-4a1c2c3d4e5f",
        recipient_name="Айгүл Өмүрбекова",
        achievement_id="https://sabak.kg/courses/media-literacy",
        achievement_name="Медиа сабаттуулук: маалыматты текшерүү",
        achievement_description="Жаңылыктарды жана булактарды текшерүүнү үйрөнгөн курс.",
        criteria_narrative="Бардык модулдарды бүтүрүп, тесттерден 70% ашык алуу.",
        hours=12.5, issued_on=datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), language="ky",
    )
    fields.update(changes)
    return build_achievement_credential(**fields)


def test_built_credential_has_the_ob3_shape():
    credential = sabak_credential(status_url="https://sabak.kg/credentials/status/1",
                                  status_index=42,
                                  valid_until=datetime(2031, 11, 23, tzinfo=timezone.utc))
    assert credential["@context"] == [offline.CREDENTIALS_V2, offline.OB_V3P0_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"] == "2026-11-23T10:00:00Z"
    assert credential["validUntil"] == "2031-11-23T00:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["creditsEarned"] == 12.5
    assert subject["achievement"]["creditsAvailable"] == 12.5
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["inLanguage"] == "ky"
    assert holder_name(credential) == "Айгүл Өмүрбекова"
    assert credential["credentialStatus"]["statusListIndex"] == "42"


def _leaf_count(value) -> int:
    if isinstance(value, dict):
        return sum(_leaf_count(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_leaf_count(v) for v in value)
    return 1


def test_no_term_of_our_credential_is_dropped_by_expansion():
    """Every JSON leaf survives expansion: a term the contexts do not define would vanish."""
    credential = sabak_credential(status_url="https://sabak.kg/status/1", status_index=3,
                                  valid_until=datetime(2031, 1, 1))
    dropped = []
    expanded = jsonld.JsonLdProcessor(on_property_dropped=dropped.append).expand(
        credential, {"documentLoader": offline.load_document, "base": None})
    assert dropped == []
    assert _expanded_leaf_count(expanded) == _leaf_count(credential)
    assert all(iri.startswith(("http", "urn")) for iri in _types(expanded))


def _expanded_leaf_count(value) -> int:
    """Leaves of expanded JSON-LD: values, ids and node types (not a value's datatype)."""
    if isinstance(value, list):
        return sum(_expanded_leaf_count(v) for v in value)
    if not isinstance(value, dict):
        return 1
    if "@value" in value:
        return 1
    return sum(len(v) if k == "@type" else _expanded_leaf_count(v) for k, v in value.items())


def _types(value):
    if isinstance(value, dict):
        yield from (value.get("@type") or []) if isinstance(value.get("@type"), list) else []
        for item in value.values():
            yield from _types(item)
    elif isinstance(value, list):
        for item in value:
            yield from _types(item)


def test_whole_hours_are_written_as_integers():
    credential = sabak_credential(hours=12.0)
    assert credential["credentialSubject"]["creditsEarned"] == 12
    assert isinstance(credential["credentialSubject"]["creditsEarned"], int)


@pytest.mark.parametrize("changes", [
    {"hours": 0}, {"hours": -1}, {"hours": float("nan")}, {"language": "de"},
    {"recipient_id": "student-42"}, {"status_url": "https://sabak.kg/s", "status_index": None},
])
def test_bad_input_is_refused(changes):
    with pytest.raises(ValueError):
        sabak_credential(**changes)


@pytest.mark.parametrize("name, language", [
    ("Айгүл Өмүрбекова", "ky"), ("Нурлан Үсөнбаев-Ыңгайлуу", "ky"),
    ("Анна Сергеевна Иванова", "ru"), ("Aigul Omurbekova", "en"),
])
def test_our_credential_signs_and_verifies_round_trip(name, language):
    secret, public = generate_keypair()
    method = f"https://sabak.kg/issuer#{public}"
    credential = sabak_credential(recipient_name=name, language=language)
    signed = sign(credential, secret, method, datetime(2026, 11, 23, 10, 5, 7, 123456))
    assert signed["proof"]["created"] == "2026-11-23T10:05:07Z"
    resolver = key_resolver({method: public})
    assert verify(signed, resolver).ok
    # Survives a trip through JSON text, as a download does.
    assert verify(json.loads(json.dumps(signed, ensure_ascii=False)), resolver).ok
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = name + "а"
    assert not verify(tampered, resolver).ok
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["creditsEarned"] = 125
    assert not verify(tampered, resolver).ok


def test_names_are_stored_in_nfc():
    import unicodedata
    decomposed = unicodedata.normalize("NFD", "Йыгач Ёлкин")
    assert decomposed != "Йыгач Ёлкин"
    assert holder_name(sabak_credential(recipient_name=decomposed)) == "Йыгач Ёлкин"


@needs_spec
def test_a_proof_that_repeats_the_document_context_still_verifies():
    doc = spec_signed()
    doc["proof"]["@context"] = list(doc["@context"])
    assert verify(doc, SPEC_RESOLVER).ok
    doc["proof"]["@context"] = ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    result = verify(doc, SPEC_RESOLVER)
    assert not result.ok and "@context" in result.reason


@needs_spec
@pytest.mark.parametrize("created", ["yesterday", 20100101, ""])
def test_an_invalid_created_is_refused(created):
    doc = spec_signed()
    doc["proof"]["created"] = created
    result = verify(doc, SPEC_RESOLVER)
    assert not result.ok and "created" in result.reason


def test_signing_twice_is_refused():
    secret, public = generate_keypair()
    signed = sign(sabak_credential(), secret, "https://sabak.kg/issuer#" + public,
                  datetime(2026, 11, 23))
    with pytest.raises(ValueError):
        sign(signed, secret, "https://sabak.kg/issuer#" + public, datetime(2026, 11, 23))


def test_pem_and_raw_private_keys_sign_the_same():
    from cryptography.hazmat.primitives import serialization
    key = load_private_key(generate_keypair()[0])
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    raw = key.private_bytes_raw()
    credential, when = sabak_credential(), datetime(2026, 11, 23)
    proofs = {sign(credential, k, "https://sabak.kg/issuer#k", when)["proof"]["proofValue"]
              for k in (key, pem, raw)}
    assert len(proofs) == 1


def test_controller_document_lists_the_keys_for_assertion():
    keys = [generate_keypair()[1], generate_keypair()[1]]
    document = controller_document("https://sabak.kg/issuer", keys)
    methods = {m["id"]: m["publicKeyMultibase"] for m in document["verificationMethod"]}
    assert document["assertionMethod"] == list(methods)
    # Each key under both ids: its own URL (new credentials) and the fragment older ones name.
    assert methods == {method: k for k in keys for method in (
        f"https://sabak.kg/issuer/keys/{k}", f"https://sabak.kg/issuer#{k}")}
    assert all(m["controller"] == "https://sabak.kg/issuer" and m["type"] == "Multikey"
               for m in document["verificationMethod"])


def test_the_key_document_is_a_multikey_with_its_context_and_controller():
    """What a Data Integrity verifier gets by fetching the proof's verificationMethod URL."""
    key = generate_keypair()[1]
    method = verification_method_id("https://sabak.kg/issuer", key)
    assert method == f"https://sabak.kg/issuer/keys/{key}"
    assert key_document("https://sabak.kg/issuer", key) == {
        "@context": "https://w3id.org/security/multikey/v1", "id": method, "type": "Multikey",
        "controller": "https://sabak.kg/issuer", "publicKeyMultibase": key}
    with pytest.raises(KeyFormatError):
        key_document("https://sabak.kg/issuer", "z6Mk-not-a-key")


@pytest.mark.parametrize("method, ok", [
    ("https://sabak.kg/issuer/keys/{key}", True),
    ("https://sabak.kg/issuer#{key}", True),
    ("https://sabak.kg/issuer/keys/{key}/more", False),
    ("https://sabak.kg/issuer/keys/", False),
    ("https://sabak.kg/issuerx/keys/{key}", False),
    ("https://sabak.kg/other/keys/{key}", False),
    ("https://evil.example/issuer/keys/{key}", False),
])
def test_only_methods_under_the_issuer_verify(method, ok):
    """Both id forms under the issuer are the issuer's; nothing else is, even with the right key."""
    secret, public = generate_keypair()
    method = method.format(key=public)
    signed = sign(sabak_credential(), secret, method, datetime(2026, 11, 23))
    assert verify(signed, key_resolver({method: public})).ok is ok


# --- revocation (Bitstring Status List) -------------------------------------------------

def test_bitstring_bits_count_from_the_most_significant_bit():
    encoded = encode_bitstring([0, 9, 131_071])
    assert encoded.startswith("u") and "=" not in encoded
    assert [i for i in range(16) if is_set(encoded, i)] == [0, 9]
    assert is_set(encoded, 131_071) and not is_set(encoded, 131_070)
    assert encode_bitstring([5]) == encode_bitstring([5])  # reproducible bytes


@pytest.mark.parametrize("revoked, size", [([131_072], 131_072), ([], 1000), ([-1], 131_072)])
def test_bad_bitstrings_are_refused(revoked, size):
    with pytest.raises(ValueError):
        encode_bitstring(revoked, size)


def test_a_signed_status_list_revokes_one_credential():
    secret, public = generate_keypair()
    method = verification_method_id("https://sabak.kg/issuer", public)
    list_url = "https://sabak.kg/credentials/status/1"
    status_list = sign(build_status_list_credential(
        list_url=list_url, issuer_id="https://sabak.kg/issuer", revoked=[42],
        valid_from=datetime(2026, 11, 23)), secret, method, datetime(2026, 11, 23))
    assert verify(status_list, key_resolver({method: public})).ok
    revoked = sabak_credential(status_url=list_url, status_index=42)
    kept = sabak_credential(status_url=list_url, status_index=43)
    assert is_revoked(revoked, status_list) and not is_revoked(kept, status_list)
    with pytest.raises(ValueError):
        is_revoked(sabak_credential(status_url=list_url + "x", status_index=1), status_list)


def test_documents_with_very_many_blank_nodes_are_refused_before_canonicalisation():
    """RDFC-1.0 can be driven exponential by crafted blank nodes; we cap them instead."""
    credential = sabak_credential()
    credential["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://example.org/x"}
    ] * (offline.MAX_BLANK_NODES + 1)
    with pytest.raises(offline.UnsafeDocument, match="blank nodes"):
        offline.canonicalize(credential)
    _, public = generate_keypair()
    assert offline.MAX_BLANK_NODES > 3  # our own credentials have 2
    result = verify({**credential, "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod", "proofValue": "z" + b58encode(bytes(64)),
        "verificationMethod": "https://sabak.kg/issuer#" + public}},
        key_resolver({"https://sabak.kg/issuer#" + public: public}))
    assert not result.ok and "blank nodes" in result.reason


# --- the achievement's creator (a course's authors and reviewers) ------------------------------

CREATOR = {"id": "https://sabak.kg/courses/media-literacy#creator", "name": "Sabak окуу программаларынын командасы",
           "url": "https://sabak.kg/team",
           "description": "Авторлор: Sabak окуу программаларынын командасы. Рецензенттер: Айгүл Өмүрбекова (КУУ)."}


def test_the_creator_is_an_ob3_profile_whose_every_term_survives_expansion():
    credential = sabak_credential(creator=CREATOR)
    creator = credential["credentialSubject"]["achievement"]["creator"]
    assert creator == {**CREATOR, "type": ["Profile"]}
    dropped = []
    expanded = jsonld.JsonLdProcessor(on_property_dropped=dropped.append).expand(
        credential, {"documentLoader": offline.load_document, "base": None})
    assert dropped == [] and _expanded_leaf_count(expanded) == _leaf_count(credential)


def test_a_credential_with_a_creator_signs_and_verifies_and_the_creator_is_signed():
    secret, public = generate_keypair()
    method = f"https://sabak.kg/issuer#{public}"
    signed = sign(sabak_credential(creator=CREATOR), secret, method, datetime(2026, 12, 8, 0, 5))
    resolver = key_resolver({method: public})
    assert verify(signed, resolver).ok
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["creator"]["description"] += " Рецензенттер: X."
    assert not verify(tampered, resolver).ok


@pytest.mark.parametrize("creator", [
    {"id": "not an iri", "name": "A"}, {"id": "sabak-team", "name": "A"},
    {"id": "https://sabak.kg/c#creator", "name": "  "},
])
def test_a_bad_creator_is_refused(creator):
    with pytest.raises(ValueError):
        sabak_credential(creator=creator)
