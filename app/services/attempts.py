"""Quizzes: what a learner is shown, submitting an attempt, and reading its result.

Correct answers and feedback never reach the page before submission: ``quiz_view`` hands the
template only question stems, choice texts and matching options. Grading happens here, on the
server, with the pure graders of ``app.grading``; every answer stores a snapshot of its question
(data and rendered HTML) so later edits to the course never change a past result.
"""
from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select

from app import grading, learning_rules
from app.curriculum.questions import Question as ParsedQuestion
from app.curriculum.questions import QuestionType
from app.extensions import EncodedJSON, db
from app.models.base import utcnow
from app.models.catalog import Module
from app.models.learning import Answer, Attempt, Enrolment
from app.models.people import User
from app.services import curriculum, progress
from app.services.curriculum import ModuleView, QuestionView
from app.services.errors import (AttemptLimitReached, BadAttemptKey, BadResponses, KeyUsedElsewhere, NoQuiz,
                                 NotEnrolled, UnknownQuestion)
from app.services.prepared import Prepared

CHOICE_TYPES = (QuestionType.MULTICHOICE.value, QuestionType.MULTIRESPONSE.value)
# An idempotency key is an opaque token the client makes up (a UUID, say), stored in String(64):
# the same rule for the quiz form's hidden field and the API's ``idempotency_key``.
ATTEMPT_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# A quiz form's answer fields: q<question id>, and q<question id>-<item index> for matching.
_ANSWER_FIELD = re.compile(r"q([0-9]{1,18})(?:-([0-9]{1,9}))?")


@dataclass
class QuizItem:
    """One question as the form shows it: no answers, no feedback."""

    question: QuestionView
    number: int
    choice_order: list[int] = field(default_factory=list)
    right_options: list[str] = field(default_factory=list)

    @property
    def qtype(self) -> str:
        return self.question.qtype

    @property
    def field_name(self) -> str:
        return f"q{self.question.id}"


@dataclass
class QuizView:
    module: ModuleView
    items: list[QuizItem]
    attempts_used: int
    attempts_allowed: int | None
    best_score: float | None
    idempotency_key: str

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(0, self.attempts_allowed - self.attempts_used)

    @property
    def can_attempt(self) -> bool:
        return self.attempts_left is None or self.attempts_left > 0


def active_questions(module: ModuleView) -> list[QuestionView]:
    """The module's active questions in order (app.services.curriculum's kept read)."""
    return list(curriculum.questions(module.id))


def attempts_used(user: User, module: ModuleView) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attempt).where(Attempt.user_id == user.id, Attempt.module_id == module.id)
    ) or 0


def attempt_for(user: User, module: ModuleView, number: int) -> Attempt | None:
    """The learner's own attempt by its number; another learner's is never returned."""
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.module_id == module.id, Attempt.number == number)
    )


def attempts_left(user: User, module: ModuleView) -> int | None:
    """None when unlimited."""
    if module.quiz_attempts is None:
        return None
    return max(0, module.quiz_attempts - attempts_used(user, module))


def quiz_view(user: User, module: ModuleView, best_score: float | None) -> QuizView | None:
    """The quiz form for the learner's next attempt, or None when the module has no quiz.

    ``best_score``: the learner's best score in the module, which the caller's page has already
    read with the learner's progress (``ModuleStatus.best_score``).
    With ``quiz_shuffle`` the order of questions, of choices and of matching options is shuffled
    with a seed of (learner, module, attempt number): stable across reloads, new for each attempt.
    """
    questions = active_questions(module)
    if not questions:
        return None
    used = attempts_used(user, module)
    rng = random.Random(f"{user.id}:{module.id}:{used + 1}") if module.quiz_shuffle else None
    items = [_quiz_item(q, rng) for q in questions]
    if rng is not None:
        rng.shuffle(items)
    for number, item in enumerate(items, start=1):
        item.number = number
    return QuizView(module, items, used, module.quiz_attempts, best_score, uuid.uuid4().hex)


