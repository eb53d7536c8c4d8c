"""The learner's hours ledger and transcript; public certificate verification; the issuer's keys."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.credentials.pdf import render_certificate_pdf
from app.credentials.transcript import TranscriptRow, render_transcript_pdf
from app.extensions import db
from app.ledger import bp
from app.ledger.forms import ExternalLearningForm
from app.models.base import utcnow
from app.services import certificates, ledger
from app.services.errors import NotFound
from app.templating import TRACK_LABELS


def _status_label(status: str) -> str:
    return {"approved": _("approved"), "pending": _("waiting for approval"), "rejected": _("rejected")}.get(status, status)


def _track_choices():
    board = ledger.ledger_for(current_user)
    return [SelectChoice("", _("— no track —"))] + [
        SelectChoice(p.track.slug, str(TRACK_LABELS.get(p.track.slug, p.track.slug))) for p in board.levels]


@bp.route("/credentials")
@login_required
def index():
    return render_template("credentials/ledger.html", board=ledger.ledger_for(current_user),
                           certificates=certificates.certificates_of(current_user), status_label=_status_label)


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
    path = ledger.evidence_file(entry)
    if path is None or not path.exists():
        abort(404)
    return send_file(path, download_name=entry.evidence_name, as_attachment=True)


def _transcript_rows(board) -> list[TranscriptRow]:
    return [TranscriptRow(e.activity_date, e.title, e.provider, str(TRACK_LABELS.get(e.track, e.track or "—")),
                          e.hours, _status_label(e.status)) for e in board.entries]


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
    writer = csv.writer(out)
    writer.writerow([_("Date"), _("Activity"), _("Organised by"), _("Track"), _("Hours"), _("Status")])
    for row in _transcript_rows(board):
        writer.writerow([row.activity_date.isoformat(), row.title, row.provider, row.track, f"{row.hours:g}", row.status])
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
                                 labels=labels, issued_on=utcnow().date())
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="sabak-transcript.pdf"'})


def _certificate(code: str):
    try:
        return certificates.by_code(code)
    except NotFound:
        abort(404)


@bp.route("/certificates/<code>")
def verify(code: str):
    """The public verification page: anyone with the code or the QR sees the certificate's status."""
    cert = _certificate(code)
    return render_template("credentials/verify.html", result=certificates.verify(cert),
                           issuer_name=certificates.issuer_name())


@bp.route("/certificates/<code>.pdf")
def certificate_pdf(code: str):
    cert = _certificate(code)
    note = _("REVOKED: %(reason)s", reason=cert.revoke_reason or "") if cert.is_revoked else None
    data = render_certificate_pdf(
        holder_name=cert.holder_name, achievement_name=cert.achievement_name, hours=cert.hours,
        issued_on=cert.issued_at.date(), issuer_name=certificates.issuer_name(),
        verification_url=certificates.verification_url(cert), code=cert.code, language=cert.language,
        status_note=note)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="sabak-certificate-{cert.code}.pdf"'})


@bp.route("/certificates/<code>/credential.json")
def certificate_json(code: str):
    """The signed Open Badges 3.0 credential, for wallets and other verifiers."""
    cert = _certificate(code)
    if not cert.credential:
        abort(404)
    response = jsonify(cert.credential)
    response.headers["Content-Disposition"] = f'attachment; filename="sabak-{cert.code}.json"'
    response.mimetype = "application/ld+json"
    return response


@bp.route("/issuer")
def issuer():
    """The issuer's controller document: the public keys that verify Sabak's credentials."""
    return jsonify(certificates.issuer_document())


@bp.route("/credentials/status")
def status_list():
    """The signed revocation status list that every badge's credentialStatus points to."""
    doc = certificates.status_list()
    if doc is None:
        abort(404)
    response = jsonify(doc)
    response.headers["Cache-Control"] = "no-cache"  # revocation must show at once
    return response
