"""Certificates: issued on course completion and on reaching a track level; anyone can verify.

Each certificate is also an Open Badges 3.0 credential signed with the platform's Ed25519 key
(configured, never generated on the fly: ``flask credentials init-key``). Revocation is public at
once: the verification page reads the row, and the signed status list the badge points to is
built from the rows on every request.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.credentials import dataintegrity, multikey, openbadges, status
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course
from app.models.credentials import Certificate, SigningKey, Track
from app.models.people import User
from app.services import credit, ledger
from app.services.errors import NotFound, ServiceError
from app.urls import absolute_url, base_url

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # readable aloud, no 0/O 1/I/L


class CertificateError(ServiceError):
    """A certificate action that cannot be done; the message is for the admin."""

    status = 409


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# -- keys and issuer -------------------------------------------------------------------------

def signing_key() -> str | None:
    """The secret key (multibase) from CREDENTIALS_SIGNING_KEY or the file it names, or None."""
    config = current_app.config
    if config.get("CREDENTIALS_SIGNING_KEY"):
        return config["CREDENTIALS_SIGNING_KEY"].strip()
    path = Path(config.get("CREDENTIALS_SIGNING_KEY_FILE") or Path(current_app.instance_path) / "signing-key.txt")
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def public_key_of(secret: str) -> str:
    """The public Multikey of a secret key (any form ``multikey.load_private_key`` reads)."""
    return multikey.multikey_from_public_key(multikey.load_private_key(secret).public_key().public_bytes_raw())


def public_keys() -> list[str]:
    """Every public Multikey the issuer vouches for: the current one, those recorded by key
    rotations (``signing_keys``, seen by every host), and any listed in CREDENTIALS_PUBLIC_KEYS."""
    keys = []
    secret = signing_key()
    if secret:
        keys.append(public_key_of(secret))
    recorded = db.session.scalars(select(SigningKey.public_key).order_by(SigningKey.id))
    for key in [*recorded, *current_app.config.get("CREDENTIALS_PUBLIC_KEYS", [])]:
        if key not in keys:
            keys.append(key)
    return keys


def record_key_rotation(retired: list[str], current: str) -> None:
    """Record a key rotation: the ``retired`` public keys keep verifying the credentials they
    signed, and ``current`` verifies on every host at once, even where the old key file is still
    in use while the new one is copied there. Flushes; the CLI commits before it writes the key."""
    now = utcnow()
    known = {row.public_key: row for row in db.session.scalars(select(SigningKey))}
    for key in retired:
        if key == current:
            continue
        row = known.get(key) or SigningKey(public_key=key, added_at=now)
        row.retired_at = row.retired_at or now
        db.session.add(row)
    if current not in known:
        db.session.add(SigningKey(public_key=current, added_at=now))
    db.session.flush()


def issuer_id() -> str:
    return absolute_url("ledger.issuer")


def issuer_name() -> str:
    return current_app.config.get("SABAK_ISSUER_NAME", "Sabak")


def status_list_url() -> str:
    return absolute_url("ledger.status_list")


def issuer_document() -> dict:
    """The issuer's controller document: the keys that verify its badges (served at /issuer)."""
    doc = dataintegrity.controller_document(issuer_id(), public_keys())
    doc["name"] = issuer_name()
    doc["url"] = base_url()
    return doc


def key_document(public_multikey: str) -> dict:
    """One of the issuer's keys as the Multikey document its verificationMethod URL serves
    (/issuer/keys/<key>). Raises NotFound for a key the issuer does not vouch for."""
    if public_multikey not in public_keys():
        raise NotFound("The issuer has no such key.")
    return dataintegrity.key_document(issuer_id(), public_multikey)


# -- issuing ---------------------------------------------------------------------------------

def on_course_completed(user: User, course: Course) -> list[Certificate]:
    """Credit the hours, issue the course certificate and any track level now reached."""
    ledger.credit_course(user, course)
    issued = [issue_for_course(user, course)]
    if course.track:
        issued += issue_track_levels(user, course.track)
    return [c for c in issued if c is not None]


