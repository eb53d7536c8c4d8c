"""Learner pages. Each view calls a service, commits at most once, and renders or redirects."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import (abort, flash, get_template_attribute, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.caching import kept_for_learner, kept_page, kept_pieces
from app.errors import Wording, refusal_response
from app.extensions import db
from app.learn import bp
from app.forms import ActionForm
from app.services import attempts as attempt_service
from app.services import catalog as catalog_service
from app.services import dashboard as dashboard_service
from app.services import enrolment as enrolment_service
from app.services import progress
from app.services import quiz_review
from app.services.errors import (AttemptLimitReached, BadAttemptKey, BadResponses, KeyUsedElsewhere, NoQuiz,
                                 NotEnrolled, NotFound, UnknownQuestion)
from app.services.transactions import commit_with_retry


def _user():
    """The signed-in user, or None. The user object itself, not the ``current_user`` proxy, which
    looks the user up again on every attribute read."""
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


def _course_or_404(slug: str):
    try:
        return catalog_service.published_course(slug)
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    return render_template("learn/index.html", overview=dashboard_service.site_overview())


@bp.route("/dashboard")
@login_required
def dashboard():
    from app.learn.forms import JoinForm

    user = _user()
    mine = cache(lambda: _dashboard_pieces(user, user.name, str(get_locale()), str(get_timezone())))
    # The same for every learner but for their greeting and courses, groups and latest attempts.
    return kept_page(("dashboard",), lambda: render_template("learn/dashboard.html", join_form=JoinForm),
                     own={"top": lambda: mine()[0], "groups": lambda: mine()[1], "attempts": lambda: mine()[2]})


@kept_for_learner(size=lambda pieces: sum(map(len, pieces)))
def _dashboard_pieces(user, name: str, locale: str, timezone: str) -> tuple[bytes, bytes, bytes]:
    """The dashboard's pieces that are the learner's own (greeting and courses, groups, latest
    attempts), as the page shows them in ``locale`` and ``timezone``."""
    from app.services import cohorts

    board = dashboard_service.dashboard_for(user)

    def piece(macro: str, *args) -> bytes:
        return str(get_template_attribute("learn/dashboard_parts.html", macro)(*args)).encode()

    return piece("top", name, board), piece("groups", cohorts.learner_cohorts(user)), \
        piece("attempts", board.recent_attempts)


@bp.route("/attempts")
@login_required
def attempt_history():
    return render_template("learn/attempts.html", attempts=dashboard_service.attempt_history(current_user))


@bp.route("/courses")
def catalog():
    args, user, locale = request.args, _user(), str(get_locale())

    def render():
        page = catalog_service.group_catalog(
            user, query=args.get("q", ""), language=args.get("language", ""),
            audience=args.get("audience", ""), track=args.get("track", ""), prefer_language=locale,
        )
        return render_template("learn/catalog.html", catalog=page)

    # Without filters the page is the same for every reader but for their status on some cards.
    return kept_page(("catalog",), render, own={"cards": lambda: _catalog_cards(user, locale)})


def _catalog_cards(user, locale: str) -> bytes | None:
    """The unfiltered catalog's cards for this reader, from the cards kept by the page's renders
    (None when one is not kept yet)."""
    everyone, own = catalog_service.card_keys(user, locale)
    return kept_pieces(everyone, own)


@bp.route("/courses/<slug>")
def course(slug: str):
    try:
        page = catalog_service.course_page(_user(), slug)
    except NotFound:
        abort(404)
    return render_template("learn/course.html", page=page, form=ActionForm())


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = _course_or_404(slug)
    if ActionForm().validate_on_submit():
        commit_with_retry(lambda: enrolment_service.enrol(current_user, _course_or_404(slug)))
        flash(_("You are enrolled in “%(title)s”.", title=course.title), "success")
    return redirect(url_for("learn.course", slug=slug))


@bp.route("/courses/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    course = _course_or_404(slug)
    if ActionForm().validate_on_submit():
        enrolment_service.leave(current_user, course)
        db.session.commit()
        flash(_("You have left the course. Your progress is kept if you enrol again."), "info")
    return redirect(url_for("learn.course", slug=slug))


@bp.route("/courses/<slug>/media/<path:filename>")
def media(slug: str, filename: str):
    """A course's own media file; send_from_directory refuses any path leaving the folder."""
    course = _course_or_404(slug)
    response = send_from_directory(Path(course.source_dir) / "media", filename, max_age=86400, conditional=True)
    response.cache_control.public = True
    return response


