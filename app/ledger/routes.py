"""The learner's hours ledger and transcript; public certificate verification; the issuer's keys."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.credentials import jsonld
from app.credentials.pdf import render_certificate_pdf
from app.credentials.transcript import TranscriptRow, render_transcript_pdf
from app.extensions import db
from app.localformat import format_date, format_tenths
from app.ledger import bp
from app.ledger.forms import ExternalLearningForm
from app.models.base import utcnow
from app.models.people import Role
from app.security import has_role
from app.services import certificates, ledger
from app.services.errors import NotFound
from app.templating import LANGUAGE_NAMES, TRACK_LABELS


def _status_label(status: str) -> str:
    return {"approved": _("approved"), "pending": _("waiting for approval"), "rejected": _("rejected"),
            "revoked": _("revoked")}.get(status, status)


def _entry_status(entry) -> str:
    """The status as the transcript says it: a revoked entry with its date."""
    if entry.status == "revoked" and entry.revoked_at:
        return _("revoked on %(date)s", date=_short_date(entry.revoked_at))
    return _status_label(entry.status)


def _short_date(value) -> str:
    """A date (or an ISO date as JSON keeps it) in the reader's short form, for the transcript's texts."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    return format_date(value, "short", str(get_locale()), str(get_timezone()))


def _merged_note(entry) -> str:
    """What duplicate credit of other language versions was folded into this entry."""
    parts = [_("“%(title)s” (%(language)s, %(hours)s h, %(date)s)", title=m.get("title", ""),
               language=LANGUAGE_NAMES.get(m.get("language"), m.get("language") or ""),
               hours=format_tenths(float(m.get("hours") or 0), str(get_locale())),
               date=_short_date(m.get("activity_date")))
             for m in entry.merged_from or []]
    if not parts:
        return ""
    return _("Also credited as %(entries)s; the same course in another language, merged: its hours count once.",
             entries="; ".join(parts))


def _track_choices():
    board = ledger.ledger_for(current_user)
    return [SelectChoice("", _("— no track —"))] + [
        SelectChoice(p.track.slug, str(TRACK_LABELS.get(p.track.slug, p.track.slug))) for p in board.levels]


@bp.route("/credentials")
@login_required
def index():
    mine = certificates.certificates_of(current_user)
    return render_template("credentials/ledger.html", board=ledger.ledger_for(current_user), certificates=mine,
                           other_languages=certificates.other_languages(mine), entry_status=_entry_status,
                           merged_note=_merged_note)


@bp.route("/credentials/external", methods=["GET", "POST"])
@login_required
def external():
    form = ExternalLearningForm()
    form.track.choices = _track_choices()
    if form.validate_on_submit():
        try:
            ledger.record_external(current_user, title=form.title.data, provider=form.provider.data,
                                   activity_date=form.activity_date.data, hours=float(form.hours.data),
                                   track=form.track.data, evidence=form.evidence.data)
        except ledger.EvidenceRefused as exc:
            form.evidence.errors.append(str(exc.message))
        except ledger.LedgerError as exc:
            form.hours.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Sent for approval. The hours count once an instructor approves them."), "success")
            return redirect(url_for("ledger.index"))
    return render_template("credentials/external.html", form=form)


@bp.route("/credentials/entries/<int:entry_id>/evidence")
@login_required
def evidence(entry_id: int):
    entry = db.session.get(ledger.LedgerEntry, entry_id)
    if entry is None or (entry.user_id != current_user.id and not ledger.can_review(current_user, entry)):
        abort(404)
    stored = ledger.evidence_of(entry)
    if stored is None:
        abort(404)
    response = send_file(io.BytesIO(stored.data), mimetype=stored.media_type, as_attachment=True,
                         download_name=entry.evidence_name or "evidence", etag=stored.sha256, max_age=0)
    # Always a download of the type its bytes were checked to be, never rendered in our origin.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _transcript_rows(board) -> list[TranscriptRow]:
    return [TranscriptRow(e.activity_date, e.title, e.provider, str(TRACK_LABELS.get(e.track, e.track or "—")),
                          e.hours, _entry_status(e), _merged_note(e)) for e in board.entries]


def _totals(board) -> list[tuple[str, float]]:
    totals = [(_("Year %(year)d", year=year), hours) for year, hours in board.by_year.items()]
    totals += [(str(TRACK_LABELS.get(track, track)), hours) for track, hours in board.by_track.items()]
    return totals + [(_("All approved hours"), board.total)]


