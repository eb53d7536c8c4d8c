"""Grading: a registry of pure functions keyed by question type (CTFd flag-checker pattern).

Adding a type means one ``@_parser`` function (raw form/JSON value -> typed response), one
``@_grader`` function (question, typed response -> Score) and its table of test cases in
tests/unit/test_grading.py. Semantics follow Moodle's question types; no Flask, no database.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

from app import learning_rules
from app.curriculum.questions import Question, QuestionType

__all__ = ["GRADERS", "PARSERS", "Part", "ResponseError", "Score", "Status", "grade", "parse_response"]

MAX_SHORT = 2_000  # a short or numerical answer is a word or a number, never a page
MAX_ESSAY = 100_000  # an essay is a few pages at most; more is an abuse of the form
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class Status(str, Enum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    PENDING = "pending"  # an essay waits for an instructor
    UNGRADED = "ungraded"  # a description asks nothing


@dataclass(frozen=True)
class Part:
    """Detail for one chosen answer (choice questions) or one subquestion (matching).

    ``key`` is the answer's or pair's index in written order (truefalse: 0 is True, 1 False);
    ``response`` what the learner gave for it (matching), ``fraction`` what it is worth (-1..1
    for a choice's weight, 0 or 1/n for a pair), ``correct`` whether it counts as right.
    """

    key: int
    fraction: float
    correct: bool
    feedback: str = ""
    response: Any = None


@dataclass(frozen=True)
class Score:
    """The mark for one response: ``fraction`` in 0..1, ``status``, the ``feedback`` texts for
    what the learner chose (in answer order, empty ones left out) and per-answer ``parts``."""

    fraction: float
    status: Status
    feedback: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)


class ResponseError(ValueError):
    """A response in the wrong shape for its question (the API answers 400 with ``message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# The registries: one response parser and one grader per question type.
PARSERS: dict[QuestionType, Callable[[Question, Any], Any]] = {}
GRADERS: dict[QuestionType, Callable[[Question, Any], Score]] = {}


def _registering_in(registry: dict[QuestionType, Callable]) -> Callable:
    """A decorator, given question types, that files the function under each of them in
    ``registry``: a type shares a parser or grader with another by naming both."""
    def for_types(*types: QuestionType):
        def register(fn):
            for t in types:
                registry[t] = fn
            return fn
        return register
    return for_types


_parser = _registering_in(PARSERS)
_grader = _registering_in(GRADERS)


def parse_response(question: Question, raw: dict | str | list | Any) -> Any:
    """Check a raw form/JSON response and return it in the shape ``grade`` expects.

    Shapes: multichoice -> int (answer index); multiresponse -> frozenset of ints; truefalse
    -> bool; shortanswer/essay -> str; numerical -> float (accepts "3,5" and spaces);
    matching -> dict {pair index: chosen right-hand text}; description -> None.
    Already-parsed values are accepted too. Raises ``ResponseError`` on a bad shape.
    """
    return PARSERS[question.type](question, raw)


def grade(question: Question, response: Any) -> Score:
    """Mark ``response`` (raw or parsed, see ``parse_response``) for ``question``.

    Returns a ``Score`` with the fraction clamped to 0..1. Raises ``ResponseError`` when the
    response has the wrong shape. Pure: same inputs, same score.
    """
    return GRADERS[question.type](question, parse_response(question, response))


_STATUSES = {status.value: status for status in Status}


def _status(fraction: float) -> Status:
    # The one rule for an answer's status (learning_rules): an essay's grade is judged by it too.
    return _STATUSES[learning_rules.answer_status(fraction)]


def _score(fraction: float, feedback: list[str], parts: list[Part]) -> Score:
    fraction = min(1.0, max(0.0, fraction))
    return Score(fraction, _status(fraction), [f for f in feedback if f], parts)


# -- response parsers ------------------------------------------------------------------------

def _single(raw: Any) -> Any:
    """Unwrap a one-element list (how HTML forms send a single value)."""
    if isinstance(raw, (list, tuple)) and len(raw) == 1:
        return raw[0]
    return raw


def _index(raw: Any, count: int, what: str = "answer") -> int:
    raw = _single(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ResponseError(f"{what} must be a number from 0 to {count - 1}")
    if not 0 <= raw < count:
        raise ResponseError(f"{what} {raw} does not exist: choose 0 to {count - 1}")
    return raw


def _text(raw: Any, limit: int = MAX_SHORT) -> str:
    raw = _single(raw)
    if not isinstance(raw, str):
        raise ResponseError("the answer must be text")
    if len(raw) > limit:
        raise ResponseError(f"the answer is longer than {limit} characters")
    return raw


@_parser(QuestionType.MULTICHOICE)
def _parse_multichoice(q: Question, raw: Any) -> int:
    return _index(raw, len(q.choices))


@_parser(QuestionType.MULTIRESPONSE)
def _parse_multiresponse(q: Question, raw: Any) -> frozenset[int]:
    if isinstance(raw, (list, tuple, set, frozenset)):
        items = list(raw)
    elif isinstance(raw, str) and raw.strip() == "":
        items = []  # nothing ticked
    elif isinstance(raw, str) and "," in raw:
        items = raw.split(",")
    else:
        items = [raw]
    return frozenset(_index(item, len(q.choices)) for item in items)


_BOOLS = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


@_parser(QuestionType.TRUEFALSE)
def _parse_truefalse(q: Question, raw: Any) -> bool:
    raw = _single(raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _BOOLS:
        return _BOOLS[raw.strip().lower()]
    raise ResponseError("the answer must be true or false")


@_parser(QuestionType.SHORTANSWER)
def _parse_short(q: Question, raw: Any) -> str:
    return _text(raw)


@_parser(QuestionType.ESSAY)
def _parse_essay(q: Question, raw: Any) -> str:
    return _text(raw, MAX_ESSAY)


@_parser(QuestionType.NUMERICAL)
def _parse_numerical(q: Question, raw: Any) -> float:
    raw = _single(raw)
    if isinstance(raw, bool):
        raise ResponseError("the answer must be a number")
    if isinstance(raw, (int, float)):
        value = raw
    else:
        text = _text(raw).strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # decimal comma, as most of our learners write it
        if not _NUMBER.fullmatch(text):
            raise ResponseError("the answer must be a number, like 3.5 or 3,5")
        value = text
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the doubles
        number = math.inf
    if not math.isfinite(number):  # NaN, or 1e400 read as infinity: no answer key is that
        raise ResponseError("the answer must be a finite number")
    return number


@_parser(QuestionType.MATCHING)
def _parse_matching(q: Question, raw: Any) -> dict[int, str]:
    if not isinstance(raw, dict):
        raise ResponseError("the answer must map each item to its match")
    options = {p.right for p in q.pairs}
    result: dict[int, str] = {}
    for key, value in raw.items():
        index = _index(key, len(q.pairs), "item")
        if not q.pairs[index].left:
            raise ResponseError(f"item {index} is not a question to match")
        value = _text(value).strip()
        if value == "":
            continue  # left unanswered
        if value not in options:
            raise ResponseError(f"'{value}' is not one of the choices")
        result[index] = value
    return result


@_parser(QuestionType.DESCRIPTION)
def _parse_description(q: Question, raw: Any) -> None:
    return None


# -- graders ---------------------------------------------------------------------------------

@_grader(QuestionType.MULTICHOICE)
def _grade_multichoice(q: Question, chosen: int) -> Score:
    c = q.choices[chosen]
    return _score(c.weight / 100, [c.feedback], [Part(chosen, c.weight / 100, c.weight > 0, c.feedback)])


@_grader(QuestionType.MULTIRESPONSE)
def _grade_multiresponse(q: Question, chosen: frozenset[int]) -> Score:
    parts = [Part(i, q.choices[i].weight / 100, q.choices[i].weight > 0, q.choices[i].feedback)
             for i in sorted(chosen)]
    return _score(sum(p.fraction for p in parts), [p.feedback for p in parts], parts)


@_grader(QuestionType.TRUEFALSE)
def _grade_truefalse(q: Question, chosen: bool) -> Score:
    # Moodle shows the feedback of the side the learner picked (GIFT's first '#' text is the
    # one for the wrong side, which the parser already stored under that side).
    feedback = q.feedback_true if chosen else q.feedback_false
    right = chosen == q.answer
    return _score(1.0 if right else 0.0, [feedback], [Part(0 if chosen else 1, float(right), right, feedback)])


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _wildcard(pattern: str) -> re.Pattern:
    # Moodle's short answer: '*' matches any run of characters, '\*' is a literal star.
    pieces = [re.escape(chunk).replace(r"\*", ".*") for chunk in _normal(pattern).split("\\*")]
    return re.compile(re.escape("*").join(pieces), re.DOTALL)


@_grader(QuestionType.SHORTANSWER)
def _grade_shortanswer(q: Question, text: str) -> Score:
    given = _normal(text)
    if not given:
        return _score(0.0, [], [])
    # The best-weighted matching answer wins (Moodle takes the first match; authors list the
    # best first, and taking the best keeps a trailing '*' catch-all from shadowing anything).
    return _best_accepting(q.choices, lambda c: _wildcard(c.text).fullmatch(given) is not None)


@_grader(QuestionType.NUMERICAL)
def _grade_numerical(q: Question, number: float) -> Score:
    return _best_accepting(q.numbers, lambda n: n.accepts(number))


def _best_accepting(answers: Sequence[Any], accepts: Callable[[Any], bool]) -> Score:
    """The score of the best-weighted answer that accepts the response, nothing when none does.

    Short and numerical answers both list several accepted answers with their weights (a close
    number or a near spelling earns part credit); the first of equal weights wins."""
    best = None
    for i, answer in enumerate(answers):
        if accepts(answer) and (best is None or answer.weight > answers[best].weight):
            best = i
    if best is None:
        return _score(0.0, [], [])
    a = answers[best]
    return _score(a.weight / 100, [a.feedback], [Part(best, a.weight / 100, a.weight > 0, a.feedback)])


@_grader(QuestionType.MATCHING)
def _grade_matching(q: Question, chosen: dict[int, str]) -> Score:
    # Every subquestion weighs the same; distractors (empty left side) are not subquestions.
    subquestions = [i for i, p in enumerate(q.pairs) if p.left]
    share = 1 / len(subquestions) if subquestions else 0.0
    parts = []
    for i in subquestions:
        right = chosen.get(i) == q.pairs[i].right
        parts.append(Part(i, share if right else 0.0, right, "", chosen.get(i)))
    return _score(sum(p.fraction for p in parts), [], parts)


@_grader(QuestionType.ESSAY)
def _grade_essay(q: Question, text: str) -> Score:
    return Score(0.0, Status.PENDING)


@_grader(QuestionType.DESCRIPTION)
def _grade_description(q: Question, response: None) -> Score:
    return Score(0.0, Status.UNGRADED)