def _module_page(slug: str, module_slug: str):
    try:
        return catalog_service.module_page(_user(), slug, module_slug)
    except NotFound:
        abort(404)


def _enrolled_module_page(slug: str, module_slug: str):
    """The module page for a learner's action on it (marking it done, a quiz's summary or its
    questions again): only someone enrolled in the course may act, anyone else gets a 403."""
    page = _module_page(slug, module_slug)
    if not page.is_enrolled:
        abort(403)
    return page


@bp.route("/courses/<slug>/<module_slug>")
def module(slug: str, module_slug: str):
    page = _module_page(slug, module_slug)
    user = _user()
    if user is not None and page.is_enrolled:
        if progress.record_visit(user, page.module, page.enrolment, page.status.recorded):
            db.session.commit()
    return _render_module(page)


def _render_module(page, errors=None, previous=None, status=200):
    quiz, user = None, _user()
    if page.has_quiz and user is not None and page.is_enrolled:
        quiz = attempt_service.quiz_view(user, page.module, page.status.best_score)
    outline = _outline(page, user)

    def render():
        return render_template(
            "learn/module.html", page=page, quiz=quiz, form=ActionForm(), outline=outline,
            errors=errors or {}, previous=previous or MultiDict(),
        )

    # Without a quiz form (a lesson, or a quiz the reader cannot take yet) the page shows only
    # the module and whether the reader is enrolled and done, and for an enrolled reader the
    # course outline with their own done marks. A quiz form carries the reader's attempts,
    # score and attempt key.
    shared = quiz is None and not errors and not previous and status == 200
    varies_by = (page.module.id, page.is_enrolled, page.status.status == "done") if shared else None
    return kept_page(varies_by, render, own={"outline": outline} if page.is_enrolled else None), status


def _outline(page, user):
    """The course outline at the top of a module page, as a function giving its HTML: with the
    learner's done marks when they are enrolled; without marks for everyone else."""
    if user is None or not page.is_enrolled:
        return cache(lambda: _outline_html(page, frozenset()))
    return cache(lambda: _own_outline(user, page, str(get_locale())))


def _outline_html(page, done) -> str:
    return str(get_template_attribute("learn/_orientation.html", "outline")(page, done))


@kept_for_learner(key=lambda page, locale: (page.module.id, locale))
def _own_outline(user, page, locale: str) -> str:
    """The outline with the learner's done marks, kept with their data: marking a module done
    shows on the next view."""
    return _outline_html(page, progress.done_module_ids(user, [row.id for row in page.outline]))


@bp.route("/courses/<slug>/<module_slug>/done", methods=["POST"])
@login_required
def mark_done(slug: str, module_slug: str):
    page = _enrolled_module_page(slug, module_slug)
    if ActionForm().validate_on_submit() and not page.has_quiz:
        commit_with_retry(lambda: progress.mark_done(current_user, _active_module(slug, module_slug)))
        flash(_("Module marked as done."), "success")
        if page.next is not None:
            return redirect(url_for("learn.module", slug=slug, module_slug=page.next.slug))
    return redirect(url_for("learn.module", slug=slug, module_slug=module_slug))


def _active_module(slug: str, module_slug: str):
    try:
        return catalog_service.active_module(slug, module_slug)
    except NotFound:
        abort(404)


@bp.route("/courses/<slug>/<module_slug>/review", methods=["POST"])
@login_required
def review_attempt(slug: str, module_slug: str):
    """The summary before grading: which questions are answered, which are not, with the answers
    carried on in hidden fields to the submission (or back to the questions). An answer that
    cannot be read sends the learner back to the quiz, at its error summary."""
    page = _enrolled_module_page(slug, module_slug)
    user = _user()
    quiz = attempt_service.quiz_view(user, page.module, page.status.best_score) if page.has_quiz else None
    if quiz is None:
        abort(404)
    if not (request.form.get("attempt_key") or "").strip():
        abort(400)
    questions = [item.question for item in quiz.items]
    summary = quiz_review.review_answers(
        quiz.items, attempt_service.responses_from_form(questions, request.form), request.form)
    if summary.errors:
        return _render_module(page, errors=summary.errors, previous=request.form, status=400)
    return render_template("learn/review.html", page=page, quiz=quiz, summary=summary, form=ActionForm())


