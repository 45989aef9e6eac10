"""Scores of the advisory council, computed: a review's weighted total, and the aggregate of several reviews
with the reviewers' agreement. Pure (no database): `evaluation` feeds them rows and the tests feed them tables.

Totals are out of 100: Σ weight·value/max ÷ Σ weight × 100, so criteria scored on different scales and rubrics
with different weights stay comparable. The spread of the reviewers is the population standard deviation of
their totals; its largest possible value on a 0–100 scale is 50 (half at 0, half at 100), so agreement is
1 − spread/50, between 0 (total disagreement) and 1 (the same total from everyone).
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_SPREAD = 50.0  # the largest standard deviation of values between 0 and 100
# Agreement levels by the spread of the totals (points out of 100): within 10 points is high, within 20 medium.
HIGH_SPREAD, MEDIUM_SPREAD = 10.0, 20.0
AGREEMENT_LABELS = {
    "high": pgettext_lazy("agreement", "High"),
    "medium": pgettext_lazy("agreement", "Medium"),
    "low": pgettext_lazy("agreement", "Low"),
    "": _("Not measurable (fewer than two reviews)"),
}
CENT = Decimal("0.01")


def weighted_total(rows):
    """The total out of 100 of (weight, value, max_score) rows, rounded to 0.01; None without any weight."""
    weights = Decimal(0)
    points = Decimal(0)
    for weight, value, max_score in rows:
        weight = Decimal(weight)
        if weight <= 0 or not max_score:
            continue
        weights += weight
        points += weight * Decimal(value) / Decimal(max_score)
    if weights == 0:
        return None
    return (points / weights * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def spread(values):
    """Population standard deviation (0 for a single value, None for none)."""
    values = [float(v) for v in values]
    if not values:
        return None
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def agreement_level(spread_value, count):
    """"high", "medium" or "low" by the spread of the totals; "" when fewer than two reviews."""
    if count < 2 or spread_value is None:
        return ""
    if spread_value <= HIGH_SPREAD:
        return "high"
    if spread_value <= MEDIUM_SPREAD:
        return "medium"
    return "low"


@dataclass(frozen=True)
class CriterionSummary:
    """One criterion across the reviews that scored it."""

    criterion_id: int
    count: int
    mean: float
    spread: float
    max_score: int

    @property
    def percent(self):
        return 100.0 * self.mean / self.max_score if self.max_score else None


@dataclass(frozen=True)
class Summary:
    """The aggregate of the scored reviews of one submission."""

    count: int
    mean: float | None  # mean total out of 100
    spread: float | None
    agreement: float | None  # 1 − spread/50, between 0 and 1; None with fewer than two reviews
    level: str  # a key of AGREEMENT_LABELS
    criteria: tuple = ()

    @property
    def level_label(self):
        return AGREEMENT_LABELS[self.level]

    @property
    def mean_decimal(self):
        """The mean total as stored on the decision (two decimals), or None."""
        if self.mean is None:
            return None
        return Decimal(repr(self.mean)).quantize(CENT, rounding=ROUND_HALF_UP)


EMPTY = Summary(count=0, mean=None, spread=None, agreement=None, level="")


def summarise(totals, scores=(), max_scores=None):
    """The aggregate of scored reviews.

    `totals`: each review's total out of 100 (None ones are ignored: an incomplete review is not counted).
    `scores`: (criterion_id, value) pairs of those reviews; `max_scores`: {criterion_id: max_score}, which
    also orders the per-criterion rows (criteria not in it come after, in id order).
    """
    totals = [float(t) for t in totals if t is not None]
    if not totals:
        return EMPTY
    mean = sum(totals) / len(totals)
    deviation = spread(totals)
    count = len(totals)
    level = agreement_level(deviation, count)
    agreement = None if count < 2 else max(0.0, 1.0 - deviation / MAX_SPREAD)
    max_scores = dict(max_scores or {})
    by_criterion = {}
    for criterion_id, value in scores:
        if value is not None:
            by_criterion.setdefault(criterion_id, []).append(float(value))
    order = list(max_scores) + sorted(set(by_criterion) - set(max_scores))
    criteria = tuple(
        CriterionSummary(criterion_id=cid, count=len(by_criterion[cid]),
                         mean=sum(by_criterion[cid]) / len(by_criterion[cid]), spread=spread(by_criterion[cid]),
                         max_score=max_scores.get(cid, 0))
        for cid in order if cid in by_criterion)
    return Summary(count=count, mean=mean, spread=deviation, agreement=agreement, level=level, criteria=criteria)
