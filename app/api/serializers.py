"""JSON shapes of the API: plain dicts built from service results, described in openapi.py.

Nothing here queries the database beyond the relationships the services already loaded; a quiz
question exposes only its stem, its choices (choice types) and matching items and options,
never the key or any feedback.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from app import learning_rules
from app.curriculum.questions import QuestionType
from app.models.catalog import Course
from app.models.learning import Attempt
from app.services import credit as credit_rule
from app.services.attempts import CHOICE_TYPES, QuizView
from app.services.catalog import CourseCard, CoursePage
from app.services.dashboard import CourseProgress
from app.services.progress import ModuleStatus


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def course_card(card: CourseCard, authenticated: bool) -> dict[str, Any]:
    c = card.course
    data = {
        "slug": c.slug, "title": c.title, "language": c.language, "summary": c.summary,
        "audience": c.audience, "track": c.track, "hours": float(c.hours or 0),
        "pass_mark": c.pass_mark, "module_count": card.module_count, "translation_of": c.translation_of,
        "group": c.translation_of or c.slug,  # the course for credit its translations share (credit.course_key)
    }
    if authenticated:
        data["my_status"] = card.status
    return data


def course_detail(page: CoursePage, has_quiz: dict[int, bool], authenticated: bool) -> dict[str, Any]:
    c = page.course
    data = {
        "slug": c.slug, "title": c.title, "language": c.language, "summary": c.summary,
        "audience": c.audience, "track": c.track, "hours": float(c.hours or 0), "pass_mark": c.pass_mark,
        "translation_of": c.translation_of, "outcomes": list(c.outcomes or []), "tags": list(c.tags or []),
        "authors": [dict(p) for p in c.authors or ()], "reviewers": [dict(p) for p in c.reviewers or ()],
        "sources": list(c.sources or []),
        "translations": [{"slug": t.slug, "language": t.language} for t in page.translations],
        "modules": [module_entry(s, has_quiz.get(s.module.id, False), authenticated) for s in page.modules],
    }
    if authenticated:
        data["my_status"] = learning_rules.enrolment_status_of(page.enrolment)
    return data


def module_entry(status: ModuleStatus, has_quiz: bool, authenticated: bool) -> dict[str, Any]:
    m = status.module
    data = {"slug": m.slug, "position": m.position, "title": m.title, "minutes": m.minutes,
            "kind": m.kind, "has_quiz": has_quiz}
    if authenticated:
        data["my_status"] = status.status
        data["my_best_score"] = status.best_score
    return data


def quiz(view: QuizView, course_slug: str) -> dict[str, Any]:
    m = view.module
    return {
        "course": course_slug, "module": m.slug, "pass_mark": m.quiz_pass_mark,
        "attempts_allowed": view.attempts_allowed, "attempts_used": view.attempts_used,
        "attempts_left": view.attempts_left, "best_score": view.best_score,
        "idempotency_key": view.idempotency_key,
        "questions": [quiz_question(item) for item in view.items],
    }


def quiz_question(item) -> dict[str, Any]:
    """One question as the learner sees it before answering: whitelisted parts only."""
    q = item.question
    rendered = q.rendered
    data: dict[str, Any] = {"id": q.ident, "number": item.number, "type": q.qtype, "stem_html": rendered["stem"]}
    if q.qtype in CHOICE_TYPES:
        data["choices"] = [{"index": i, "html": rendered["choices"][i]} for i in item.choice_order]
    elif q.qtype == QuestionType.MATCHING.value:
        data["items"] = [{"index": int(i), "html": html} for i, html in rendered["pairs_left"]]
        data["options"] = list(item.right_options)
    return data


def attempt_result(attempt: Attempt, review_items, withheld: bool = False) -> dict[str, Any]:
    """An attempt with each answer's status, own ``mark`` (percent; an essay's is the
    instructor's grade) and ``comment``, as the learner's result page shows them: with
    ``withheld`` (a pretest before the posttest, attempts.feedback_withheld) no answer's
    right-or-wrong, fraction, mark or feedback is sent."""
    module = attempt.module
    return {
        "course": module.course.slug, "module": module.slug, **attempt_summary_fields(attempt),
        "pass_mark": attempt.pass_mark, "feedback_withheld": withheld,
        "answers": [
            {
                "question_id": item.answer.question_snapshot.get("ident") or item.answer.question.ident,
                "status": item.status,
                "fraction": None if item.status == "withheld" else item.answer.fraction,
                "mark": item.mark, "comment": item.comment,
                "feedback_html": list(item.feedback_html), "general_feedback_html": item.general_feedback_html,
            }
            for item in review_items
        ],
    }


def attempt_summary_fields(attempt: Attempt) -> dict[str, Any]:
    return {"number": attempt.number, "score": attempt.score, "auto_score": attempt.auto_score,
            "passed": bool(attempt.is_passed), "pending": bool(attempt.is_pending),
            "submitted_at": iso(attempt.submitted_at)}


def attempt_summary(attempt: Attempt) -> dict[str, Any]:
    module = attempt.module
    return {"course": module.course.slug, "module": module.slug, **attempt_summary_fields(attempt)}


def my_progress(courses: list[CourseProgress], rows: dict[int, Any]) -> dict[str, Any]:
    """The progress API's answer: ``{"courses": [...]}``, an entry per course (course, title,
    modules_total, modules_done, percent, enrolled_at, completed_at, modules) and in it an entry
    per module (slug, title, status, best_score). ``rows``: the learner's progress rows by module
    id (Dashboard.progress)."""
    return {"courses": [{
        "course": cp.course.slug, "title": cp.course.title, "modules_total": cp.total, "modules_done": cp.done,
        "percent": cp.percent, "enrolled_at": iso(cp.enrolment.enrolled_at), "completed_at": iso(cp.enrolment.completed_at),
        "modules": [_module_progress(m, rows.get(m.id)) for m in cp.modules],
    } for cp in courses]}


def _module_progress(module, row) -> dict[str, Any]:
    if row is None:
        return {"slug": module.slug, "title": module.title, "status": learning_rules.NOT_STARTED, "best_score": None}
    return {"slug": module.slug, "title": module.title, "status": learning_rules.module_status_of(row),
            "best_score": row.best_score}


def enrolment(course: Course, e) -> dict[str, Any]:
    return {"course": course.slug, "enrolled_at": iso(e.enrolled_at), "completed_at": iso(e.completed_at)}


def matrix(m) -> dict[str, Any]:
    """A cohort's progress matrix (app.services.reports.Matrix) as JSON."""
    return {
        "cohort": {"id": m.cohort.id, "name": m.cohort.name},
        "course": m.course.slug,
        "modules": [{"slug": mod.slug, "title": mod.title} for mod in m.modules],
        "learners": [{
            "id": row.learner.id, "name": row.learner.name, "email": row.learner.email,
            "completed": row.completed, "modules_done": row.done, "mean_score": row.mean_score,
            "cells": [{"status": c.status, "best_score": c.best_score, "attempts": c.attempts} for c in row.cells],
        } for row in m.rows],
        "totals": [{"module": t.module.slug, "done": t.done, "attempted": t.attempted, "mean_best": t.mean_best}
                   for t in m.totals],
    }


