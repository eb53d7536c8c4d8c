"""Admin pages: users and roles, institutions, courses, certificates, and the coordinators' reports."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ROLE_LABELS, ImportForm, InstitutionForm, MergeForm, RevokeForm, RoleForm, ScopeForm
from app.extensions import db
from app.models.people import Institution, InstitutionKind, Region, Role, User
from app.forms import ActionForm
from app.services import accounts, catalog, coordinator, institutions, password_resets, user_directory
from app.services.institutions import KIND_LABELS
from app.templating import number_filter


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
        "admin/users.html", page=page, role_labels=ROLE_LABELS, form=RoleForm(), Role=Role,
        scopes=coordinator.scopes_of([u for u in page.users if u.role is Role.COORDINATOR]),
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


@bp.route("/users/<int:user_id>/institutions", methods=["GET", "POST"])
def coordinator_scope(user_id: int):
    """Which institutions a coordinator's reports cover."""
    user = db.session.get(User, user_id) or abort(404)
    if user.role is not Role.COORDINATOR:
        flash(_("Only coordinators have institutions to see; make %(name)s a coordinator first.", name=user.name),
              "error")
        return redirect(url_for("admin.users", q=user.email))
    form = ScopeForm()
    form.institutions.choices = [(i.id, i.name) for i in institutions.list_institutions()]
    if request.method == "GET":
        form.all_institutions.data = user.coordinates_all_institutions
        form.institutions.data = [i.id for i in user.coordinated_institutions]
    if form.validate_on_submit():
        chosen = [db.session.get(Institution, i) for i in form.institutions.data]
        coordinator.set_coordinator_scope(user, institutions=chosen, all_institutions=form.all_institutions.data)
        db.session.commit()
        flash(_("The institutions of %(name)s are saved.", name=user.name), "success")
        return redirect(url_for("admin.users", q=user.email))
    return render_template("admin/coordinator_scope.html", user=user, form=form)


def region_names() -> dict[str, str]:
    return {region.value: str(label) for region, label in institutions.REGION_LABELS.items()}


def _report_filters() -> coordinator.Filters:
    def parse(name):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return coordinator.Filters(parse("start"), parse("end"), request.args.get("track", ""),
                               institutions=coordinator.coordinator_scope(current_user))


@bp.route("/reports")
def reports():
    report = coordinator.coordinator_report(_report_filters())
    return render_template("admin/reports.html", report=report, region_names=region_names())


@bp.route("/reports.csv")
def reports_csv():
    report = coordinator.coordinator_report(_report_filters())
    labels = {
        "institution": _("Institution"), "region": _("Region"), "learners": _("Learners"),
        "enrolments": _("Enrolments"), "completions": _("Completions"), "hours": _("Credit hours earned"),
        "gain": _("Average learning gain"), "gain_n": _("Learners with pre- and post-test"),
        "no_institution": _("No institution"), "no_region": _("No region"), "total": _("Total"),
    }
    text = coordinator.report_csv(report, labels, region_names())
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
    from app.services import certificates as cert_service

    query = request.args.get("q", "").strip()
    found = cert_service.search(query) if query else cert_service.recent()
    return render_template("admin/certificates.html", certificates=found, query=query, form=RevokeForm(),
                           reissued=cert_service.reissued_ids(found))


@bp.route("/certificates/<int:cert_id>/revoke", methods=["POST"])
def revoke_certificate(cert_id: int):
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


def _institution_page(form: InstitutionForm | None = None, import_form: ImportForm | None = None,
                      import_result: institutions.ImportResult | None = None, status: int = 200):
    return render_template(
        "admin/institutions.html", usage=institutions.usage(), form=form or InstitutionForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None), import_result=import_result,
        kind_labels=KIND_LABELS, region_names=region_names(),
        regions=institutions.REGION_LABELS), status


@bp.route("/institutions", methods=["GET", "POST"])
def institution_list():
    """The institutions learners choose from: list, add one, and the regions they belong to."""
    form = InstitutionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            saved = _save_institution(form, lambda: institutions.add_institution(
                form.name.data, InstitutionKind(form.kind.data), Region(form.region.data)),
                lambda name: _("“%(name)s” is added.", name=name))
            if saved is not None:
                return saved
        return _institution_page(form=form, status=400)
    return _institution_page()


def _save_institution(form, save: Callable[[], Institution], saved: Callable[[str], str]):
    """Add or edit an institution from its form: a name the service refuses (empty, too long,
    taken) becomes an error on the form's name field and None is returned, for the view to show
    the form again; otherwise the change is committed, ``saved(name)`` flashed, and the answer
    is the way back to the list."""
    try:
        institution = save()
    except institutions.InstitutionError as exc:
        form.name.errors.append(str(exc))
        return None
    db.session.commit()
    flash(saved(institution.name), "success")
    return redirect(url_for("admin.institution_list"))


@bp.route("/institutions/import", methods=["POST"])
def import_institutions():
    form = ImportForm()
    if not form.validate_on_submit():
        return _institution_page(import_form=form, status=400)
    result = institutions.import_csv(form.file.data.read())
    if not result.ok:
        db.session.rollback()
        return _institution_page(import_form=form, import_result=result, status=400)
    db.session.commit()
    flash(_("Imported: %(added)d added, %(updated)d updated, %(unchanged)d unchanged.", added=len(result.added),
            updated=len(result.updated), unchanged=len(result.unchanged)), "success")
    return redirect(url_for("admin.institution_list"))


@bp.route("/institutions/<int:institution_id>", methods=["GET", "POST"])
def edit_institution(institution_id: int):
    institution = db.session.get(Institution, institution_id) or abort(404)
    form = InstitutionForm(obj=institution)
    if request.method == "GET":
        form.kind.data, form.region.data = institution.kind.value, institution.region.value
    if form.validate_on_submit():
        saved = _save_institution(form, lambda: institutions.update_institution(
            institution, name=form.name.data, kind=InstitutionKind(form.kind.data), region=Region(form.region.data)),
            lambda name: _("“%(name)s” is saved.", name=name))
        if saved is not None:
            return saved
    status = 400 if request.method == "POST" else 200
    return render_template("admin/institution.html", institution=institution, form=form,
                           merge_form=_merge_form(institution, formdata=None),
                           usage=institutions.usage_of(institution)), status


def _merge_form(institution: Institution, **kwargs) -> MergeForm:
    form = MergeForm(**kwargs)
    form.target.choices = [(i.id, i.name) for i in institutions.list_institutions() if i.id != institution.id]
    return form


@bp.route("/institutions/<int:institution_id>/merge", methods=["POST"])
def merge_institution(institution_id: int):
    institution = db.session.get(Institution, institution_id) or abort(404)
    form = _merge_form(institution)
    if not form.validate_on_submit():
        flash(_("Choose the institution to merge into."), "error")
        return redirect(url_for("admin.edit_institution", institution_id=institution.id))
    target, name = db.session.get(Institution, form.target.data), institution.name
    moved = institutions.merge_institution(institution, target)
    db.session.commit()
    flash(_("“%(name)s” is merged into “%(target)s”; %(count)s people moved.", name=name, target=target.name,
            count=number_filter(moved)), "success")
    return redirect(url_for("admin.edit_institution", institution_id=target.id))


@bp.route("/institutions/<int:institution_id>/delete", methods=["POST"])
def delete_institution(institution_id: int):
    institution = db.session.get(Institution, institution_id) or abort(404)
    if ActionForm().validate_on_submit():
        name = institution.name
        try:
            institutions.delete_institution(institution)
        except institutions.InstitutionError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("“%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("admin.institution_list"))