def _quiz_item(question: QuestionView, rng: random.Random | None) -> QuizItem:
    item = QuizItem(question, 0)
    if question.qtype in CHOICE_TYPES:
        item.choice_order = list(range(len(question.rendered["choices"])))
        if rng is not None:
            rng.shuffle(item.choice_order)
    elif question.qtype == QuestionType.MATCHING.value:
        item.right_options = list(question.rendered["pairs_right"])
        if rng is not None:
            rng.shuffle(item.right_options)
    return item


def responses_from_form(questions: list[QuestionView], form) -> dict[int, Any]:
    """Turn the quiz form (a MultiDict) into {question id: raw response}; unanswered -> None.

    A field named for a question that is not one of ``questions`` is kept under its id, for
    ``submit`` to refuse (UnknownQuestion); other fields (the CSRF token, the key) are not answers.
    """
    by_id = {q.id: q for q in questions}
    responses: dict[int, Any] = {}
    items: dict[int, dict[str, str]] = {}  # matching: the item fields sent, by question
    for name in form:
        match = _ANSWER_FIELD.fullmatch(name)
        if match is None:
            continue
        qid = int(match[1])
        if qid not in by_id:
            responses[qid] = form.get(name)
        elif match[2] is not None:
            items.setdefault(qid, {})[match[2]] = form.get(name, "")
    for q in questions:
        name = f"q{q.id}"
        if q.qtype == QuestionType.MULTIRESPONSE.value:
            responses[q.id] = form.getlist(name)
        elif q.qtype == QuestionType.MATCHING.value:
            # Every item field sent, so the grader refuses one the question does not have.
            chosen = items.get(q.id, {})
            responses[q.id] = chosen if any(chosen.values()) else None
        else:
            value = form.get(name)
            responses[q.id] = value if value not in (None, "") else None
    return responses


def responses_from_json(questions: list[QuestionView], answers: Mapping[str, Any]) -> dict[int, Any]:
    """The API's ``answers`` ({question id in the course files: raw response}) as {question
    row id: raw response}. Raises UnknownQuestion for an id that is not one of ``questions``."""
    by_ident = {q.ident: q.id for q in questions}
    responses: dict[int, Any] = {}
    for ident, value in answers.items():
        if ident not in by_ident:
            raise UnknownQuestion(ident)
        responses[by_ident[ident]] = value
    return responses


def _intake():
    """What a submission reads before it writes, in one statement built once: the learner's
    enrolment in the course (id, left_at, completed_at), their attempts in the module so far, and
    the id of their attempt sent with this idempotency key if there is one. Each lookup goes by
    its own unique index ((user, course), (user, module, number), (user, key)).

    The enrolment row is locked (``FOR UPDATE OF enrolments``; nothing on SQLite, whose writers
    queue anyway): everything that numbers a learner's attempts in a course locks it first, so on
    PostgreSQL two workers submitting for the same learner queue instead of both taking the same
    "next attempt number"."""
    a, e = Attempt.__table__.c, Enrolment.__table__.c
    user_id = bindparam("user_id")
    used = (select(func.count()).select_from(Attempt.__table__)
            .where(a.user_id == user_id, a.module_id == bindparam("module_id")).scalar_subquery())
    replayed = (select(a.id).where(a.user_id == user_id, a.idempotency_key == bindparam("key"))
                .scalar_subquery())
    return (select(e.id, e.left_at, e.completed_at, used, replayed)
            .where(e.user_id == user_id, e.course_id == bindparam("course_id"))
            .with_for_update(of=Enrolment.__table__))


_INTAKE = _intake()
_REPLAYED = select(Attempt.__table__.c.number, Attempt.__table__.c.module_id).where(
    Attempt.__table__.c.id == bindparam("attempt_id"))
_INSERT_ATTEMPT = insert(Attempt.__table__)
ANSWER_COLUMNS = ("attempt_id", "question_id", "position", "response", "fraction", "status", "feedback",
                  "question_snapshot", "rendered_snapshot", "created_at", "updated_at")
