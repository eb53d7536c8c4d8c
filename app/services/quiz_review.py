"""The summary a learner sees before a quiz is graded: which questions they answered, which not.

Answering one question of seven and pressing the button graded a 14% attempt at once. A review
step (Moodle's "summary of attempt") lists the unanswered questions first; the learner may go
back or submit as they are. Nothing is stored here: the answers travel on in the review page's
hidden fields (no per-process state, and it works without JavaScript), and the final submission
goes to the same route, with the same rules, as before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import grading
from app.curriculum.questions import QuestionType
from app.services import curriculum


@dataclass(frozen=True)
class ReviewLine:
    """One question of the summary, in the order the learner's form showed it."""

    number: int
    field_name: str
    answered: bool


@dataclass(frozen=True)
class QuizReview:
    lines: list[ReviewLine]
    errors: dict[int, str]  # question id -> why its answer could not be read
    carried: list[tuple[str, str]]  # the form's answers, as (name, value) pairs, to send on

    @property
    def unanswered(self) -> list[ReviewLine]:
        return [line for line in self.lines if not line.answered]

    @property
    def answered_count(self) -> int:
        return sum(line.answered for line in self.lines)


def review_answers(items: list, responses: dict[int, Any], form) -> QuizReview:
    """The summary of the learner's answers to the quiz form ``items`` (attempts.quiz_view's,
    numbered as the learner saw them), read from ``responses`` (attempts.responses_from_form).

    An answer that cannot be read (a number written in words) is an error, as the submission
    would find: the learner corrects it before the summary, not after. Text questions stay
    unchecked beyond being empty or not. Description items are not questions and are left out.
    ``form``: the submitted MultiDict, whose answer fields (and only those) are carried on.
    """
    lines, errors, names = [], {}, {"attempt_key"}
    for item in items:
        question = item.question
        names.add(item.field_name)
        if question.qtype == QuestionType.MATCHING.value:
            names.update(f"{item.field_name}-{index}" for index, _html in question.rendered["pairs_left"])
        if question.qtype == QuestionType.DESCRIPTION.value:
            continue
        raw = responses.get(question.id)
        answered = raw not in (None, [], {})
        if answered:
            try:
                grading.parse_response(curriculum.parsed(question), raw)
            except grading.ResponseError as exc:
                errors[question.id] = exc.message
        lines.append(ReviewLine(item.number, item.field_name, answered))
    carried = [(name, value) for name, value in form.items(multi=True) if name in names and value != ""]
    return QuizReview(lines, errors, carried)