def review_entry(reviewer: User, entry_id: int, *, approve: bool, reason: str = ""):
    """Approve or reject a pending external entry (ledger.review). An approved entry's hours count
    at once: the learner gets a certificate for every level of the entry's track those hours now
    reach, as a completed course's hours would give them. Flushes; raises what ledger.review does."""
    entry = ledger.review(reviewer, entry_id, approve=approve, reason=reason)
    if entry.status == "approved" and entry.track:
        issue_track_levels(entry.user, entry.track)
    return entry


def _active(user: User, **where) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
    for name, value in where.items():
        stmt = stmt.where(getattr(Certificate, name) == value)
    return db.session.scalar(stmt)


def issue_for_course(user: User, course: Course) -> Certificate | None:
    """The course's certificate, unless the learner has one for this course for credit already:
    in another language (that one stays, in the language finished first) or revoked (only an
    admin's reissue brings it back, so finishing a translation cannot undo a revocation)."""
    if credit.course_certificates(user.id, credit.course_key(course)):
        return None
    return _issue(user, kind="course", course_id=course.id, name=course.title, description=course.summary,
                  hours=float(course.hours or 0), language=course.language)


def issue_track_levels(user: User, track_slug: str) -> list[Certificate]:
    """Issue a certificate for every level of the track the learner has reached and lacks."""
    track = db.session.scalar(select(Track).where(Track.slug == track_slug, Track.retired_at.is_(None)))
    if track is None:
        return []
    progress = ledger.level_progress(track, ledger.track_hours(user, track_slug))
    language = user.locale if user.locale in ("ru", "ky", "en") else "ru"
    issued = []
    for level in progress.reached:
        if _active(user, kind="track-level", track=track_slug, level=level["id"]):
            continue
        track_title = track.title.get(language) or track.title.get("ru")
        level_title = level["title"].get(language) or level["title"].get("ru")
        issued.append(_issue(user, kind="track-level", track=track_slug, level=level["id"],
                             name=f"{track_title}: {level_title}", description=track_title,
                             hours=float(level["hours"]), language=language))
    return issued


def _issue(user: User, *, kind: str, name: str, description: str, hours: float, language: str,
           course_id: int | None = None, track: str | None = None, level: str | None = None,
           reissue_of: Certificate | None = None) -> Certificate:
    index = (db.session.scalar(select(func.max(Certificate.status_index))) or 0) + 1
    cert = Certificate(code=new_code(), user_id=user.id, kind=kind, course_id=course_id, track=track, level=level,
                       holder_name=user.name, achievement_name=name, achievement_description=description or name,
                       hours=hours, language=language, issued_at=utcnow(), status_index=index,
                       reissue_of_id=reissue_of.id if reissue_of else None)
    db.session.add(cert)
    db.session.flush()
    cert.credential = sign_credential(cert)
    db.session.flush()
    return cert


def verification_url(cert: Certificate) -> str:
    return absolute_url("ledger.verify", code=cert.code)


def sign_credential(cert: Certificate) -> dict | None:
    """The certificate as a signed OpenBadgeCredential, or None when no signing key is configured."""
    secret = signing_key()
    if not secret:
        current_app.logger.warning("No credentials signing key: run `flask credentials init-key`.")
        return None
    achievement = f"{base_url()}/achievements/" + (f"course/{cert.course_id}" if cert.kind == "course"
                                                   else f"track/{cert.track}/{cert.level}")
    credential = openbadges.build_achievement_credential(
        credential_id=verification_url(cert), issuer_id=issuer_id(),
        issuer_name=issuer_name(), issuer_url=base_url(),
        recipient_id=f"urn:uuid:{_subject_uuid(cert.user_id)}", recipient_name=cert.holder_name,
        achievement_id=achievement, achievement_name=cert.achievement_name,
        achievement_description=cert.achievement_description,
        criteria_narrative=cert.achievement_description, hours=cert.hours, issued_on=cert.issued_at,
        language=cert.language, status_url=status_list_url(), status_index=cert.status_index,
        creator=course_creator(cert.course, achievement, cert.language) if cert.kind == "course" else None,
    )
    key = multikey.load_private_key(secret)
    public = multikey.multikey_from_public_key(key.public_key().public_bytes_raw())
    method = dataintegrity.verification_method_id(issuer_id(), public)
    return dataintegrity.sign(credential, key, method, cert.issued_at)


def _person_text(person: dict) -> str:
    text = person["name"]
    if person.get("affiliation"):
        text += f" ({person['affiliation']})"
    if person.get("orcid"):
        text += f", https://orcid.org/{person['orcid']}"
    return text