# Converted before the first write; only the attempt's id is filled in inside the writers' turn.
_INSERT_ANSWERS = Prepared(insert(Answer.__table__), ANSWER_COLUMNS, late=("attempt_id",))


class Submitted(NamedTuple):
    """A stored attempt, as a submission's answer needs it (``submit``)."""

    id: int
    number: int
    replayed: bool  # the key had been used: nothing new was stored


def submit(user: User, module: ModuleView, responses: Mapping[int, Any], idempotency_key: str,
           questions: list[QuestionView] | None = None) -> Submitted:
    """Grade and store one attempt, and fold it into the learner's progress; the caller commits
    (with ``commit_with_retry``).

    The writes are Core statements on the session's connection: an attempt is written once and
    read back only on its result page, and on SQLite every write waits for the one writers' turn
    (``app.platform.sqlite``), so the turn is held for three plain statements (four for a passing
    attempt) and the commit; the ORM's unit of work (an Attempt object, a flush, the bulk-insert
    machinery for the answers) held it far longer.

    Args:
        module: the curriculum's read model of it (app.services.curriculum): its id,
            course_id, quiz_attempts and quiz_pass_mark are read.
        responses: {question id: raw response}; a missing or None response counts as unanswered.
        idempotency_key: the same form submitted twice records one attempt: the second call
            returns the first attempt, marked ``replayed``. Must match ``ATTEMPT_KEY``.
        questions: the module's ``active_questions``, when the caller already read them to parse
            the form (they are then not read again).
    Raises (nothing stored in each case):
        BadAttemptKey, NotEnrolled, KeyUsedElsewhere (the key names another module's attempt),
        NoQuiz, AttemptLimitReached, UnknownQuestion (a response to a question not in the
        module's quiz: another module's, a retired one or none), BadResponses (wrong format).
    The form and the API both come here, so they take the same keys and the same answers.
    """
    if not isinstance(idempotency_key, str) or not ATTEMPT_KEY.fullmatch(idempotency_key):
        raise BadAttemptKey("the attempt key must be 1 to 64 letters, digits or . _ : -")
    conn = db.session.connection()
    intake = conn.execute(_INTAKE, {"user_id": user.id, "course_id": module.course_id,
                                    "module_id": module.id, "key": idempotency_key}).first()
    if intake is None:
        raise NotEnrolled("Enrol in the course to take its quizzes.")
    enrolment_id, left_at, completed_at, used, replayed = intake
    if replayed is not None:
        number, module_id = conn.execute(_REPLAYED, {"attempt_id": replayed}).one()
        if module_id != module.id:
            raise KeyUsedElsewhere("this attempt key was already used for another quiz")
        return Submitted(replayed, number, True)
    if left_at is not None:
        raise NotEnrolled("Enrol in the course to take its quizzes.")
    questions = active_questions(module) if questions is None else questions
    if not questions:
        raise NoQuiz("This module has no quiz.")
    used = used or 0
    if module.quiz_attempts is not None and used >= module.quiz_attempts:
        raise AttemptLimitReached("You have used all attempts for this quiz.")
    graded = _grade_all(questions, responses)  # before the first write: outside the writers' turn
    attempt, answers = _rows(user, module, used + 1, idempotency_key, graded)
    # Everything the writes need is ready before the first of them takes the writers' turn.
    answers = [_INSERT_ANSWERS.values(conn, a) for a in answers]
    record = progress.attempt_record(conn, user, module, attempt["score"], attempt["is_passed"])
    attempt_id = conn.execute(_INSERT_ATTEMPT, attempt).inserted_primary_key[0]
    if answers:
        _INSERT_ANSWERS.execute(conn, answers, attempt_id=attempt_id)
    progress.record_attempt(record, enrolment_id, completed_at is not None)
    return Submitted(attempt_id, used + 1, False)


@dataclass
class _Graded:
    question: QuestionView
    parsed: ParsedQuestion
    response: Any
    score: grading.Score | None  # None: unanswered


