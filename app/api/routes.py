"""API endpoints: parse the request, call a service, serialize; errors are JSON (app/errors.py)."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from flask import abort, current_app, jsonify, make_response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import bp, serializers
from app.api.openapi import openapi_document
from app.caching import kept_for_learner
from app.errors import Wording, error_response, refusal_response
from app.extensions import db
from app.models.learning import Attempt
from app.services import attempts as attempt_service
from app.services import catalog as catalog_service
from app.services import dashboard as dashboard_service
from app.services import enrolment as enrolment_service
from app.services.errors import (AttemptLimitReached, BadAttemptKey, BadResponses, KeyUsedElsewhere, NoQuiz,
                                 NotEnrolled, NotFound, ServiceError, UnknownQuestion)
from app.services.transactions import commit_with_retry

# Slugs come from folder and file names; anything else cannot name a course or module, and is
# answered without a look-up. (Control characters never get this far: app/input_rule.py.)
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
MAX_FILTER = 200


def _fail(status: int, message: str):
    """Stop the request with a JSON error whose message is kept whatever the status."""
    abort(make_response(error_response(status, message)))


def _user():
    user = current_user._get_current_object()  # not the proxy, which looks the user up on every read
    return user if user.is_authenticated else None


def _filter(name: str) -> str:
    """A query-string filter, as long as a search needs (its text already passed the input rule)."""
    return request.args.get(name, "")[:MAX_FILTER]


def _course_page(slug: str):
    if not SLUG.fullmatch(slug):
        _fail(404, _("There is no such course."))
    try:
        return catalog_service.course_page(_user(), slug)
    except NotFound:
        _fail(404, _("There is no such course."))


def _course(slug: str):
    if not SLUG.fullmatch(slug):
        _fail(404, _("There is no such course."))
    try:
        return catalog_service.published_course(slug)
    except NotFound:
        _fail(404, _("There is no such course."))


def _module_page(slug: str, module_slug: str):
    if not SLUG.fullmatch(slug):
        _fail(404, _("There is no such course."))
    if not SLUG.fullmatch(module_slug):
        _fail(404, _("There is no such module in this course."))
    try:
        return catalog_service.module_page(_user(), slug, module_slug)
    except NotFound as exc:
        missing_module = "module" in exc.message  # the service names what it could not find
        _fail(404, _("There is no such module in this course.") if missing_module else _("There is no such course."))


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.route("/me")
@login_required
def me():
    return jsonify(
        id=current_user.id,
        name=current_user.name,
        email=current_user.email,
        role=current_user.role.value,
        locale=current_user.locale,
    )


@bp.route("/courses")
def courses():
    result = catalog_service.catalog(
        _user(), query=_filter("q"), language=_filter("language"),
        audience=_filter("audience"), track=_filter("track"),
    )
    authenticated = current_user.is_authenticated
    return jsonify(courses=[serializers.course_card(card, authenticated) for card in result.cards])


@bp.route("/courses/<slug>")
def course(slug: str):
    page = _course_page(slug)
    has_quiz = {s.module.id: bool(s.module.has_quiz) for s in page.modules}
    return jsonify(serializers.course_detail(page, has_quiz, current_user.is_authenticated))


@bp.route("/courses/<slug>/enrolment", methods=["POST"])
@login_required
def enrol(slug: str):
    course = _course(slug)
    was_enrolled = enrolment_service.is_enrolled(current_user, course)
    enrolment = commit_with_retry(
        lambda: enrolment_service.enrol(current_user, catalog_service.published_course(slug)))
    return jsonify(serializers.enrolment(course, enrolment)), 200 if was_enrolled else 201


@bp.route("/courses/<slug>/enrolment", methods=["DELETE"])
@login_required
def leave(slug: str):
    course = _course(slug)
    enrolment_service.leave(current_user, course)
    db.session.commit()
    return "", 204


@bp.route("/courses/<slug>/modules/<module>/quiz")
@login_required
def quiz(slug: str, module: str):
    page = _module_page(slug, module)
    if not page.is_enrolled:
        return error_response(403, _("Enrol in the course to take its quizzes."))
    view = attempt_service.quiz_view(current_user, page.module, page.status.best_score)
    if view is None:
        return error_response(404, _("This module has no quiz."))
    return jsonify(serializers.quiz(view, page.course.slug))


# A refused submission's words; its status is the error's own (app/services/errors.py).
_SUBMISSION_REFUSALS: Wording = {
    NotFound: lambda exc: _("There is no such module in this course."),
    NotEnrolled: lambda exc: _("Enrol in the course to take its quizzes."),
    BadAttemptKey: lambda exc: _("idempotency_key must be 1 to 64 letters, digits or . _ : -"),
    UnknownQuestion: lambda exc: _("There is no question %(id)s in this quiz.", id=exc.question),
    KeyUsedElsewhere: lambda exc: _("This idempotency_key was already used for another quiz."),
    NoQuiz: lambda exc: _("This module has no quiz."),
    AttemptLimitReached: lambda exc: _("You have used all attempts for this quiz."),
}


@bp.route("/courses/<slug>/modules/<module>/attempts", methods=["POST"])
@login_required
def submit_attempt(slug: str, module: str):
    page = _module_page(slug, module)
    questions = attempt_service.active_questions(page.module)
    key, answers = _attempt_request()

    def work() -> attempt_service.Submitted:
        responses = attempt_service.responses_from_json(questions, answers)
        return attempt_service.submit(current_user, page.module, responses, key, questions)

    try:
        submitted = commit_with_retry(work)
    except BadResponses as exc:
        ident = {q.id: q.ident for q in questions}
        return error_response(400, "; ".join(
            _("question %(id)s: %(problem)s", id=ident.get(qid, qid), problem=problem)
            for qid, problem in exc.errors.items()))
    except ServiceError as exc:
        return refusal_response(exc, _SUBMISSION_REFUSALS)
    attempt = db.session.get(Attempt, submitted.id)
    return jsonify(_attempt_body(page, attempt)), 200 if submitted.replayed else 201


@bp.route("/courses/<slug>/modules/<module>/attempts/<int:number>")
@login_required
def attempt(slug: str, module: str, number: int):
    page = _module_page(slug, module)
    found = attempt_service.attempt_for(current_user, page.module, number)
    if found is None:
        return error_response(404, _("There is no such attempt."))
    return jsonify(_attempt_body(page, found))


def _attempt_body(page, attempt: Attempt) -> dict[str, Any]:
    """The attempt as its result page shows it, a pretest's feedback held back alike."""
    withheld = attempt_service.feedback_withheld(current_user, page.module, page.course)
    return serializers.attempt_result(attempt, attempt_service.review(attempt, withheld), withheld)