@bp.route("/credentials/transcript.csv")
@login_required
def transcript_csv():
    board = ledger.ledger_for(current_user)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads Cyrillic correctly only with the BOM
    # The date and hours columns are data for a spreadsheet, the same in every language (ISO
    # dates, a dot for decimals), like the reports' CSVs; the texts (status, note) are the reader's.
    writer = csv.writer(out)
    writer.writerow([_("Date"), _("Activity"), _("Organised by"), _("Track"), _("Hours"), _("Status"), _("Note")])
    for row in _transcript_rows(board):
        writer.writerow([row.activity_date.isoformat(), row.title, row.provider, row.track, f"{row.hours:g}", row.status,
                         row.note])
    writer.writerow([])
    for label, hours in _totals(board):
        writer.writerow([label, f"{hours:g}"])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sabak-transcript.csv"'})


@bp.route("/credentials/transcript.pdf")
@login_required
def transcript_pdf():
    board = ledger.ledger_for(current_user)
    labels = {"title": _("Continuing-education transcript"), "holder": _("Holder"), "date": _("Date"),
              "activity": _("Activity"), "provider": _("Organised by"), "track": _("Track"), "hours": _("Hours"),
              "status": _("Status"), "totals": _("Approved hours"), "generated": _("Generated")}
    data = render_transcript_pdf(holder_name=current_user.name, rows=_transcript_rows(board), totals=_totals(board),
                                 labels=labels, issued_on=utcnow().date(),
                                 language=str(get_locale()))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="sabak-transcript.pdf"'})


def _certificate(code: str):
    try:
        return certificates.by_code(code)
    except NotFound:
        abort(404)


def _may_see_reason(cert) -> bool:
    """A revocation's reason is the holder's and the admins' business; anyone else sees the date."""
    return current_user.is_authenticated and (current_user.id == cert.user_id or has_role(current_user, Role.ADMIN))


@bp.route("/certificates/<code>")
def verify(code: str):
    """The public verification page: anyone with the code or the QR sees the certificate's status."""
    cert = _certificate(code)
    return render_template("credentials/verify.html", result=certificates.verify(cert),
                           issuer_name=certificates.issuer_name(), show_reason=_may_see_reason(cert),
                           other_languages=certificates.other_languages([cert]).get(cert.id, []))


@bp.route("/certificates/<code>.pdf")
def certificate_pdf(code: str):
    cert = _certificate(code)
    note = None
    if cert.is_revoked:
        revoked_on = _short_date(cert.revoked_at)
        note = (_("REVOKED on %(date)s: %(reason)s", date=revoked_on, reason=cert.revoke_reason or "")
                if _may_see_reason(cert) else _("REVOKED on %(date)s", date=revoked_on))
    data = render_certificate_pdf(
        holder_name=cert.holder_name, achievement_name=cert.achievement_name, hours=cert.hours,
        issued_on=cert.issued_at.date(), issuer_name=certificates.issuer_name(),
        verification_url=certificates.verification_url(cert), code=cert.code, language=cert.language,
        status_note=note)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="sabak-certificate-{cert.code}.pdf"'})


def _readable_by_any_verifier(response: Response) -> Response:
    """Let verifiers running in a browser on another site (web wallets, verifier pages) read the
    credential and the documents it points to. They are public and sent without cookies, so any
    origin may read them; without this header the browser hides them from the verifier's page."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/certificates/<code>/credential.json")
def certificate_json(code: str):
    """The signed Open Badges 3.0 credential, for wallets and other verifiers."""
    cert = _certificate(code)
    if not cert.credential:
        abort(404)
    response = jsonify(cert.credential)
    response.headers["Content-Disposition"] = f'attachment; filename="sabak-{cert.code}.json"'
    response.mimetype = "application/ld+json"
    return _readable_by_any_verifier(response)


@bp.route("/issuer")
def issuer():
    """The issuer's controller document: the public keys that verify Sabak's credentials."""
    return _readable_by_any_verifier(jsonify(certificates.issuer_document()))


@bp.route("/issuer/keys/<multikey>")
def issuer_key(multikey: str):
    """One key as a Multikey document: what a verifier gets by fetching a proof's verificationMethod."""
    try:
        doc = certificates.key_document(multikey)
    except NotFound:
        abort(404)
    response = jsonify(doc)
    response.mimetype = "application/ld+json"
    return _readable_by_any_verifier(response)


@bp.route("/contexts/<name>")
def context(name: str):
    """The JSON-LD contexts Sabak signs with, byte for byte, for verifiers that keep no copy."""
    data = jsonld.shipped_context(name)
    if data is None:
        abort(404)
    response = Response(data, mimetype="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=86400"  # a context never changes under its URL
    return _readable_by_any_verifier(response)


@bp.route("/credentials/status")
def status_list():
    """The signed revocation status list that every badge's credentialStatus points to."""
    doc = certificates.status_list()
    if doc is None:
        abort(404)
    response = jsonify(doc)
    response.headers["Cache-Control"] = "no-cache"  # revocation must show at once
    return _readable_by_any_verifier(response)
