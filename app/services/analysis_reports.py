"""Feeding a cohort's attempts into app.analysis: item analysis per quiz and learning gain.

The figures are computed by the pure functions of ``app.analysis``; this module only fetches the
rows (a fixed number of queries per report, whatever the cohort's size) and shapes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.analysis import (
    AnswerRow, AttemptRow, FormAttempt, GainReport, ItemAnalysis, QuestionMeta, analyse_quiz, learning_gain,
)
from app.curriculum.markdown import html_to_text
from app.extensions import db
from app.models.catalog import Course, Module, Question
from app.models.cohorts import Cohort, CohortMember
from app.models.learning import Attempt
from app.models.people import User


@dataclass
class QuizReport:
    module: Module
    analysis: ItemAnalysis
    questions: dict[str, Question]  # ident -> row, for the stem


def _member_ids(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))


def _questions_by_module(course: Course) -> tuple[list[Module], dict[int, list[Question]]]:
    modules = list(db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None)).order_by(Module.position)))
    by_module: dict[int, list[Question]] = {}
    for q in db.session.scalars(
        select(Question).where(Question.course_id == course.id, Question.retired_at.is_(None))
        .order_by(Question.position)
    ):
        by_module.setdefault(q.module_id, []).append(q)
    return modules, by_module


def _attempts(cohort: Cohort, module_ids: list[int]) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).where(Attempt.module_id.in_(module_ids or [-1]), Attempt.user_id.in_(_member_ids(cohort)))
        .options(selectinload(Attempt.answers)).order_by(Attempt.user_id, Attempt.number)))


def item_analysis(cohort: Cohort, course: Course) -> list[QuizReport]:
    """Item analysis of every quiz of the course, over the cohort's learners (first attempts)."""
    modules, by_module = _questions_by_module(course)
    quiz_modules = [m for m in modules if by_module.get(m.id)]
    attempts = _attempts(cohort, [m.id for m in quiz_modules])
    folder = f"courses/{Path(course.source_dir).name}"
    reports = []
    for module in quiz_modules:
        questions = by_module[module.id]
        idents = {q.id: q.ident for q in questions}
        rows = [_attempt_row(a, idents) for a in attempts if a.module_id == module.id]
        metas = [_meta(q, f"{folder}/{module.filename}") for q in questions]
        reports.append(QuizReport(module, analyse_quiz(rows, metas), {q.ident: q for q in questions}))
    return reports


def _attempt_row(attempt: Attempt, idents: dict[int, str]) -> AttemptRow:
    answers = {}
    for a in attempt.answers:
        ident = idents.get(a.question_id, a.question_snapshot.get("ident", str(a.question_id)))
        answers[ident] = AnswerRow(a.fraction, _chosen(a), a.status)
    return AttemptRow(attempt.user_id, attempt.score, answers, attempt.number)


def _chosen(answer) -> list[int] | None:
    qtype, response = answer.question_snapshot.get("type"), answer.response
    if response is None:
        return None
    if qtype == "truefalse":
        return [0 if response else 1]
    if qtype == "multichoice":
        return [int(response)]
    if qtype == "multiresponse":
        return [int(i) for i in response]
    return None


def _meta(q: Question, path: str) -> QuestionMeta:
    data = q.data
    if q.qtype == "truefalse":
        options, keys = ("True", "False"), frozenset({0 if data.get("answer") else 1})
    else:
        options = tuple(html_to_text(h) for h in q.rendered.get("choices", [])) if q.qtype in (
            "multichoice", "multiresponse") else ()
        keys = frozenset(i for i, c in enumerate(data.get("choices", [])) if float(c.get("weight", 0)) > 0)
    return QuestionMeta(q.ident, q.qtype, options, keys, path, q.source_line)


@dataclass
class GainView:
    report: GainReport | None
    pretest: Module | None
    posttest: Module | None
    names: dict[int, str]


def gain_report(cohort: Cohort, course: Course) -> GainView:
    """Pre/post learning gain of the cohort, overall and by question tag (e.g. ACRL frame)."""
    modules, by_module = _questions_by_module(course)
    pre = next((m for m in modules if m.kind == "pretest"), None)
    post = next((m for m in modules if m.kind == "posttest"), None)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(_member_ids(cohort)))).all())
    if pre is None or post is None:
        return GainView(None, pre, post, names)
    attempts = _attempts(cohort, [pre.id, post.id])

    def forms(module: Module) -> list[FormAttempt]:
        idents = {q.id: q.ident for q in by_module.get(module.id, [])}
        return [FormAttempt(a.user_id, {idents.get(x.question_id, str(x.question_id)): x.fraction
                                        for x in a.answers if x.status != "ungraded"}, a.number)
                for a in attempts if a.module_id == module.id]

    def tags(module: Module) -> dict[str, list[str]]:
        return {q.ident: list(q.tags or []) for q in by_module.get(module.id, [])}

    report = learning_gain(forms(pre), forms(post), tags(pre), tags(post))
    return GainView(report, pre, post, names)
