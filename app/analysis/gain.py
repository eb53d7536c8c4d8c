"""Learning gain from a pretest to a posttest: per learner, per cohort and per question tag.

A course may hold a pretest and a posttest module written as parallel forms: different
questions (so different idents) about the same things, linked by tags such as an ACRL frame.
Scores are percentages over the graded questions of an attempt (a pending essay, fraction None,
is left out rather than counted as 0); a tag's score is the percentage over the questions of the
form that carry the tag. An attempt with no graded question at all does not count as taken.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean
from typing import Hashable, Iterable, Mapping, Sequence

from app.analysis.selection import AttemptPolicy, select_attempts


@dataclass(frozen=True)
class FormAttempt:
    """One attempt at the pretest or the posttest: who, the ``fractions`` (0..1, None while
    pending) by question ident, and the attempt ``number`` (1 for the first)."""

    learner_id: Hashable
    fractions: Mapping[str, float | None]
    number: int = 1

    @property
    def percent(self) -> float | None:
        """Percent over the graded questions, None when none is graded."""
        return _percent(self.fractions.values())


@dataclass(frozen=True)
class ScoreGain:
    """One learner's ``pre`` and ``post`` percent and normalized ``gain`` (None when pre is 100)."""

    pre: float
    post: float
    gain: float | None


@dataclass(frozen=True)
class LearnerGain:
    """A learner who took both tests: the ``overall`` figures and ``by_tag`` for each tag the
    learner has graded questions for in both forms."""

    learner_id: Hashable
    overall: ScoreGain
    by_tag: dict[str, ScoreGain]


@dataclass(frozen=True)
class CohortGain:
    """The cohort's figures over the ``n`` learners who took both (for a tag: who have graded
    questions with that tag in both forms).

    ``mean_pre`` and ``mean_post`` are percentages. ``mean_of_gains`` is the average of the
    individual gains g = (post - pre) / (100 - pre), over the ``n_gains`` learners whose g is
    defined (pre below 100). ``gain_of_means`` is Hake's <g> = (mean post - mean pre) /
    (100 - mean pre), over all ``n``.

    Why both: Hake (1998, Am. J. Phys. 66, 64-74) defines the course's gain as the gain of the
    averages; it uses every learner (a learner at 100 on the pretest counts, with nowhere to go)
    and is stable, but says nothing about the spread. The average of individual gains weighs
    every learner equally and is what per-learner figures add up to, but it leaves out learners
    at 100 and a learner at 95 who drops to 80 contributes g = -3, so a few near-ceiling
    learners can pull it far (Marx & Cummings 2007, Am. J. Phys. 75, 87-91, discuss this and
    propose a "normalized change"). When the two disagree much, look at the learners near the
    ceiling.
    """

    n: int
    mean_pre: float | None
    mean_post: float | None
    mean_of_gains: float | None
    n_gains: int
    gain_of_means: float | None


@dataclass(frozen=True)
class GainReport:
    """``learning_gain``'s result: the ``learners`` who took both (in order of first appearance
    in the pretest attempts), the ``overall`` and ``by_tag`` cohort figures, how many learners
    took only the pretest or only the posttest, the tags found in only one form (the forms are
    not parallel there) and the attempt policies used."""

    learners: tuple[LearnerGain, ...]
    overall: CohortGain
    by_tag: dict[str, CohortGain]
    n_pre_only: int
    n_post_only: int
    pre_only_tags: tuple[str, ...]
    post_only_tags: tuple[str, ...]
    pre_policy: AttemptPolicy
    post_policy: AttemptPolicy


def normalized_gain(pre: float | None, post: float | None) -> float | None:
    """Normalized gain g = (post - pre) / (100 - pre) for percentages 0..100.

    Result: the share of the possible improvement that was achieved; negative when the learner
    did worse; None when either score is missing or pre is 100 (no room to gain: the ratio is
    undefined, and reporting 0 would call a perfect learner stagnant).
    """
    if pre is None or post is None or pre >= 100:
        return None
    return (post - pre) / (100 - pre)


