"""Which of a learner's attempts a report counts: first, best, last or all of them."""
from __future__ import annotations

from enum import Enum
from typing import Callable, Hashable, Iterable, Protocol, TypeVar


class AttemptPolicy(str, Enum):
    """Which attempts of each learner to analyse (Moodle's quiz statistics offer the same four).

    FIRST: the lowest attempt number. BEST: the highest score, the earlier attempt on a tie (the
    first time the learner reached it). LAST: the highest attempt number. ALL: every attempt, so
    a learner with three attempts counts three times.
    """

    FIRST = "first"
    BEST = "best"
    LAST = "last"
    ALL = "all"


class _Numbered(Protocol):
    @property
    def learner_id(self) -> Hashable: ...

    @property
    def number(self) -> int: ...


A = TypeVar("A", bound=_Numbered)


def select_attempts(attempts: Iterable[A], policy: AttemptPolicy | str,
                    score: Callable[[A], float | None]) -> list[A]:
    """Keep the attempts that ``policy`` counts.

    Arguments: ``attempts``, objects with ``learner_id`` and ``number`` (1, 2, ... per learner);
    ``policy``, an ``AttemptPolicy`` or its value; ``score``, the attempt's score, used by BEST
    only (None ranks below every number).
    Result: one attempt per learner (all of them for ALL), in the order each learner first
    appears in ``attempts``, so the result does not depend on the learners' ids.
    Why: the item analysis wants first attempts and the posttest the best one; both choices are
    a parameter of the report, and one function keeps them consistent.
    Raises ``ValueError`` for an unknown policy.
    """
    policy = AttemptPolicy(policy)
    attempts = list(attempts)
    if policy is AttemptPolicy.ALL:
        return attempts
    chosen: dict[Hashable, A] = {}
    for attempt in attempts:
        current = chosen.get(attempt.learner_id)
        if current is None or _better(attempt, current, policy, score):
            chosen[attempt.learner_id] = attempt
    return list(chosen.values())


def _better(new: A, old: A, policy: AttemptPolicy, score: Callable[[A], float | None]) -> bool:
    if policy is AttemptPolicy.FIRST:
        return new.number < old.number
    if policy is AttemptPolicy.LAST:
        return new.number > old.number
    new_score, old_score = _rank(score(new)), _rank(score(old))
    return new_score > old_score or (new_score == old_score and new.number < old.number)


def _rank(value: float | None) -> float:
    return float("-inf") if value is None else value
