"""Item-writing warnings: quiz patterns that let a learner guess the key without knowing the topic.

Each check reports its figures, so the author sees how far the quiz is from the threshold. The
thresholds are documented in docs/authoring.md (section 11, "Item writing"); they are set so
that chance alone rarely trips them but a habit (the right answer written out most carefully,
statements mostly false, one absurd wrong option) does.
"""
from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .diagnostics import Diagnostic, warning
from .modules import ASSESSMENT_KINDS, ModuleLoad
from .questions import QuestionType, stem_key

# The right option is the strictly longest in more than this share of single-answer questions.
LONGEST_SHARE = 0.5
LONGEST_MIN_QUESTIONS = 4
# True/false statements keyed one way in more than this share.
TRUEFALSE_SHARE = 0.7
TRUEFALSE_MIN_STATEMENTS = 5
# A multiple-answer question with all options but one right needs at least this many options.
ALL_BUT_ONE_MIN_OPTIONS = 4
# Two questions count as one repeated question when their texts are REPEAT_TEXT alike (0..1,
# after normalising), or when both their texts and their options are REPEAT_PART alike.
REPEAT_TEXT = 0.85
REPEAT_PART = 0.5

_TAG_RE = re.compile(r"<[^>]+>")
LineOf = Callable[["_Placed"], int]
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class _Placed:
    """A question with the module file it is written in and that module's kind."""

    filename: str
    kind: str
    question: Any


def check_item_writing(loads: Mapping[str, ModuleLoad], base: str) -> list[Diagnostic]:
    """Warnings about answer keys that can be guessed and assessments that repeat questions.

    Args:
        loads: the course's module files by name; modules with errors are skipped.
        base: the course folder as shown in diagnostics (``courses/<slug>``).
    Returns:
        Warnings only: a quiz that gives its answers away is still a valid quiz.
    """
    placed = [_Placed(name, load.module.kind, question)
              for name, load in sorted(loads.items(), key=lambda item: _position(item[0]))
              if load.module is not None for question in load.module.questions]
    manifest = posixpath.join(base, "course.yml") if base else "course.yml"
    diags: list[Diagnostic] = []
    for name in sorted({p.filename for p in placed}, key=_position):
        mine = [p for p in placed if p.filename == name]
        path = posixpath.join(base, name) if base else name
        diags += _longest_key(mine, path, "this quiz", lambda p: p.question.line)
        diags += _one_sided_truefalse(mine, path, "this quiz", lambda p: p.question.line)
        diags += _all_but_one_right(mine, path)
    # The course as a whole catches a habit spread thinly over many small quizzes; when the
    # questions of a kind sit in one quiz, it would only repeat that quiz's warning.
    single = [p for p in placed if _keyed_longest(p.question) is not None]
    if len({p.filename for p in single}) > 1:
        diags += _longest_key(single, manifest, "this course", lambda p: 0)
    statements = [p for p in placed if p.question.type is QuestionType.TRUEFALSE]
    if len({p.filename for p in statements}) > 1:
        diags += _one_sided_truefalse(statements, manifest, "this course", lambda p: 0)
    diags += _assessment_repeats(placed, base)
    return diags


def _position(filename: str) -> int:
    digits = filename.split("-", 1)[0]
    return int(digits) if digits.isdigit() else 0


def _plain_length(text: str) -> int:
    """Visible length of an option: tags dropped, whitespace collapsed."""
    return len(" ".join(_TAG_RE.sub(" ", text).split()))


def _keyed_longest(question: Any) -> bool | None:
    """For a single-answer question: is the one best-weighted option strictly the longest?
    None when the question is not single-answer (several options share the top weight)."""
    if question.type is not QuestionType.MULTICHOICE or len(question.choices) < 2:
        return None
    top = max(c.weight for c in question.choices)
    keys = [c for c in question.choices if c.weight == top]
    if top <= 0 or len(keys) != 1:
        return None
    key_length = _plain_length(keys[0].text)
    return all(key_length > _plain_length(c.text) for c in question.choices if c is not keys[0])