def _attempt_request() -> tuple[Any, dict]:
    """The idempotency key (a fresh one when the body has none) and the ``answers`` object of an
    attempt's JSON body: only the envelope; the service checks the key and the answers."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        _fail(400, _("The body must be a JSON object with \"answers\"."))
    key = body.get("idempotency_key")
    if key is None:
        key = uuid.uuid4().hex
    answers = body.get("answers", {})
    if not isinstance(answers, dict):
        _fail(400, _("\"answers\" must be an object mapping question ids to answers."))
    return key, answers


@bp.route("/me/progress")
@login_required
def my_progress():
    return current_app.response_class(_progress_body(current_user._get_current_object()),
                                      mimetype=current_app.json.mimetype)


@kept_for_learner
def _progress_body(user) -> bytes:
    """The progress API's answer as the UTF-8 JSON it is sent as, kept with the learner's data (an
    app polling the API asks for the same answer again and again)."""
    board = dashboard_service.dashboard_for(user, recent_attempts=0)  # without the latest attempts
    return (json.dumps(serializers.my_progress(board.courses, board.progress), ensure_ascii=False,
                       separators=(",", ":")) + "\n").encode()


@bp.route("/me/credit")
@login_required
def my_credit():
    from app.services import certificates, ledger

    mine = certificates.certificates_of(current_user)
    return jsonify(serializers.credit(ledger.ledger_for(current_user), mine, certificates.other_languages(mine)))


@bp.route("/me/attempts")
@login_required
def my_attempts():
    return jsonify(attempts=[serializers.attempt_summary(a) for a in dashboard_service.attempt_history(current_user)])


@bp.route("/teach/cohorts/<int:cohort_id>/courses/<slug>/progress")
@login_required
def cohort_progress(cohort_id: int, slug: str):
    """The progress matrix as JSON: the same numbers as the instructor's page and its CSV, behind
    the same checks (cohorts.cohort_row_for: who teaches the cohort, and whether it runs the course)."""
    from app.services import cohorts, curriculum, reports

    course = curriculum.course(slug) if SLUG.fullmatch(slug) else None
    try:
        cohort = cohorts.cohort_row_for(_user(), cohort_id, course.id if course is not None else None)
    except cohorts.NoSuchCourse:
        _fail(404, _("There is no such course."))
    except NotFound:
        abort(404)
    except cohorts.Forbidden:
        abort(403)
    return jsonify(serializers.matrix(reports.progress_matrix(cohort, course, _filter("sort") or "name")))
