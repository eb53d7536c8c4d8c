"""Instructor pages: cohorts, progress matrix, learner detail, essay grading.

Every route here already requires the instructor role (see app/teach/__init__.py); each cohort
route also loads its cohort through the services' rule for who teaches it (cohorts.teaches:
admins teach all), which refuses with NotFound or Forbidden.
"""
from __future__ import annotations

from flask import Response, abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.caching import kept_page, kept_while
from app.forms import ActionForm
from app.services import analysis_reports, cohorts, curriculum, essays, institutions, reports, teaching
from app.services import attempts as attempt_service
from app.services.catalog import published_course
from app.services.errors import NotFound, ServiceError
from app.teach import bp
from app.teach.forms import AddInstructorForm, AssignCourseForm, CohortForm, GradeForm
from app.caching.pages import worker_memo
from app.urls import absolute_url


def _teaching(load, *args):
    """``load(current user, *args)``, a cohort loader of the services (cohorts.cohort_for and its
    kin), with its refusals as 404 (NotFound) or 403."""
    try:
        return load(current_user._get_current_object(), *args)
    except NotFound:
        abort(404)
    except ServiceError:
        abort(403)


def _cohort(cohort_id: int):
    return _teaching(cohorts.cohort_for, cohort_id)


def _cohort_and_course(cohort_id: int, slug: str):
    """The cohort and its published course by slug (ORM objects), or 404 or 403."""
    course = curriculum.course(slug)
    cohort = _teaching(cohorts.cohort_course_for, cohort_id, course.id if course is not None else None)
    try:
        return cohort, published_course(slug)
    except NotFound:
        abort(404)


def _report_cohort_and_course(cohort_id: int, slug: str):
    """For the progress matrix and its CSV: the cohort as a plain row (id, name) and the
    curriculum's read model of the course, after the same checks as ``_cohort_and_course`` (404 or
    403, in the same order), in one statement (cohorts.cohort_row_for)."""
    course = curriculum.course(slug)
    return _teaching(cohorts.cohort_row_for, cohort_id, course.id if course is not None else None), course


def _back(cohort_id: int):
    return redirect(url_for("teach.cohort", cohort_id=cohort_id))


@bp.route("/")
def index():
    return render_template(
        "teach/index.html", overview=teaching.instructor_overview(current_user),
        summaries=cohorts.cohorts_for(current_user, include_archived=request.args.get("archived") == "1"),
        show_archived=request.args.get("archived") == "1",
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
def new_cohort():
    form = CohortForm()
    form.institution.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(i.id, i.name) for i in institutions.list_institutions()]
    if request.method == "GET" and current_user.institution_id:
        form.institution.data = current_user.institution_id
    if form.validate_on_submit():
        cohort = cohorts.create_cohort(current_user, name=form.name.data, term=form.term.data,
                                       institution_id=form.institution.data or None)
        db.session.commit()
        flash(_("Cohort created. Add its courses and share the join code."), "success")
        return _back(cohort.id)
    return render_template("teach/new_cohort.html", form=form)


@bp.route("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    c = _cohort(cohort_id)
    assign = AssignCourseForm()
    taken = {cc.course_id for cc in c.courses}
    assign.course.choices = [SelectChoice(course.id, f"{course.title} ({course.language})")
                             for course in cohorts.assignable_courses() if course.id not in taken]
    return render_template(
        "teach/cohort.html", cohort=c, courses=cohorts.courses_of(c), members=cohorts.active_members(c),
        assign=assign, add_instructor=AddInstructorForm(), form=ActionForm(),
        join_url=absolute_url("learn.join_link", code=c.join_code),
    )


@bp.route("/cohorts/<int:cohort_id>/courses", methods=["POST"])
def assign_course(cohort_id: int):
    c = _cohort(cohort_id)
    form = AssignCourseForm()
    form.course.choices = [SelectChoice(course.id, course.title) for course in cohorts.assignable_courses()]
    if form.validate_on_submit():
        try:
            cohorts.assign_course(c, form.course.data)
        except NotFound:
            abort(404)
        db.session.commit()
        flash(_("Course added; the cohort's learners are enrolled in it."), "success")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/courses/<int:course_id>/remove", methods=["POST"])
def remove_course(cohort_id: int, course_id: int):
    c = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        cohorts.remove_course(c, course_id)
        db.session.commit()
        flash(_("Course removed from the cohort. Learners keep their progress."), "info")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/instructors", methods=["POST"])
def add_instructor(cohort_id: int):
    c = _cohort(cohort_id)
    form = AddInstructorForm()
    if form.validate_on_submit():
        try:
            user = cohorts.add_instructor(c, form.email.data)
        except cohorts.CohortError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("%(name)s now teaches this cohort too.", name=user.name), "success")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
def remove_member(cohort_id: int, user_id: int):
    c = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        cohorts.remove_member(c, user_id)
        db.session.commit()
        flash(_("The learner was removed from the cohort. Their course progress is kept."), "info")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/archive", methods=["POST"])
