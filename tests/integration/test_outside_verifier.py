"""An outside verifier, built on Digital Bazaar's @digitalbazaar/vc as wallets are, verifies
Sabak's credentials fetching keys, the issuer document, the status list and the contexts from
the running app only (tests/verifier/verify.mjs; its packages pinned in its package-lock.json).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from app.credentials import dataintegrity, jsonld
from app.credentials.multikey import generate_keypair
from app.extensions import db
from app.models import Certificate
from app.services import certificates
from tests import factories
from tests.conftest import ROOT
from tests.servers import free_port, gunicorn_servers

VERIFIER = ROOT / "tests" / "verifier"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing in CI: tests/ensure_system_packages.sh installs Debian's nodejs")
        pytest.skip("node is not installed (apt-get install nodejs npm)")
    return node


@pytest.fixture(scope="session")
def verifier() -> list[str]:
    """The command that runs the verifier, its packages installed from the lock file first
    when node_modules is missing or older than package-lock.json."""
    node = _node()
    installed = VERIFIER / "node_modules" / ".package-lock.json"
    lock = VERIFIER / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: apt-get install npm")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(VERIFIER)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail("npm ci failed:\n" + done.stdout + done.stderr)
    return [node, str(VERIFIER / "verify.mjs")]


@pytest.fixture
def served(app, make_course):
    """The app under gunicorn on a loopback port, its base URL the one credentials name, with a
    signing key; yields the base URL. Credentials are issued through the test's app, which
    shares the database with the server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    factories.give_signing_key(app, base_url=base)
    make_course("lib-course", manifest=factories.LIBRARIAN_MANIFEST, modules={"01-intro.md": factories.LESSON})
    factories.make_librarian_track()
    db.session.commit()
    with gunicorn_servers(app.config["SQLALCHEMY_DATABASE_URI"], ports=[port],
                          CREDENTIALS_SIGNING_KEY=app.config["CREDENTIALS_SIGNING_KEY"], SABAK_BASE_URL=base):
        yield base


def issue(name: str = "Айгүл Өмүрбекова") -> Certificate:
    learner = factories.make_user(name=name)
    factories.complete_course(learner, factories.course_named("lib-course"))
    return db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id,
                                                       Certificate.kind == "course"))


