"""The statistics behind item analysis: correlation, the upper-lower index and Cronbach's alpha.

Every function answers None where the figure is undefined (too few values, zero variance)
instead of dividing by zero: a report shows "not enough data", never a traceback.
"""
from __future__ import annotations

import math
from fractions import Fraction
from statistics import fmean, pvariance
from typing import Sequence

KELLEY_SHARE = 0.27  # Kelley (1939), J. Educ. Psychol. 30, 17-24: the 27% groups


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation of two equally long sequences.

    With a 0/1 ``xs`` this is the point-biserial correlation; with partial credit it is the
    item-rest correlation Moodle reports as its discrimination index.
    Result: -1..1, or None with fewer than 2 pairs or when either side has zero variance.
    """
    if len(xs) != len(ys):
        raise ValueError("pearson() needs two sequences of the same length")
    if len(xs) < 2 or _constant(xs) or _constant(ys):
        return None
    mx, my = fmean(xs), fmean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def group_size(n: int, share: float = KELLEY_SHARE) -> int:
    """Size of the upper and of the lower group for ``n`` learners: ``max(1, round(share * n))``.

    Halves round up (50 learners -> 13.5 -> 14), computed on exact fractions so a float such as
    0.27 * 50 = 13.500000000000002 cannot decide the rounding.
    """
    exact = Fraction(str(share)) * n
    return max(1, math.floor(exact + Fraction(1, 2)))


def upper_lower_index(pairs: Sequence[tuple[float, float]], share: float = KELLEY_SHARE) -> float | None:
    """The upper-lower discrimination index D = p_upper - p_lower (Kelley 1939; Ebel 1954).

    Arguments: ``pairs`` of (total score, item fraction 0..1), one per learner who answered;
    ``share`` of learners in each group (27%).
    Result: the upper group's mean item fraction minus the lower group's, -1..1; None with fewer
    than 2 learners or when totals or item fractions have zero variance (the groups are then
    indistinguishable, or the item cannot discriminate: an item everyone gets right reads
    "too easy", not "discrimination 0.00").
    Ties: learners tied on total with the last place of a group share that group's remaining
    places equally (each counts with weight places/tied), so D does not depend on learner ids
    or input order.
    """
    if len(pairs) < 2 or _constant([t for t, _ in pairs]) or _constant([f for _, f in pairs]):
        return None
    size = group_size(len(pairs), share)
    ordered = sorted(pairs, key=lambda p: p[0])
    upper = _group_mean(list(reversed(ordered)), size)
    lower = _group_mean(ordered, size)
    return upper - lower


def _group_mean(ordered: list[tuple[float, float]], size: int) -> float:
    """Mean item fraction of the first ``size`` learners, sharing the last places among ties."""
    cut = ordered[size - 1][0]
    inside = [f for t, f in ordered[:size] if t != cut]  # strictly beyond the cut
    tied = [f for t, f in ordered if t == cut]
    places = size - len(inside)
    return (math.fsum(inside) + places * fmean(tied)) / size


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha = k/(k-1) * (1 - sum of item variances / variance of totals).

    Arguments: ``rows``, one per learner, each the k item fractions in the same item order.
    Result: the reliability (at most 1, negative when items work against each other), or None
    with fewer than 2 items or learners or when totals have zero variance. Population
    variances throughout, so with 0/1 items this equals KR-20 (item variance p(1-p)) exactly.
    """
    k = len(rows[0]) if rows else 0
    if any(len(r) != k for r in rows):
        raise ValueError("cronbach_alpha() needs every row to hold the same items")
    if len(rows) < 2 or k < 2:
        return None
    totals = [math.fsum(r) for r in rows]
    if _constant(totals):
        return None
    item_variance = math.fsum(pvariance([r[j] for r in rows]) for j in range(k))
    return k / (k - 1) * (1 - item_variance / pvariance(totals))


def _constant(values: Sequence[float]) -> bool:
    return max(values) == min(values)