def archive(cohort_id: int):
    c = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        cohorts.set_archived(c, not c.is_archived)
        db.session.commit()
        flash(_("Cohort archived.") if c.is_archived else _("Cohort restored."), "info")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/code", methods=["POST"])
def regenerate_code(cohort_id: int):
    c = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        cohorts.regenerate_code(c)
        db.session.commit()
        flash(_("A new join code was made; the old one no longer works."), "info")
    return _back(cohort_id)


@bp.route("/cohorts/<int:cohort_id>/courses/<slug>")
def matrix(cohort_id: int, slug: str):
    c, course = _report_cohort_and_course(cohort_id, slug)
    m = reports.progress_matrix(c, course, request.args.get("sort", "name"),
                                page=request.args.get("page", 1, type=int))
    # The report's content is the page's own piece, rendered with the report's data; the page
    # around it is the same for everyone who sees this cohort and course.
    content = _matrix_html(m, str(get_locale()))
    return kept_page(("matrix", c.id, c.name, course.id),
                     lambda: render_template("teach/matrix.html", matrix=m), own={"content": lambda: content})


@kept_while(stamp=lambda m, _locale: m.stamp, key=lambda m, locale: (m.cohort.id, m.course.id, m.sort, m.page, locale))
def _matrix_html(m, locale: str) -> bytes:
    """The report's table and totals as the UTF-8 the page is served as (about 100 KB for 50
    learners), kept with the report's data."""
    return str(get_template_attribute("teach/matrix_parts.html", "content")(m, worker_memo)).encode()


@bp.route("/cohorts/<int:cohort_id>/courses/<slug>/matrix.csv")
def matrix_csv(cohort_id: int, slug: str):
    c, course = _report_cohort_and_course(cohort_id, slug)
    m = reports.progress_matrix(c, course, request.args.get("sort", "name"))
    text = reports.matrix_csv(m, _matrix_labels())
    filename = f"{course.slug}-cohort-{c.id}.csv"
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _matrix_labels() -> dict[str, str]:
    return {
        "learner": _("Learner"), "email": _("Email"), "done_header": _("Modules done"),
        "completed": _("Course completed"), "status": _("status"), "best": _("best score"),
        "attempts": _("attempts"), "yes": _("yes"), "no": _("no"),
        "done": _("done"), "started": _("started"), "not-started": _("not started"),
    }


@bp.route("/cohorts/<int:cohort_id>/courses/<slug>/learners/<int:user_id>")
def learner(cohort_id: int, slug: str, user_id: int):
    c, course = _cohort_and_course(cohort_id, slug)
    detail = reports.learner_detail(c, course, user_id)
    if detail is None:
        abort(404)
    reviews = {a.id: attempt_service.review(a) for a in detail.attempts}
    return render_template("teach/learner.html", cohort=c, detail=detail, reviews=reviews)


@bp.route("/grading")
def grading_queue():
    return render_template("teach/grading.html", items=essays.pending_essays(current_user))


@bp.route("/grading/<int:answer_id>", methods=["GET", "POST"])
def grade(answer_id: int):
    answer = _teaching(essays.answer_for_grader, answer_id)
    form = GradeForm()
    if request.method == "GET" and answer.fraction is not None and answer.status != "pending":
        form.score.data = round(answer.fraction * 100, 2)
        form.comment.data = answer.grader_comment
    if form.validate_on_submit():
        essays.grade_essay(current_user, answer_id, float(form.score.data), form.comment.data or "")
        db.session.commit()
        flash(_("Grade saved. The learner sees it with your comment."), "success")
        return redirect(url_for("teach.grading_queue"))
    return render_template("teach/grade.html", answer=answer, form=form)


@bp.route("/cohorts/<int:cohort_id>/courses/<slug>/items")
def items(cohort_id: int, slug: str):
    c, course = _cohort_and_course(cohort_id, slug)
    return render_template("teach/items.html", cohort=c, course=course,
                           reports=analysis_reports.item_analysis(c, course))


@bp.route("/cohorts/<int:cohort_id>/courses/<slug>/gain")
def gain(cohort_id: int, slug: str):
    c, course = _cohort_and_course(cohort_id, slug)
    return render_template("teach/gain.html", cohort=c, course=course, view=analysis_reports.gain_report(c, course))


@bp.route("/ledger")
def ledger_queue():
    from app.teach.forms import ReviewForm
    from app.services import ledger

    return render_template("teach/ledger.html", entries=ledger.pending_for(current_user), form=ReviewForm())


@bp.route("/ledger/<int:entry_id>", methods=["POST"])
def review_entry(entry_id: int):
    from app.teach.forms import ReviewForm
    from app.services import certificates, ledger

    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        entry = certificates.review_entry(current_user, entry_id, approve=bool(form.approve.data),
                                          reason=form.reason.data or "")
    except NotFound:
        abort(404)
    except ledger.NotYourLearner:
        abort(403)
    except ledger.LedgerError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("teach.ledger_queue"))
    db.session.commit()
    flash(_("Entry approved.") if entry.status == "approved" else _("Entry rejected; the learner sees your reason."),
          "success")
    return redirect(url_for("teach.ledger_queue"))