@bp.route("/courses/<slug>/<module_slug>/quiz", methods=["POST"])
@login_required
def edit_answers(slug: str, module_slug: str):
    """Back from the summary to the questions, with the answers given so far filled in."""
    page = _enrolled_module_page(slug, module_slug)
    return _render_module(page, previous=request.form)


# A quiz form the learner cannot have sent as it was shown: the words; the status is the error's own.
_DAMAGED_FORM: Wording = {
    BadAttemptKey: lambda exc: _("The quiz form is damaged (its attempt key is missing or wrong). "
                                 "Please reload the quiz and answer again."),
    UnknownQuestion: lambda exc: _("The answers name a question that is not in this quiz (%(id)s). "
                                   "Please reload the quiz and answer again.", id=exc.question),
    KeyUsedElsewhere: lambda exc: _("This form was already sent for another quiz. "
                                    "Please reload the quiz and answer again."),
}


@bp.route("/courses/<slug>/<module_slug>/attempts", methods=["POST"])
@login_required
def submit_attempt(slug: str, module_slug: str):
    try:  # the curriculum's read model: grading and storing read a few of its fields
        module = catalog_service.active_module_row(slug, module_slug)
    except NotFound:
        abort(404)
    # The global CSRFProtect has already checked the form's token; a form object would check it
    # again, at a cost the profiler shows. The key and the answers are
    # checked by the service, by the same rules as the API's.
    key = request.form.get("attempt_key", "")
    questions = attempt_service.active_questions(module)
    responses = attempt_service.responses_from_form(questions, request.form)

    user = _user()

    def work() -> int:
        # The module and its questions are plain rows, valid on a retry. The number is read
        # before the commit expires the attempt.
        return attempt_service.submit(user, module, responses, key, questions).number

    try:
        number = commit_with_retry(work)
    except NotEnrolled:
        abort(403)
    except NoQuiz:
        abort(404)
    except (BadAttemptKey, UnknownQuestion, KeyUsedElsewhere) as exc:
        return refusal_response(exc, _DAMAGED_FORM)
    except AttemptLimitReached:
        flash(_("You have used all attempts for this quiz."), "error")
        return redirect(url_for("learn.module", slug=slug, module_slug=module_slug))
    except BadResponses as exc:
        return _render_module(_module_page(slug, module_slug), errors=exc.errors, previous=request.form, status=400)
    return redirect(url_for("learn.attempt_result", slug=slug, module_slug=module_slug, number=number))


@bp.route("/courses/<slug>/<module_slug>/attempts/<int:number>")
@login_required
def attempt_result(slug: str, module_slug: str, number: int):
    page = _module_page(slug, module_slug)
    attempt = attempt_service.attempt_for(current_user, page.module, number)
    if attempt is None:
        abort(404)
    quiz_left = attempt_service.attempts_left(current_user, page.module)
    withheld = attempt_service.feedback_withheld(current_user, page.module, page.course)
    return render_template("learn/attempt.html", page=page, attempt=attempt, attempts_left=quiz_left,
                           items=attempt_service.review(attempt, withheld), withheld=withheld)


@bp.route("/join/<code>")
@login_required
def join_link(code: str):
    """The link an instructor shares: confirm before joining (a GET never changes anything)."""
    from app.services import cohorts
    from app.learn.forms import JoinForm

    cohort = cohorts.find_by_code(code)
    if cohort is None:
        abort(404)
    form = JoinForm(code=cohort.join_code)
    return render_template("learn/join.html", cohort=cohort, form=form)


@bp.route("/cohorts/join", methods=["POST"])
@login_required
def join_cohort():
    from app.services import cohorts
    from app.learn.forms import JoinForm

    form = JoinForm()
    if form.validate_on_submit():
        try:
            cohort = commit_with_retry(lambda: cohorts.join(current_user, form.code.data))
        except cohorts.CohortError as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("You joined “%(name)s”. Its courses are on your dashboard.", name=cohort.name), "success")
    else:
        flash(_("Enter the join code your instructor gave you."), "error")
    return redirect(url_for("learn.dashboard"))
