"""The quiz question model: frozen dataclasses that round-trip exactly through plain JSON dicts."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any


class QuestionType(str, Enum):
    """Moodle's question types as GIFT can write them (multichoice is the single-answer kind)."""

    MULTICHOICE = "multichoice"
    MULTIRESPONSE = "multiresponse"
    TRUEFALSE = "truefalse"
    SHORTANSWER = "shortanswer"
    NUMERICAL = "numerical"
    MATCHING = "matching"
    ESSAY = "essay"
    DESCRIPTION = "description"


class TextFormat(str, Enum):
    """How a text is meant to be rendered: GIFT's ``[moodle]``/``[html]``/``[markdown]``/``[plain]``."""

    MOODLE = "moodle"
    HTML = "html"
    MARKDOWN = "markdown"
    PLAIN = "plain"


@dataclass(frozen=True)
class Choice:
    """One answer of a multichoice, multiresponse or shortanswer question.

    ``weight`` is the percentage of the mark it earns, -100..100 (GIFT ``=`` is 100, ``~`` is 0).
    Formats are always resolved (an answer without a marker has its question's format); for
    shortanswer Moodle keeps no format on the answer text, so there it equals the question's.
    """

    text: str
    weight: float = 0.0
    feedback: str = ""
    format: TextFormat = TextFormat.MOODLE
    feedback_format: TextFormat = TextFormat.MOODLE


@dataclass(frozen=True)
class NumericAnswer:
    """One answer of a numerical question: ``value`` ± ``tolerance``, or ``low..high``, or any number.

    A range keeps its two ends (not Moodle's midpoint/tolerance) so writing it back is exact.
    ``value is None and low is None`` is the catch-all ``*`` answer (GIFT ``~#feedback``).
    """

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 100.0
    feedback: str = ""
    feedback_format: TextFormat = TextFormat.MOODLE

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def is_catch_all(self) -> bool:
        return self.value is None and not self.is_range

    def accepts(self, number: float) -> bool:
        """True when ``number`` is within this answer's interval (always for the catch-all)."""
        if self.is_catch_all:
            return True
        # Like Moodle (MDL-3225), allow float rounding noise: 3.1415 - 0.0005 is not quite 3.141.
        if self.is_range:
            slack = 1e-12 * max(1.0, abs(self.low), abs(self.high))
            return self.low - slack <= number <= self.high + slack
        slack = 1e-12 * max(1.0, abs(self.value))
        return abs(number - self.value) <= self.tolerance + slack


@dataclass(frozen=True)
class MatchPair:
    """One row of a matching question; ``left == ""`` makes ``right`` a distractor."""

    left: str
    right: str
    format: TextFormat = TextFormat.MOODLE


@dataclass(frozen=True)
class Question:
    """One question as the author wrote it, answers kept in written order.

    Which fields matter depends on ``type``: ``choices`` (multichoice, multiresponse,
    shortanswer), ``numbers`` (numerical), ``pairs`` (matching), ``answer`` with
    ``feedback_true``/``feedback_false`` (truefalse: the feedback shown to a learner who picked
    that side). ``text_after`` is the text after the answer block (Moodle's missing-word form,
    shown as a blank between ``text`` and ``text_after``). ``ident`` is the stable identity:
    the ``// [id:..]`` value, else the title, else a hash of the text (see ``derive_ident``).
    ``line`` is where the question starts in its file and is left out of equality.
    """

    type: QuestionType
    ident: str
    text: str
    format: TextFormat = TextFormat.MOODLE
    text_after: str = ""
    title: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    general_feedback: str = ""
    general_feedback_format: TextFormat = TextFormat.MOODLE
    choices: tuple[Choice, ...] = ()
    numbers: tuple[NumericAnswer, ...] = ()
    pairs: tuple[MatchPair, ...] = ()
    answer: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""
    feedback_true_format: TextFormat = TextFormat.MOODLE
    feedback_false_format: TextFormat = TextFormat.MOODLE
    line: int = field(default=0, compare=False)

    @property
    def is_missing_word(self) -> bool:
        return self.text_after != ""

    @property
    def graded(self) -> bool:
        """False for descriptions and essays, which the automatic grader cannot mark."""
        return self.type not in (QuestionType.DESCRIPTION, QuestionType.ESSAY)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (enums as strings, tuples as lists); ``from_dict`` inverts it."""
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Rebuild a question from ``to_dict`` output. Raises KeyError/ValueError on bad data."""
        return Question(
            type=QuestionType(data["type"]),
            ident=data["ident"],
            text=data["text"],
            format=TextFormat(data["format"]),
            text_after=data["text_after"],
            title=data["title"],
            category=data["category"],
            tags=tuple(data["tags"]),
            general_feedback=data["general_feedback"],
            general_feedback_format=TextFormat(data["general_feedback_format"]),
            choices=tuple(
                Choice(c["text"], float(c["weight"]), c["feedback"], TextFormat(c["format"]),
                       TextFormat(c["feedback_format"]))
                for c in data["choices"]
            ),
            numbers=tuple(
                NumericAnswer(_opt_float(n["value"]), float(n["tolerance"]), _opt_float(n["low"]),
                              _opt_float(n["high"]), float(n["weight"]), n["feedback"],
                              TextFormat(n["feedback_format"]))
                for n in data["numbers"]
            ),
            pairs=tuple(MatchPair(p["left"], p["right"], TextFormat(p["format"])) for p in data["pairs"]),
            answer=data["answer"],
            feedback_true=data["feedback_true"],
            feedback_false=data["feedback_false"],
            feedback_true_format=TextFormat(data["feedback_true_format"]),
            feedback_false_format=TextFormat(data["feedback_false_format"]),
            line=int(data.get("line", 0)),
        )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (Question, Choice, NumericAnswer, MatchPair)):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(item) for item in obj]
    return obj


def stem_key(text: str, text_after: str = "") -> str:
    """The question text with whitespace collapsed, a blank standing for the missing word."""
    full = f"{text} _____ {text_after}" if text_after else text
    return " ".join(full.split())


def derive_ident(title: str, text: str, text_after: str = "") -> str:
    """Identity for a question without ``[id:..]``: its title, else ``h-`` + 12 hex of sha1(text)."""
    if title:
        return title
    digest = hashlib.sha1(stem_key(text, text_after).encode("utf-8")).hexdigest()
    return "h-" + digest[:12]