def course_creator(course: Course | None, achievement_id: str, language: str) -> dict | None:
    """The achievement's creator from the course's ``authors`` and ``reviewers`` (course.yml), as
    the certificate's language says it; None for a course that names no authors.

    One author with an ORCID iD or a web page is identified by it; otherwise the creator is the
    achievement's own IRI with ``#creator`` (OB 3.0 wants an IRI, and a group has none of its own).
    """
    authors = list(course.authors or []) if course is not None else []
    if not authors:
        return None
    reviewers = list(course.reviewers or [])
    only = authors[0] if len(authors) == 1 else {}
    orcid = f"https://orcid.org/{only['orcid']}" if only.get("orcid") else None
    with force_locale(language):
        description = gettext("Authors: %(names)s.", names="; ".join(map(_person_text, authors)))
        if reviewers:
            description += " " + gettext("Reviewed by: %(names)s.",
                                         names="; ".join(map(_person_text, reviewers)))
    return {"id": orcid or only.get("url") or f"{achievement_id}#creator",
            "name": "; ".join(p["name"] for p in authors), "url": only.get("url"),
            "description": description}


def _subject_uuid(user_id: int) -> str:
    """A stable, opaque subject id: reveals neither the email nor the database id."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{current_app.config['SECRET_KEY']}:sabak-user:{user_id}"))


# -- verifying, revoking, reissuing ------------------------------------------------------------

def by_code(code: str) -> Certificate:
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code.strip().upper()))
    if cert is None:
        raise NotFound("There is no certificate with this code.")
    return cert


def _course_key(cert: Certificate) -> str | None:
    return credit.course_key(cert.course) if cert.kind == "course" and cert.course is not None else None


def _track_of(cert: Certificate) -> str | None:
    return cert.track if cert.kind == "track-level" else (cert.course.track if cert.course is not None else None)


def revoke(cert: Certificate, reason: str) -> None:
    """Revoke a certificate. A course certificate's hours leave every total with it, and the
    track-level certificates those hours no longer reach are revoked too. Flushes."""
    if cert.revoked_at is not None:
        return
    cert.revoked_at, cert.revoke_reason = utcnow(), reason.strip()
    db.session.flush()
    key = _course_key(cert)
    if key is not None:
        ledger.withdraw_course_credit(cert.user_id, key, cert.revoked_at)
        track = _track_of(cert)
        if track:
            _revoke_unreached_levels(cert.user, track, because=cert)


def _revoke_unreached_levels(user: User, track_slug: str, because: Certificate) -> None:
    """Revoke the learner's valid level certificates on a track that their counted hours no
    longer reach, saying which revocation took the hours away."""
    hours = credit.track_hours(user.id, track_slug)
    needed = _hours_needed(track_slug)
    for cert in db.session.scalars(select(Certificate).where(
            Certificate.user_id == user.id, Certificate.kind == "track-level", Certificate.track == track_slug,
            Certificate.revoked_at.is_(None))):
        if hours < needed.get(cert.level, cert.hours):
            cert.revoked_at = utcnow()
            cert.revoke_reason = (f"The counted hours ({hours:g}) no longer reach this level: "
                                  f"certificate {because.code} was revoked.")
    db.session.flush()


def reissue(cert: Certificate) -> Certificate:
    """Issue a fresh certificate for the same achievement, with the holder's current name (the
    usual reason: a corrected name), and revoke this one if it is still valid.

    Reissuing a revoked course certificate restores its credit: its hours count again, and the
    track levels they reach are certified again. Raises CertificateError when the certificate
    was already reissued, when the course for credit has another valid certificate (a
    duplicate of a translation, merged away, must not come back as a second one), or for a
    level the learner's counted hours no longer reach.
    """
    if db.session.scalar(select(Certificate.id).where(Certificate.reissue_of_id == cert.id).limit(1)):
        raise CertificateError(_l("This certificate was already reissued; reissue the newest one."))
    key = _course_key(cert)
    if key is not None and any(other.id != cert.id and not other.is_revoked
                               for other in credit.course_certificates(cert.user_id, key)):
        raise CertificateError(_l("This course already has a valid certificate for this learner."))
    if cert.kind == "track-level" and cert.track and not _level_reached(cert):
        raise CertificateError(_l("The learner's counted hours no longer reach this level."))
    was_revoked = cert.is_revoked
    if not was_revoked:  # replaced, not withdrawn: its credit stays where it is
        cert.revoked_at, cert.revoke_reason = utcnow(), f"Reissued as a new certificate on {utcnow():%Y-%m-%d}"
        db.session.flush()
    new = _issue(cert.user, kind=cert.kind, course_id=cert.course_id, track=cert.track, level=cert.level,
                 name=cert.achievement_name, description=cert.achievement_description, hours=cert.hours,
                 language=cert.language, reissue_of=cert)
    if was_revoked and key is not None:
        ledger.restore_course_credit(cert.user_id, key)
        track = _track_of(cert)
        if track:
            issue_track_levels(cert.user, track)
    return new


def _hours_needed(track_slug: str) -> dict[str, float]:
    """{level id: hours to reach it} of a track (none when the track is unknown)."""
    track = db.session.scalar(select(Track).where(Track.slug == track_slug))
    return {level["id"]: level["hours"] for level in (track.levels if track else [])}


def _level_reached(cert: Certificate) -> bool:
    needed = _hours_needed(cert.track).get(cert.level, cert.hours)
    return credit.track_hours(cert.user_id, cert.track) >= needed


def reissued_ids(certs: list[Certificate]) -> set[int]:
    """Which of these certificates have been reissued already (the admin list offers no second)."""
    ids = [c.id for c in certs]
    return set(db.session.scalars(select(Certificate.reissue_of_id).where(Certificate.reissue_of_id.in_(ids)))) \
        if ids else set()


def other_languages(certs: list[Certificate]) -> dict[int, list[str]]:
    """For each course certificate, the other languages its holder completed the course in
    (its translations count as the same course; the certificate is in the first one finished)."""
    out: dict[int, list[str]] = {}
    by_user: dict[int, list[Certificate]] = {}
    for cert in certs:
        if _course_key(cert) is not None:
            by_user.setdefault(cert.user_id, []).append(cert)
    for user_id, mine in by_user.items():
        done = credit.languages_completed(user_id, sorted({_course_key(c) for c in mine}))
        for cert in mine:
            out[cert.id] = [lang for lang, _when in done.get(_course_key(cert), []) if lang != cert.language]
    return out


def status_list() -> dict | None:
    """The signed Bitstring Status List of every certificate's revocation bit."""
    secret = signing_key()
    if not secret:
        return None
    revoked = db.session.scalars(select(Certificate.status_index).where(Certificate.revoked_at.is_not(None)))
    unsigned = status.build_status_list_credential(list_url=status_list_url(), issuer_id=issuer_id(),
                                                   revoked=list(revoked), valid_from=datetime(2026, 1, 1))
    key = multikey.load_private_key(secret)
    method = dataintegrity.verification_method_id(
        issuer_id(), multikey.multikey_from_public_key(key.public_key().public_bytes_raw()))
    return dataintegrity.sign(unsigned, key, method, utcnow().replace(microsecond=0))


@dataclass
class Verification:
    certificate: Certificate
    signature_ok: bool | None  # None: no signed credential stored
    signature_reason: str


def verify(cert: Certificate) -> Verification:
    """Check the stored credential's signature against the issuer's published keys."""
    if not cert.credential:
        return Verification(cert, None, "")
    # Both id forms: credentials signed before keys had URLs of their own name '/issuer#<key>'.
    resolver = dataintegrity.key_resolver({method: k for k in public_keys()
                                           for method in dataintegrity.method_ids(issuer_id(), k)})
    result = dataintegrity.verify(cert.credential, resolver)
    return Verification(cert, result.ok, result.reason)


def certificates_of(user: User) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                   .order_by(Certificate.issued_at.desc())))


def search(query: str) -> list[Certificate]:
    """Certificates by code or by holder name (the admin's search)."""
    like = f"%{query.lower()}%"
    return list(db.session.scalars(
        select(Certificate).where((Certificate.code == query.upper()) | func.lower(Certificate.holder_name).like(like))
        .order_by(Certificate.issued_at.desc()).limit(100)))


def recent(limit: int = 50) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.issued_at.desc()).limit(limit)))
