"""Admin pages: users and roles."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ROLE_LABELS, RoleForm
from app.extensions import db
from app.models.people import Role, User
from app.learn.forms import ActionForm
from app.services import accounts, catalog, coordinator, password_resets, user_directory


@bp.route("/")
def index():
    return render_template("admin/index.html")


@bp.route("/users")
def users():
    page = user_directory.search_users(
        query=request.args.get("q", ""),
        role=request.args.get("role", ""),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "admin/users.html", page=page, role_labels=ROLE_LABELS, form=RoleForm(), Role=Role
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.set_role(current_user, user, Role(form.role.data))
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    else:
        flash(_("The role could not be changed."), "error")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
def reset_link(user_id: int):
    """Make a one-time password-reset link for a user (for sites without mail) and show it once:
    in this response only, never flashed into the cookie; personal pages are not cached."""
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    link = password_resets.admin_link(user, accounts.record_of(current_user))
    db.session.commit()
    return render_template("admin/reset_link.html", user=user, link=link,
                           hours=current_app.config["ADMIN_RESET_LINK_HOURS"], q=request.args.get("q", ""))


REGION_LABELS = {
    "bishkek": _l("Bishkek"), "osh-city": _l("Osh (city)"), "batken": _l("Batken Region"),
    "chuy": _l("Chüy Region"), "issyk-kul": _l("Issyk-Kul Region"), "jalal-abad": _l("Jalal-Abad Region"),
    "naryn": _l("Naryn Region"), "osh": _l("Osh Region"), "talas": _l("Talas Region"),
}


def _report_filters() -> coordinator.Filters:
    def parse(name):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return coordinator.Filters(parse("start"), parse("end"), request.args.get("track", ""))


@bp.route("/reports")
def reports():
    report = coordinator.coordinator_report(_report_filters())
    return render_template("admin/reports.html", report=report,
                           region_names={k: str(v) for k, v in REGION_LABELS.items()})


@bp.route("/reports.csv")
def reports_csv():
    report = coordinator.coordinator_report(_report_filters())
    labels = {
        "institution": _("Institution"), "region": _("Region"), "learners": _("Learners"),
        "enrolments": _("Enrolments"), "completions": _("Completions"), "hours": _("Credit hours earned"),
        "gain": _("Average learning gain"), "gain_n": _("Learners with pre- and post-test"),
        "no_institution": _("No institution"), "no_region": _("No region"), "total": _("Total"),
    }
    text = coordinator.report_csv(report, labels, {k: str(v) for k, v in REGION_LABELS.items()})
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sabak-report.csv"'})


@bp.route("/courses", methods=["GET", "POST"])
def courses():
    """The published courses, and a button that runs the same sync as `flask courses sync`."""
    form = ActionForm()
    report = None
    if request.method == "POST" and form.validate_on_submit():
        from app.services.sync import sync_all

        report = sync_all([Path(current_app.config["COURSES_DIR"])], commit=db.session.commit,
                          rollback=db.session.rollback, retire_missing=True)
    return render_template("admin/courses.html", courses=catalog.all_courses(), report=report, form=form)


@bp.route("/certificates")
def certificates_list():
    from app.ledger.forms import RevokeForm
    from app.services import certificates as cert_service

    query = request.args.get("q", "").strip()
    found = cert_service.search(query) if query else cert_service.recent()
    return render_template("admin/certificates.html", certificates=found, query=query, form=RevokeForm(),
                           reissued=cert_service.reissued_ids(found))


@bp.route("/certificates/<int:cert_id>/revoke", methods=["POST"])
def revoke_certificate(cert_id: int):
    from app.ledger.forms import RevokeForm
    from app.models.credentials import Certificate
    from app.services import certificates as cert_service

    cert = db.session.get(Certificate, cert_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        cert_service.revoke(cert, form.reason.data)
        db.session.commit()
        flash(_("Certificate %(code)s revoked. Its verification page says so now.", code=cert.code), "success")
    else:
        flash(_("Give a reason for revoking."), "error")
    return redirect(url_for("admin.certificates_list", q=cert.code))


@bp.route("/certificates/<int:cert_id>/reissue", methods=["POST"])
def reissue_certificate(cert_id: int):
    from app.models.credentials import Certificate
    from app.services import certificates as cert_service

    cert = db.session.get(Certificate, cert_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            new = cert_service.reissue(cert)
        except cert_service.CertificateError as exc:
            flash(str(exc.message), "error")
            return redirect(url_for("admin.certificates_list", q=cert.code))
        db.session.commit()
        flash(_("Reissued as %(code)s; the old certificate is revoked.", code=new.code), "success")
        return redirect(url_for("admin.certificates_list", q=new.code))
    return redirect(url_for("admin.certificates_list"))