def run(verifier, tmp_path, credential: dict, base: str, *flags: str) -> tuple[int, dict]:
    path = tmp_path / f"credential-{len(list(tmp_path.glob('credential-*')))}.json"
    path.write_text(json.dumps(credential, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([*verifier, str(path), base, *flags], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def fetch(url: str) -> tuple[str, dict]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers.get_content_type(), json.load(response)


def test_a_standard_verifier_verifies_an_issued_credential(verifier, served, tmp_path):
    cert = issue()
    _, credential = fetch(f"{served}/certificates/{cert.code}/credential.json")
    code, result = run(verifier, tmp_path, credential, served)
    assert (code, result) == (0, {"verified": True, "revoked": False, "error": None})

    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["creditsEarned"] = 80
    code, result = run(verifier, tmp_path, tampered, served)
    assert code == 1 and result["verified"] is False and "signature" in result["error"].lower()

    certificates.revoke(cert, "Issued by mistake")
    db.session.commit()
    code, result = run(verifier, tmp_path, credential, served)
    assert (code, result["verified"], result["revoked"]) == (2, True, True)


def test_the_verification_method_dereferences_to_a_multikey(served, app):
    """Data Integrity hands the cryptosuite what the verificationMethod URL serves: the Multikey
    with its context and controller, a key the issuer document lists for assertionMethod."""
    cert = issue()
    method = cert.credential["proof"]["verificationMethod"]
    public = app.public_multikey
    assert method == f"{served}/issuer/keys/{public}"
    content_type, key = fetch(method)
    assert content_type == "application/ld+json"
    assert key == {"@context": "https://w3id.org/security/multikey/v1", "id": method, "type": "Multikey",
                   "controller": f"{served}/issuer", "publicKeyMultibase": public}
    _, issuer = fetch(f"{served}/issuer")
    assert issuer["id"] == f"{served}/issuer" and issuer["@context"] == ["https://www.w3.org/ns/cid/v1"]
    assert method in issuer["assertionMethod"] and f"{served}/issuer#{public}" in issuer["assertionMethod"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(f"{served}/issuer/keys/{generate_keypair()[1]}")
    assert missing.value.code == 404


def test_credentials_issued_with_the_old_fragment_id_keep_verifying(verifier, served, tmp_path, app):
    """Credentials signed before keys had URLs of their own name '/issuer#<key>'. No server can
    answer a fragment (HTTP never sends it), so a loader that only fetches gets the whole issuer
    document; a verifier that resolves fragments as Controlled Identifiers 1.0 says finds the key
    there, and so do Sabak's own verification page and the status list check."""
    cert = issue()
    unsigned = {k: v for k, v in cert.credential.items() if k != "proof"}
    old_method = dataintegrity.fragment_method_id(certificates.issuer_id(), app.public_multikey)
    cert.credential = dataintegrity.sign(unsigned, certificates.signing_key(), old_method, cert.issued_at)
    db.session.commit()
    _, credential = fetch(f"{served}/certificates/{cert.code}/credential.json")
    assert credential["proof"]["verificationMethod"] == old_method

    code, result = run(verifier, tmp_path, credential, served, "--resolve-fragments")
    assert (code, result) == (0, {"verified": True, "revoked": False, "error": None})
    code, result = run(verifier, tmp_path, credential, served)
    # What the issue reported: the loader hands the whole issuer document to the cryptosuite.
    assert code == 1 and "must be a Multikey with context" in result["error"]
    assert certificates.verify(cert).signature_ok

    tampered = json.loads(json.dumps(credential))
    tampered["name"] = "Something else"
    code, result = run(verifier, tmp_path, tampered, served, "--resolve-fragments")
    assert code == 1 and result["verified"] is False


def test_the_app_serves_the_contexts_it_signs_with_byte_for_byte(client):
    for url, (name, digest) in jsonld.CONTEXT_FILES.items():
        response = client.get(f"/contexts/{name}")
        assert response.status_code == 200 and response.mimetype == "application/ld+json"
        assert hashlib.sha256(response.data).hexdigest() == digest, url
    assert client.get("/contexts/../config.py").status_code == 404
    assert client.get("/contexts/nothing.jsonld").status_code == 404


def test_retired_keys_keep_their_key_documents(app, client):
    """A key listed in CREDENTIALS_PUBLIC_KEYS after a rotation still dereferences, under both ids,
    so certificates signed with it keep verifying; a key the issuer never had does not."""
    current_secret, current = generate_keypair()
    retired = generate_keypair()[1]
    app.config.update(CREDENTIALS_SIGNING_KEY=current_secret, CREDENTIALS_PUBLIC_KEYS=[retired],
                      SABAK_BASE_URL="https://sabak.example.kg")
    issuer = client.get("/issuer").get_json()
    for key in (current, retired):
        document = client.get(f"/issuer/keys/{key}").get_json()
        assert document["id"] == f"https://sabak.example.kg/issuer/keys/{key}"
        assert document["controller"] == "https://sabak.example.kg/issuer"
        assert {document["id"], f"https://sabak.example.kg/issuer#{key}"} <= set(issuer["assertionMethod"])
    assert client.get(f"/issuer/keys/{generate_keypair()[1]}").status_code == 404
    assert client.get("/issuer/keys/not-a-key").status_code == 404


def test_verifiers_in_a_browser_may_read_everything_a_credential_points_to(served):
    """Web wallets and verifier pages fetch from their own origin; every document the
    verification follows must carry CORS, or the browser hides it from them."""
    cert = issue()
    credential_url = f"{served}/certificates/{cert.code}/credential.json"
    credential = fetch(credential_url)[1]
    urls = [credential_url, credential["issuer"]["id"], credential["proof"]["verificationMethod"],
            credential["credentialStatus"]["statusListCredential"]]
    urls += [f"{served}/contexts/{name}" for name, _digest in jsonld.CONTEXT_FILES.values()]
    for url in urls:
        request = urllib.request.Request(url, headers={"Origin": "https://wallet.example"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers.get("Access-Control-Allow-Origin") == "*", url
            assert "Set-Cookie" not in response.headers, url