def credit(board, certs: list, other_languages: dict[int, list[str]]) -> dict[str, Any]:
    """The learner's ledger (app.services.ledger.ledger_for) as the API gives it: the same
    counted totals as the transcript, every entry with whether it counts, and the certificates."""
    return {
        "total_hours": board.total,
        "by_year": [{"year": year, "hours": hours} for year, hours in board.by_year.items()],
        "tracks": [{"track": p.track.slug, "hours": p.hours, "level": p.current["id"] if p.current else None,
                    "next_level": p.next_level["id"] if p.next_level else None, "hours_left": p.hours_left}
                   for p in board.levels],
        "entries": [{"source": e.source, "course": e.course.slug if e.course is not None else None,
                     "title": e.title, "track": e.track, "activity_date": e.activity_date.isoformat(),
                     "hours": e.hours, "status": e.status, "counted": credit_rule.counts(e),
                     "revoked_at": iso(e.revoked_at)} for e in board.entries],
        "certificates": [{"code": c.code, "kind": c.kind, "course": c.course.slug if c.course is not None else None,
                          "track": c.track, "level": c.level, "hours": c.hours, "language": c.language,
                          "other_languages": other_languages.get(c.id, []), "issued_at": iso(c.issued_at),
                          "revoked_at": iso(c.revoked_at)} for c in certs],
    }
