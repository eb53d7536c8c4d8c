"""Item analysis of one quiz: how each question behaves, in figures and in plain-language flags.

Moodle's quiz statistics compute the same kind of figures and show them raw; here each figure
comes with flags an instructor can act on, and each question with its source location
``courses/<slug>/<file>.md:<line>`` so the author can fix it. Flag codes are stable identifiers;
the pages translate them. What each one means, for the translators:

- ``few-responses``: few responses, read the figures with care
- ``too-easy``: almost everyone gets this right
- ``too-hard``: almost nobody gets this right
- ``negative-discrimination``: weaker learners do better on this question than stronger ones
- ``low-discrimination``: this question barely tells stronger and weaker learners apart
- ``distractor-chosen-by-strong``: strong learners pick a wrong option: check the key
- ``unused-distractor``: nobody chooses this distractor

Decisions (the issue asks for them to be written down):

- Attempts: each learner's FIRST attempt by default (``policy``). Later attempts are
  contaminated by the feedback of the earlier ones (learners have seen which answers were
  right), so they measure memory of the feedback, not the question. Moodle's report defaults to
  the quiz's grading method (highest grade) and also offers first, last and all attempts; so do
  we, through ``AttemptPolicy``.
- Unanswered questions count as answered wrong (fraction 0, in the item's ``n``), as in Moodle:
  the learner saw the question and could not answer it. ``n_unanswered`` shows how many.
- Pending essays and anything else without a fraction (None) are left out of the item's ``n``,
  of the rest scores and of the reliability; a grade that does not exist yet is not a zero.
  The recorded total (``AttemptRow.score``) is used as stored, because it is the mark the
  instructor sees: for the quiz's mean, median and sd, to form the upper and lower groups and
  for the choosers' mean totals (Sabak's stored score counts a pending essay as 0 until graded).
- Questions retired or added later: the caller passes the questions it has; answers to other
  questions still count in the rest scores (they were part of the test the learner took), and a
  question an attempt does not contain is simply not in that attempt's data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import fmean, median, stdev
from typing import Hashable, Iterable, Mapping, NamedTuple, Sequence

from app.analysis.selection import AttemptPolicy, select_attempts
from app.analysis.stats import KELLEY_SHARE, cronbach_alpha, pearson, upper_lower_index
from app.learning_rules import is_full_marks

CHOICE_TYPES = frozenset({"multichoice", "multiresponse", "truefalse"})
FLAG_CODES = (
    "few-responses", "too-easy", "too-hard", "negative-discrimination", "low-discrimination",
    "distractor-chosen-by-strong", "unused-distractor",
)


@dataclass(frozen=True)
class AnswerRow:
    """One stored answer: ``fraction`` 0..1 (None while an essay waits for a grade), the option
    indexes the learner ``chosen`` (choice questions; truefalse: 0 True, 1 False; None or empty
    when nothing was chosen) and the grading ``status`` ("correct", "unanswered", "pending"...)."""

    fraction: float | None
    chosen: Sequence[int] | None = None
    status: str = ""


@dataclass(frozen=True)
class AttemptRow:
    """One quiz attempt: who, the recorded ``score`` (0..100), the ``answers`` by question ident
    and the attempt ``number`` (1 for a learner's first attempt)."""

    learner_id: Hashable
    score: float
    answers: Mapping[str, AnswerRow]
    number: int = 1


@dataclass(frozen=True)
class QuestionMeta:
    """What the report needs to know about a question: its ``ident`` and ``type`` (a
    ``QuestionType`` or its value), the ``options`` as plain text in written order (truefalse:
    ("True", "False")), the indexes of the ``keys`` (options with weight > 0) and where it is
    written (``source_path`` such as "courses/<slug>/<file>.md", and ``line``)."""

    ident: str
    type: str
    options: tuple[str, ...] = ()
    keys: frozenset[int] = frozenset()
    source_path: str = ""
    line: int = 0

    @property
    def kind(self) -> str:
        """The type as a plain string (a ``QuestionType`` hashes by name, not by value)."""
        return str(getattr(self.type, "value", self.type))

    @property
    def source(self) -> str:
        """``path:line`` for the author, or the path alone when the line is unknown."""
        return f"{self.source_path}:{self.line}" if self.line else self.source_path


@dataclass(frozen=True)
class Thresholds:
    """Where the flags trip. Defaults from the item-analysis literature:

    - Facility: above 0.90 "too easy", below 0.20 "too hard". Moodle's quiz statistics guide
      calls 5-10% "extremely difficult", 11-20% "very difficult", 90-95% "very easy" and
      96-100% "extremely easy"; the same bands are common in item-writing texts (e.g.
      Haladyna, Developing and Validating Multiple-Choice Test Items, 3rd ed., 2004).
    - Discrimination: below 0.20 weak, below 0 negative. Ebel's guidelines for D (Ebel 1954;
      Ebel & Frisbie, Essentials of Educational Measurement, 5th ed., 1991): >= .40 very good,
      .30-.39 reasonably good, .20-.29 marginal, <= .19 poor, revise or discard; Moodle applies
      similar bands to its item-rest correlation (20-30% weak, below 20% very weak, negative:
      probably invalid).
    - Point-biserial from 30 learners, the 27% upper-lower index below: a correlation from a
      handful of learners swings wildly, and Kelley's (1939) 27% groups are the classic
      hand-countable alternative for small classes.
    - Few responses: under 10 answers every figure is one learner away from another verdict.
    - A distractor is "unused" when its share is at most ``unused_distractor_share`` (0: nobody
      chose it) among at least 5 answers. Haladyna & Downing (1993, Educ. Psychol. Meas. 53,
      999-1010) call a distractor non-functioning below 5%; set 0.05 to follow them. Why 5 and
      not the 10 of "few responses": a group of 5 that all pass over an option is a finding the
      page promises to show ("nobody chooses this"), and the few-responses flag beside it
      already says how much to trust it; below 5 (a learner or two) every option they did not
      pick would be flagged, which says nothing about the option.
    - "Strong learners pick a wrong option" needs at least 2 choosers: one learner's slip is not
      a pattern.
    """

    too_easy: float = 0.9
    too_hard: float = 0.2
    low_discrimination: float = 0.2
    negative_discrimination: float = 0.0
    point_biserial_min_n: int = 30
    upper_lower_share: float = KELLEY_SHARE
    few_responses: int = 10
    unused_distractor_min_n: int = 5
    unused_distractor_share: float = 0.0
    strong_distractor_min_choosers: int = 2


@dataclass(frozen=True)
class Flag:
    """A finding about a question: a stable ``code`` (one of ``FLAG_CODES``), the ``numbers``
    that triggered it (e.g. {"facility": 0.95}) and, for a distractor flag, its ``option``."""

    code: str
    numbers: dict[str, float] = field(default_factory=dict)
    option: int | None = None


@dataclass(frozen=True)
class OptionStats:
    """How often one option was chosen: ``count``, ``share`` of the item's n (multiresponse
    shares can add up to more than 1; unanswered learners make them add up to less) and the
    ``mean_total`` recorded score of the learners who chose it (None when nobody did)."""

    index: int
    label: str
    is_key: bool
    count: int
    share: float | None
    mean_total: float | None


@dataclass(frozen=True)
class ItemStats:
    """The figures for one question.

    ``n``: answers with a fraction (unanswered included as 0, pending essays not);
    ``facility``: mean fraction 0..1; ``discrimination``: -1..1 by ``discrimination_method``
    ("point-biserial" or "upper-lower"), None when undefined; ``options``: choice questions only;
    ``full_marks_mean_total``: mean recorded score of the learners with full marks (the key's
    choosers), what each distractor's choosers are compared with; ``flags`` in a fixed order.
    """

    ident: str
    type: str
    source: str
    n: int
    n_pending: int
    n_unanswered: int
    facility: float | None
    discrimination: float | None
    discrimination_method: str
    options: tuple[OptionStats, ...]
    full_marks_mean_total: float | None
    flags: tuple[Flag, ...]

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The flags' codes, in order (for templates and tests)."""
        return tuple(f.code for f in self.flags)


@dataclass(frozen=True)
class QuizStats:
    """The quiz as a whole: ``n_attempts`` analysed, ``mean``/``median``/``sd`` (sample standard
    deviation, n - 1) of the recorded scores, and ``reliability`` (Cronbach's alpha; named
    "KR-20" in ``reliability_method`` when every item is scored 0/1) over the
    ``reliability_n`` learners who have a fraction for each of the ``reliability_items`` items."""

    n_attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    reliability: float | None
    reliability_method: str | None
    reliability_n: int
    reliability_items: int


@dataclass(frozen=True)
class ItemAnalysis:
    """``analyse_quiz``'s result: the ``quiz`` figures, one ``ItemStats`` per question in the
    order given, and the attempt ``policy`` used."""

    quiz: QuizStats
    items: tuple[ItemStats, ...]
    policy: AttemptPolicy


class _Scored(NamedTuple):
    attempt: AttemptRow
    graded_sum: float  # sum of the attempt's non-None fractions
    graded_count: int


def analyse_quiz(attempts: Iterable[AttemptRow], questions: Sequence[QuestionMeta], *,
                 policy: AttemptPolicy | str = AttemptPolicy.FIRST,
                 thresholds: Thresholds = Thresholds()) -> ItemAnalysis:
    """Item analysis of one quiz.

    Arguments: ``attempts``, every attempt at the quiz (all learners, all numbers);
    ``questions``, the questions to report on; ``policy``, which attempts count (default FIRST,
    see the module docstring); ``thresholds`` for the flags.
    Result: an ``ItemAnalysis``. Discrimination is the correlation of the item's fraction with
    the learner's REST score (percent over the attempt's other graded questions), so the item
    does not correlate with itself, when the item has at least
    ``thresholds.point_biserial_min_n`` answers; otherwise the upper-lower 27% index D, groups
    formed by recorded total score.
    Why: so an instructor sees which questions to rewrite and where they are written.
    """
    chosen = select_attempts(attempts, policy, score=lambda a: a.score)
    scored = [_score(a) for a in chosen]
    items = tuple(_item_stats(q, scored, thresholds) for q in questions)
    return ItemAnalysis(_quiz_stats(chosen, questions, items), items, AttemptPolicy(policy))


def _score(attempt: AttemptRow) -> _Scored:
    graded = [r.fraction for r in attempt.answers.values() if r.fraction is not None]
    return _Scored(attempt, math.fsum(graded), len(graded))


def _item_stats(q: QuestionMeta, scored: list[_Scored], t: Thresholds) -> ItemStats:
    rows = [(s, s.attempt.answers[q.ident]) for s in scored if q.ident in s.attempt.answers]
    answered = [(s, r) for s, r in rows if r.fraction is not None]
    n = len(answered)
    facility = fmean(r.fraction for _, r in answered) if n else None
    discrimination, method = _discrimination(answered, t)
    options = _option_stats(q, answered) if q.kind in CHOICE_TYPES else ()
    full = [s.attempt.score for s, r in answered if is_full_marks(r.fraction)]
    full_mean = fmean(full) if full else None
    return ItemStats(
        ident=q.ident, type=q.kind, source=q.source, n=n, n_pending=len(rows) - n,
        n_unanswered=sum(r.status == "unanswered" for _, r in answered),
        facility=facility, discrimination=discrimination, discrimination_method=method,
        options=options, full_marks_mean_total=full_mean,
        flags=_flags(q, n, facility, discrimination, options, full_mean, t),
    )


def _discrimination(answered: list[tuple[_Scored, AnswerRow]], t: Thresholds) -> tuple[float | None, str]:
    if len(answered) >= t.point_biserial_min_n:
        pairs = [(r.fraction, 100 * (s.graded_sum - r.fraction) / (s.graded_count - 1))
                 for s, r in answered if s.graded_count > 1]
        return pearson([f for f, _ in pairs], [rest for _, rest in pairs]), "point-biserial"
    pairs = [(s.attempt.score, r.fraction) for s, r in answered]
    return upper_lower_index(pairs, t.upper_lower_share), "upper-lower"


def _option_stats(q: QuestionMeta, answered: list[tuple[_Scored, AnswerRow]]) -> tuple[OptionStats, ...]:
    totals: list[list[float]] = [[] for _ in q.options]
    for s, r in answered:
        for index in set(r.chosen or ()):
            if 0 <= index < len(q.options):  # an index the question no longer has is dropped
                totals[index].append(s.attempt.score)
    n = len(answered)
    return tuple(
        OptionStats(index=i, label=label, is_key=i in q.keys, count=len(totals[i]),
                    share=len(totals[i]) / n if n else None,
                    mean_total=fmean(totals[i]) if totals[i] else None)
        for i, label in enumerate(q.options)
    )


def _flags(q: QuestionMeta, n: int, facility: float | None, discrimination: float | None,
           options: tuple[OptionStats, ...], full_mean: float | None, t: Thresholds) -> tuple[Flag, ...]:
    flags = []
    if n < t.few_responses:
        flags.append(Flag("few-responses", {"n": n}))
    if facility is not None and facility > t.too_easy:
        flags.append(Flag("too-easy", {"facility": facility}))
    elif facility is not None and facility < t.too_hard:
        flags.append(Flag("too-hard", {"facility": facility}))
    if discrimination is not None and discrimination < t.negative_discrimination:
        flags.append(Flag("negative-discrimination", {"discrimination": discrimination}))
    elif discrimination is not None and discrimination < t.low_discrimination:
        flags.append(Flag("low-discrimination", {"discrimination": discrimination}))
    for o in options:
        if o.is_key:
            continue
        if (full_mean is not None and o.mean_total is not None
                and o.count >= t.strong_distractor_min_choosers and o.mean_total > full_mean):
            flags.append(Flag("distractor-chosen-by-strong",
                              {"count": o.count, "mean_total": o.mean_total, "key_mean_total": full_mean},
                              option=o.index))
        # A true/false question has no distractor to replace: nobody choosing the wrong one is
        # "too easy", already flagged by facility.
        if (q.kind != "truefalse" and n >= t.unused_distractor_min_n
                and o.share is not None and o.share <= t.unused_distractor_share):
            flags.append(Flag("unused-distractor", {"n": n, "count": o.count}, option=o.index))
    return tuple(flags)


def _quiz_stats(chosen: list[AttemptRow], questions: Sequence[QuestionMeta],
                items: tuple[ItemStats, ...]) -> QuizStats:
    scores = [a.score for a in chosen]
    # Reliability needs a complete learners x items table: items nobody answered are left out,
    # then learners missing a fraction for any remaining item (pending essay, question added
    # later) are left out, and the report says how many of each remain.
    idents = [q.ident for q, item in zip(questions, items) if item.n > 0]
    rows = []
    for a in chosen:
        row = [a.answers[i].fraction if i in a.answers else None for i in idents]
        if all(f is not None for f in row):
            rows.append(row)
    alpha = cronbach_alpha(rows) if rows and len(idents) >= 2 else None
    method = None
    if alpha is not None:
        method = "KR-20" if all(f in (0.0, 1.0) for row in rows for f in row) else "alpha"
    return QuizStats(
        n_attempts=len(chosen), mean=fmean(scores) if scores else None,
        median=median(scores) if scores else None, sd=stdev(scores) if len(scores) >= 2 else None,
        reliability=alpha, reliability_method=method, reliability_n=len(rows),
        reliability_items=len(idents),
    )
