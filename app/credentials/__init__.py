"""Continuing-education credentials as plain Python: Open Badges 3.0 and PDF certificates.

No Flask and no database here: the services build on these functions.

- openbadges.build_achievement_credential(...) -> unsigned OpenBadgeCredential (dict)
- dataintegrity.sign(credential, private_key, verification_method, created) -> signed dict
- dataintegrity.verify(signed, resolve_public_key) -> VerificationResult(ok, reason)
- multikey.generate_keypair() -> (secretKeyMultibase, public Multikey)
- status.build_status_list_credential(...) / status.is_revoked(...): revocation
- pdf.render_certificate_pdf(...) -> PDF bytes with a QR code to the verification page

See README.md in this folder for the whole API and the choices behind it.
"""
from .dataintegrity import (
    VerificationResult, controller_document, fragment_method_id, key_document, key_resolver,
    method_ids, sign, verification_method_id, verify,
)
from .multikey import (
    generate_keypair, load_private_key, multikey_from_public_key, public_key_from_multikey,
)
from .openbadges import build_achievement_credential, holder_name

__all__ = [
    "VerificationResult", "build_achievement_credential", "controller_document",
    "fragment_method_id", "generate_keypair", "holder_name", "key_document", "key_resolver",
    "load_private_key", "method_ids", "multikey_from_public_key", "public_key_from_multikey",
    "sign", "verification_method_id", "verify",
]