def learning_gain(pre_attempts: Iterable[FormAttempt], post_attempts: Iterable[FormAttempt],
                  pre_tags: Mapping[str, Sequence[str]], post_tags: Mapping[str, Sequence[str]], *,
                  pre_policy: AttemptPolicy | str = AttemptPolicy.FIRST,
                  post_policy: AttemptPolicy | str = AttemptPolicy.FIRST) -> GainReport:
    """Pre score, post score and normalized gain, per learner and for the cohort, overall and
    per tag.

    Arguments: every attempt at the pretest and at the posttest; ``pre_tags`` and ``post_tags``
    map each form's question idents to their tags; ``pre_policy`` (default FIRST: the pretest
    measures what the learner knew before the course, and a second pretest attempt has already
    seen the first one's feedback) and ``post_policy`` (default FIRST too: the best of several
    posttest attempts measures, besides learning, the luck of retrying the same questions after
    their feedback, and only ever raises the gain; one attempt against one attempt is what Hake's
    gain compares). ALL is refused: a gain pairs one score with one score.
    Result: a ``GainReport``. Raises ``ValueError`` for the ALL policy.
    """
    pre_policy, post_policy = AttemptPolicy(pre_policy), AttemptPolicy(post_policy)
    if AttemptPolicy.ALL in (pre_policy, post_policy):
        raise ValueError("a learning gain pairs one pretest attempt with one posttest attempt")
    pre = _taken(pre_attempts, pre_policy)
    post = _taken(post_attempts, post_policy)
    both = [learner for learner in pre if learner in post]
    learners = tuple(_learner_gain(pre[i], post[i], pre_tags, post_tags) for i in both)
    pre_tag_set, post_tag_set = _tags(pre_tags), _tags(post_tags)
    by_tag = {
        tag: _cohort([lg.by_tag[tag] for lg in learners if tag in lg.by_tag])
        for tag in sorted(pre_tag_set | post_tag_set)
    }
    return GainReport(
        learners=learners, overall=_cohort([lg.overall for lg in learners]), by_tag=by_tag,
        n_pre_only=len(pre) - len(both), n_post_only=sum(i not in pre for i in post),
        pre_only_tags=tuple(sorted(pre_tag_set - post_tag_set)),
        post_only_tags=tuple(sorted(post_tag_set - pre_tag_set)),
        pre_policy=pre_policy, post_policy=post_policy,
    )


def _taken(attempts: Iterable[FormAttempt], policy: AttemptPolicy) -> dict[Hashable, FormAttempt]:
    graded = [a for a in attempts if a.percent is not None]
    return {a.learner_id: a for a in select_attempts(graded, policy, score=lambda a: a.percent)}


def _learner_gain(pre: FormAttempt, post: FormAttempt, pre_tags: Mapping[str, Sequence[str]],
                  post_tags: Mapping[str, Sequence[str]]) -> LearnerGain:
    pre_by_tag, post_by_tag = _tag_percents(pre, pre_tags), _tag_percents(post, post_tags)
    by_tag = {tag: _score_gain(pre_by_tag[tag], post_by_tag[tag])
              for tag in sorted(pre_by_tag) if tag in post_by_tag}
    return LearnerGain(pre.learner_id, _score_gain(pre.percent, post.percent), by_tag)


def _tag_percents(attempt: FormAttempt, tags: Mapping[str, Sequence[str]]) -> dict[str, float]:
    per_tag: dict[str, list[float | None]] = {}
    for ident, fraction in attempt.fractions.items():
        for tag in tags.get(ident, ()):
            per_tag.setdefault(tag, []).append(fraction)
    percents = {tag: _percent(values) for tag, values in per_tag.items()}
    return {tag: p for tag, p in percents.items() if p is not None}


def _score_gain(pre: float, post: float) -> ScoreGain:
    return ScoreGain(pre, post, normalized_gain(pre, post))


def _cohort(scores: list[ScoreGain]) -> CohortGain:
    if not scores:
        return CohortGain(0, None, None, None, 0, None)
    gains = [s.gain for s in scores if s.gain is not None]
    mean_pre, mean_post = fmean(s.pre for s in scores), fmean(s.post for s in scores)
    return CohortGain(
        n=len(scores), mean_pre=mean_pre, mean_post=mean_post,
        mean_of_gains=fmean(gains) if gains else None, n_gains=len(gains),
        gain_of_means=normalized_gain(mean_pre, mean_post),
    )


def _tags(tags: Mapping[str, Sequence[str]]) -> set[str]:
    return {tag for values in tags.values() for tag in values}


def _percent(fractions: Iterable[float | None]) -> float | None:
    graded = [f for f in fractions if f is not None]
    return 100 * math.fsum(graded) / len(graded) if graded else None
