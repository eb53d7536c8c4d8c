"""`flask credentials init-key` never replaces a key by accident, and a deliberate rotation
(--force) keeps every certificate signed with the old key verifying, on every host."""
from __future__ import annotations

from sqlalchemy import select

from app.credentials import dataintegrity
from app.credentials.multikey import generate_keypair
from app.extensions import db
from app.models import Certificate
from app.services import certificates
from tests import factories


def without_key_settings(app, tmp_path):
    """As in a shell where neither key variable is set, and the instance folder holds no key."""
    app.config.update(CREDENTIALS_SIGNING_KEY=None, CREDENTIALS_SIGNING_KEY_FILE=None)
    app.instance_path = str(tmp_path / "instance")


def test_init_key_refuses_to_overwrite_the_file_it_is_given(app, runner, tmp_path):
    without_key_settings(app, tmp_path)
    live = tmp_path / "etc" / "signing-key.txt"
    live.parent.mkdir()
    live.write_text(generate_keypair()[0] + "\n")
    before = live.read_text()
    result = runner.invoke(args=["credentials", "init-key", "--file", str(live)])
    assert result.exit_code != 0
    assert "refusing to replace it" in result.output and "--force" in result.output and "rotate" in result.output
    assert live.read_text() == before
    # --if-missing leaves it alone and succeeds, as `make run` expects.
    assert runner.invoke(args=["credentials", "init-key", "--if-missing", "--file", str(live)]).exit_code == 0
    assert live.read_text() == before
    assert not list(live.parent.glob("*.retired-*"))


def test_init_key_refuses_to_replace_a_configured_key_even_in_another_file(app, runner, tmp_path):
    app.config.update(CREDENTIALS_SIGNING_KEY=generate_keypair()[0])
    result = runner.invoke(args=["credentials", "init-key", "--file", str(tmp_path / "new.txt")])
    assert result.exit_code != 0 and "already configured" in result.output
    assert not (tmp_path / "new.txt").exists()


def _issue_certificate(tmp_path) -> Certificate:
    course = factories.make_course(tmp_path / "courses", "rotating", modules={"01-intro.md": factories.LESSON})
    learner = factories.make_user()
    factories.complete_course(learner, course)
    return db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id))


def test_a_rotation_keeps_the_old_certificates_verifying(app, client, runner, tmp_path):
    without_key_settings(app, tmp_path)
    key_file = tmp_path / "etc" / "signing-key.txt"
    app.config.update(CREDENTIALS_SIGNING_KEY_FILE=str(key_file))
    assert runner.invoke(args=["credentials", "init-key"]).exit_code == 0
    old_secret = key_file.read_text().strip()
    old_public = certificates.public_key_of(old_secret)
    old_cert = _issue_certificate(tmp_path)
    old_badge = client.get(f"/certificates/{old_cert.code}/credential.json").get_json()
    assert old_badge["proof"]["verificationMethod"].endswith("/issuer/keys/" + old_public)

    result = runner.invoke(args=["credentials", "init-key", "--force", "--file", str(key_file)])
    assert result.exit_code == 0, result.output
    new_public = certificates.public_key_of(key_file.read_text().strip())
    assert new_public != old_public and oct(key_file.stat().st_mode)[-3:] == "600"
    # The old secret is kept beside it, renamed, never destroyed.
    (kept,) = key_file.parent.glob("signing-key.txt.retired-*")
    assert kept.read_text().strip() == old_secret
    from app.models import SigningKey

    rows = {row.public_key: row.retired_at is not None for row in db.session.scalars(select(SigningKey))}
    assert rows == {old_public: True, new_public: False}

    # The old certificate verifies, on its page and against the published keys.
    assert certificates.verify(old_cert).signature_ok is True
    assert "verified (Ed25519" in client.get(f"/certificates/{old_cert.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    issuer = client.get("/issuer").get_json()
    published = {vm["id"]: vm["publicKeyMultibase"] for vm in issuer["verificationMethod"]}
    assert set(published.values()) == {old_public, new_public}
    assert dataintegrity.verify(old_badge, dataintegrity.key_resolver(published)).ok
    # New certificates are signed with the new key, and verify too.
    new_cert = _issue_certificate(tmp_path)
    assert new_cert.credential["proof"]["verificationMethod"].endswith("/issuer/keys/" + new_public)
    assert certificates.verify(new_cert).signature_ok is True
    # A host that still has the old key file verifies the new certificates: it reads the new key
    # from the database.
    app.config.update(CREDENTIALS_SIGNING_KEY=old_secret)
    assert certificates.verify(new_cert).signature_ok is True and certificates.verify(old_cert).signature_ok is True

    # A second rotation keeps both earlier keys.
    app.config.update(CREDENTIALS_SIGNING_KEY=None)
    assert runner.invoke(args=["credentials", "init-key", "--force"]).exit_code == 0
    assert {old_public, new_public} < set(certificates.public_keys())
    assert certificates.verify(old_cert).signature_ok and certificates.verify(new_cert).signature_ok


def test_force_will_not_replace_a_file_that_is_not_a_key(app, runner, tmp_path):
    without_key_settings(app, tmp_path)
    other = tmp_path / "notes.txt"
    other.write_text("not a key\n")
    result = runner.invoke(args=["credentials", "init-key", "--force", "--file", str(other)])
    assert result.exit_code != 0 and "does not hold a key" in result.output
    assert other.read_text() == "not a key\n"