def _grade_all(questions: list[QuestionView], responses: Mapping[int, Any]) -> list[_Graded]:
    known = {q.id for q in questions}
    for qid in responses:
        if qid not in known:
            raise UnknownQuestion(f"q{qid}")
    results, errors = [], {}
    for q in questions:
        parsed = curriculum.parsed(q)
        raw = responses.get(q.id)
        if parsed.type is QuestionType.DESCRIPTION or raw is None or raw == [] or raw == {}:
            results.append(_Graded(q, parsed, None, None))
            continue
        try:
            value = grading.parse_response(parsed, raw)
            results.append(_Graded(q, parsed, _jsonable(value), grading.grade(parsed, value)))
        except grading.ResponseError as exc:
            errors[q.id] = exc.message
    if errors:
        raise BadResponses(errors)
    return results


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


def _rows(user: User, module: ModuleView, number: int, key: str,
          graded: list[_Graded]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The attempt's row and its answers' rows (each answer with its question snapshots), all
    built before the first write; the answers get the attempt's id once it has one."""
    now = utcnow()
    answers = [_answer(position, g, curriculum.snapshot(g.question), now) for position, g in enumerate(graded, 1)]
    marks = [(a["status"], a["fraction"]) for a in answers]
    result = learning_rules.attempt_result(marks, module.quiz_pass_mark)
    # The automatic part: the same score over the questions the graders mark (no essays).
    auto = learning_rules.attempt_score(m for m, g in zip(marks, graded) if g.parsed.type is not QuestionType.ESSAY)
    attempt = dict(
        user_id=user.id, module_id=module.id, number=number, idempotency_key=key, submitted_at=now,
        score=result.score, auto_score=auto, pass_mark=module.quiz_pass_mark, is_passed=result.passed,
        is_pending=result.pending,
    )
    return attempt, answers


def _answer(position: int, g: _Graded, snapshot: tuple[EncodedJSON, EncodedJSON], now: datetime) -> dict[str, Any]:
    """An answer's row but its attempt's id; ``snapshot``: its question's data and rendered HTML as
    kept JSON text. Its timestamps are given (not left to the columns' defaults): its values are
    converted before the writes (``prepared``)."""
    if g.score is None:
        status = learning_rules.UNGRADED if g.parsed.type is QuestionType.DESCRIPTION else learning_rules.UNANSWERED
        fraction = None if status == learning_rules.UNGRADED else 0.0
        feedback = []
    else:
        status, fraction = g.score.status.value, g.score.fraction
        feedback = feedback_items(g.question.rendered, g.parsed, g.response, g.score)
        if status == learning_rules.PENDING:
            fraction = None
    data, rendered = snapshot
    return dict(
        question_id=g.question.id, position=position, response=g.response,
        fraction=fraction, status=status, feedback=feedback, question_snapshot=data,
        rendered_snapshot=rendered, created_at=now, updated_at=now,
    )


def feedback_items(rendered: dict, parsed: ParsedQuestion, response: Any, score: grading.Score) -> list[str]:
    """The rendered feedback for what the learner chose, in answer order."""
    qtype = parsed.type
    if qtype is QuestionType.TRUEFALSE:
        html = rendered["feedback_true"] if response else rendered["feedback_false"]
        return [html] if html else []
    if qtype is QuestionType.NUMERICAL:
        source = rendered["number_feedback"]
    elif qtype in (QuestionType.MULTICHOICE, QuestionType.MULTIRESPONSE, QuestionType.SHORTANSWER):
        source = rendered["choice_feedback"]
    else:
        return []
    keys = [p.key for p in score.parts] if score.parts else []
    return [source[k] for k in keys if 0 <= k < len(source) and source[k]]


GRADED = (learning_rules.CORRECT, learning_rules.PARTIAL, learning_rules.INCORRECT)


@dataclass
class ReviewItem:
    """One answered question on the result page, built only from the answer's snapshot.

    ``mark``: the question's own mark in percent (an essay's is the instructor's grade), None
    while it waits or when it is withheld; ``comment``: the instructor's comment, if any;
    ``withheld``: whether the result and feedback are held back (a pretest, ``feedback_withheld``).
    """

    number: int
    answer: Answer
    stem_html: str
    qtype: str
    chosen_html: list[str]  # what the learner chose, as safe HTML or plain text
    chosen_is_html: bool
    pairs: list[tuple[str, str, bool | None]]  # matching: (left html, chosen text, right? or None)
    feedback_html: list[str]
    general_feedback_html: str
    mark: float | None = None
    comment: str | None = None
    withheld: bool = False

    @property
    def status(self) -> str:
        """The answer's status as the learner may see it: "withheld" instead of whether it was
        right when the result is held back (an essay's grade is no key and is always shown)."""
        if self.withheld and self.answer.status in GRADED and self.qtype != QuestionType.ESSAY.value:
            return "withheld"
        return self.answer.status


_POSTTESTS = select(Module.id).where(Module.course_id == bindparam("course_id"), Module.kind == "posttest",
                                     Module.retired_at.is_(None))
_TOOK_POSTTEST = select(Attempt.id).where(Attempt.user_id == bindparam("user_id"),
                                          Attempt.module_id.in_(_POSTTESTS.scalar_subquery())).limit(1)
_HAS_POSTTEST = _POSTTESTS.limit(1)


def feedback_withheld(user: User, module: ModuleView, course) -> bool:
    """Whether an attempt at ``module`` must be shown without its right answers and feedback.

    A pretest's answers and option feedback wait until the learner has taken the course's
    posttest (any attempt): seen earlier, they would teach the posttest's answers, and the
    learning gain would measure the feedback rather than the course. A course may opt out in
    course.yml (``pretest_feedback: immediate``), and a course with no posttest has nothing to
    protect. ``course``: the Course or the curriculum copy's row of it. Reads nothing for any
    other module; for a pretest, whether the learner took a posttest, then whether one exists.
    """
    if module.kind != "pretest" or getattr(course, "pretest_feedback", "after-posttest") == "immediate":
        return False
    params = {"user_id": user.id, "course_id": course.id}
    if db.session.execute(_TOOK_POSTTEST, params).first() is not None:
        return False
    return db.session.execute(_HAS_POSTTEST, params).first() is not None


def review(attempt: Attempt, withheld: bool = False) -> list[ReviewItem]:
    """The result page of an attempt. Shows the learner's own answers, their result, each
    question's mark and the instructor's comment, and the feedback for what they chose; it does
    not reveal the key of questions they got wrong. With ``withheld`` (``feedback_withheld``) it
    shows only what the learner answered: no right or wrong, no mark, no feedback, so none of
    it is in the page at all (an essay's grade and comment are still shown)."""
    items = []
    for number, answer in enumerate(attempt.answers, start=1):
        rendered, data, response = answer.rendered_snapshot, answer.question_snapshot, answer.response
        qtype = data["type"]
        chosen, is_html, pairs = [], False, []
        if response is not None:
            if qtype in CHOICE_TYPES:
                indexes = response if isinstance(response, list) else [response]
                chosen, is_html = [rendered["choices"][i] for i in indexes if 0 <= i < len(rendered["choices"])], True
            elif qtype == QuestionType.TRUEFALSE.value:
                chosen = ["true" if response else "false"]
            elif qtype == QuestionType.MATCHING.value:
                for index, left_html in rendered["pairs_left"]:
                    given = response.get(str(index), "")
                    right = None if withheld else given == data["pairs"][index]["right"]
                    pairs.append((left_html, given, right))
            else:
                chosen = [str(response)]
        hide = withheld and qtype != QuestionType.ESSAY.value
        answered = answer.status != learning_rules.UNANSWERED
        general = rendered.get("general_feedback", "") if answered and not hide else ""
        feedback = [] if hide else list(answer.feedback or [])
        mark = (round(100 * answer.fraction, 2)
                if answer.status in GRADED and answer.fraction is not None and not hide else None)
        items.append(ReviewItem(number, answer, rendered["stem"], qtype, chosen, is_html, pairs,
                                feedback, general, mark, answer.grader_comment, hide))
    return items