def _longest_key(placed: list[_Placed], path: str, scope: str,
                 line_of: LineOf) -> list[Diagnostic]:
    judged = [(p, _keyed_longest(p.question)) for p in placed]
    judged = [(p, longest) for p, longest in judged if longest is not None]
    longest = sum(1 for _, is_longest in judged if is_longest)
    if len(judged) < LONGEST_MIN_QUESTIONS or longest <= LONGEST_SHARE * len(judged):
        return []
    return [warning(path, line_of(judged[0][0]), (
        f"the right option is the longest in {longest} of {len(judged)} single-answer "
        f"questions in {scope} (more than half); learners can guess by length, so write "
        "wrong options as full and careful as the right one"))]


def _one_sided_truefalse(placed: list[_Placed], path: str, scope: str,
                         line_of: LineOf) -> list[Diagnostic]:
    keys = [p for p in placed if p.question.type is QuestionType.TRUEFALSE]
    true = sum(1 for p in keys if p.question.answer)
    side, count = ("true", true) if true * 2 >= len(keys) else ("false", len(keys) - true)
    if len(keys) < TRUEFALSE_MIN_STATEMENTS or count <= TRUEFALSE_SHARE * len(keys):
        return []
    first = next(p for p in keys if bool(p.question.answer) == (side == "true"))
    return [warning(path, line_of(first), (
        f"{count} of {len(keys)} true/false statements in {scope} are {side} (more than "
        f"{TRUEFALSE_SHARE:.0%}); always answering '{side}' scores {count / len(keys):.0%}, "
        "so rewrite some statements so that about half are true"))]


def _all_but_one_right(placed: Iterable[_Placed], path: str) -> list[Diagnostic]:
    diags = []
    for p in placed:
        choices = p.question.choices
        if p.question.type is not QuestionType.MULTIRESPONSE:
            continue
        right = sum(1 for c in choices if c.weight > 0)
        if len(choices) >= ALL_BUT_ONE_MIN_OPTIONS and right == len(choices) - 1:
            diags.append(warning(path, p.question.line, (
                f"{right} of {len(choices)} "
                "options of this multiple-answer question are right; ticking everything "
                "scores nearly full marks, so add plausible wrong options or drop some right "
                "ones")))
    return diags


def _normalised(text: str) -> str:
    """Text for comparison: no markup, no punctuation, lower case, single spaces."""
    return " ".join(_WORD_RE.findall(_TAG_RE.sub(" ", text).casefold()))


def _comparable(question: Any) -> tuple[str, str]:
    """(question text, its options in a fixed order), both normalised; the options are sorted
    because reordering them does not make a new question."""
    stem = _normalised(stem_key(question.text, question.text_after))
    options = [_normalised(c.text) for c in question.choices]
    options += [_normalised(f"{p.left} {p.right}") for p in question.pairs]
    return stem, " ".join(sorted(options))


def _alike(first: str, second: str) -> float:
    if not first or not second:
        return 0.0
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


def _assessment_repeats(placed: list[_Placed], base: str) -> list[Diagnostic]:
    """A pretest, posttest or exam question that (nearly) repeats another question of the
    course: it then measures memory of that question, not what the course taught. Repeated
    means the texts are REPEAT_TEXT alike, or the texts REPEAT_PART and the options too."""
    texts = [(p, _comparable(p.question)) for p in placed]
    diags = []
    for index, (p, (stem, options)) in enumerate(texts):
        for other, (other_stem, other_options) in texts[:index]:
            if p.kind not in ASSESSMENT_KINDS and other.kind not in ASSESSMENT_KINDS:
                continue
            text_ratio = _alike(stem, other_stem)
            option_ratio = _alike(options, other_options)
            if text_ratio < REPEAT_TEXT and (text_ratio < REPEAT_PART
                                             or option_ratio < REPEAT_PART):
                continue
            # Reported in the assessment; when both are assessments, at the later one.
            here, there = (p, other) if p.kind in ASSESSMENT_KINDS else (other, p)
            path = posixpath.join(base, here.filename) if base else here.filename
            figures = f"text {text_ratio:.0%} alike" + (
                f", options {option_ratio:.0%} alike" if options and other_options else "")
            diags.append(warning(path, here.question.line, (
                f"this {here.kind} question repeats the {there.kind} question at "
                f"{there.filename}:{there.question.line} ({figures}); an assessment should "
                "ask about the same skill in a new situation")))
    return diags
