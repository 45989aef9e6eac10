"""Attainment, trajectories, RAG ratings and aggregation: pure functions over plain numbers and dates.

They take floats/Decimals and dates, never models, so table-driven tests cover every case (lower is
better, cumulative vs periodic, missing periods, a target equal to its baseline). `rollups.py` feeds
them from the database.

Definitions follow the brief: attainment = (A − B) / (T − B); expected value on a linear trajectory
E(t) = B + (T − B) · elapsed fraction, or through explicit milestones; ratios roll up from summed
numerators and denominators, never as an average of percentages.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

HIGHER, LOWER = "higher", "lower"
GREEN, AMBER, RED = "green", "amber", "red"


def _f(x):
    return None if x is None else float(x)


def attainment(actual, baseline, target, direction=HIGHER):
    """(A − B) / (T − B), or None when a number is missing.

    The formula works for lower-is-better as written (both differences are negative). When the baseline
    already meets the target (equal to it, or beyond it in the indicator's direction, as the HDI > 0.7 of
    Appendix I) there is nothing to travel: attainment is 1 if the actual value keeps the target (not
    worse in the indicator's direction), else 0.
    """
    actual, baseline, target = _f(actual), _f(baseline), _f(target)
    if actual is None or baseline is None or target is None:
        return None
    if target == baseline or (target < baseline if direction == HIGHER else target > baseline):
        kept = actual >= target if direction == HIGHER else actual <= target
        return 1.0 if kept else 0.0
    return (actual - baseline) / (target - baseline)


@dataclass(frozen=True)
class Point:
    """A known point of a trajectory: the value expected at a date."""
    on: datetime.date
    value: float


def expected_value(on, baseline, baseline_date, target, target_date, milestones=()):
    """The value expected at `on`: linear from the baseline to the target, or piecewise linear through
    the milestones (each a Point). Before the baseline date it is the baseline; after the target date,
    the target. None when the baseline or target is missing."""
    baseline, target = _f(baseline), _f(target)
    if baseline is None or target is None or baseline_date is None or target_date is None:
        return None
    points = [Point(baseline_date, baseline)]
    points += sorted((Point(m.on, _f(m.value)) for m in milestones
                      if m.value is not None and baseline_date < m.on < target_date), key=lambda p: p.on)
    points.append(Point(target_date, target))
    if on <= points[0].on:
        return points[0].value
    if on >= points[-1].on:
        return points[-1].value
    for left, right in zip(points, points[1:]):
        if left.on <= on <= right.on:
            span = (right.on - left.on).days
            fraction = (on - left.on).days / span if span else 1.0
            return left.value + (right.value - left.value) * fraction
    return points[-1].value  # unreachable: the points cover [baseline_date, target_date]


def elapsed_fraction(on, start, end):
    if start is None or end is None or end <= start:
        return 1.0
    return min(1.0, max(0.0, (on - start).days / (end - start).days))


def rag(actual_attainment, expected_attainment, green_points=5, amber_points=15):
    """Green while attainment is at most `green_points` (of 100) behind what the trajectory expects,
    amber up to `amber_points`, red beyond. Being ahead is green. None without an attainment."""
    if actual_attainment is None:
        return None
    expected = 0.0 if expected_attainment is None else expected_attainment
    behind = (expected - actual_attainment) * 100
    if behind <= green_points + 1e-9:
        return GREEN
    if behind <= amber_points + 1e-9:
        return AMBER
    return RED


def qualitative_rag(progress, elapsed):
    """RAG of a yes/no or qualitative milestone from its reported progress and the elapsed fraction of time."""
    if progress in ("achieved", "on_track"):
        return GREEN
    if progress in ("in_progress", "at_risk"):
        return AMBER if progress == "in_progress" or elapsed < 0.75 else RED
    if progress == "not_started":
        return AMBER if elapsed < 0.25 else RED
    return None


def meets(value, comparator, target, high=None):
    """Does `value` satisfy the target (≥ 80; ≤ 3; between 16 and 18; rank ≤ 50)?"""
    value, target, high = _f(value), _f(target), _f(high)
    if value is None or target is None:
        return None
    if comparator == "gte":
        return value >= target
    if comparator == "gt":
        return value > target
    if comparator in ("lte", "rank_lte"):
        return value <= target
    if comparator == "lt":
        return value < target
    if comparator == "eq":
        return abs(value - target) < 1e-9
    if comparator == "between":
        return target <= value <= (high if high is not None else target)
    return None


def target_point(comparator, value, high, direction=HIGHER):
    """The single number attainment aims at: for 'between' the end nearer the baseline's side is enough,
    so the lower bound when higher is better and the upper bound when lower is better."""
    value, high = _f(value), _f(high)
    if comparator == "between" and high is not None:
        return value if direction == HIGHER else high
    return value


# ---- aggregation up the hierarchy --------------------------------------------------------------------

@dataclass(frozen=True)
class Reported:
    """One organisation's value for one period, as aggregation needs it."""
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    weight: float | None = None


@dataclass(frozen=True)
class Aggregate:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    count: int = 0


def aggregate(rule, values, scale=100):
    """Roll values of several organisations up by `rule` (sum, ratio, weighted_mean, min, max, none).

    ratio: Σnumerator / Σdenominator × scale — never the mean of the organisations' percentages.
    weighted_mean: Σ(value × weight) / Σweight, rows without a weight count as weight 1.
    none: only a single value passes through; several cannot be combined.
    """
    values = [v for v in values if v is not None]
    if rule == "ratio":
        rows = [v for v in values if v.numerator is not None and v.denominator is not None]
        num = sum(_f(v.numerator) for v in rows)
        den = sum(_f(v.denominator) for v in rows)
        return Aggregate(num / den * float(scale) if den else None, num if rows else None,
                         den if rows else None, len(rows))
    rows = [v for v in values if v.value is not None]
    numbers = [_f(v.value) for v in rows]
    if not numbers:
        return Aggregate(None, count=0)
    if rule == "sum":
        return Aggregate(sum(numbers), count=len(numbers))
    if rule == "weighted_mean":
        weights = [_f(v.weight) if v.weight is not None else 1.0 for v in rows]
        total = sum(weights)
        return Aggregate(sum(n * w for n, w in zip(numbers, weights)) / total if total else None, count=len(numbers))
    if rule == "min":
        return Aggregate(min(numbers), count=len(numbers))
    if rule == "max":
        return Aggregate(max(numbers), count=len(numbers))
    return Aggregate(numbers[0] if len(numbers) == 1 else None, count=len(numbers))


def value_for_year(period_values, accumulation, rule, scale=100, periods_expected=None):
    """One organisation's value for a target year from its period values [(period_end, Reported), …].

    Cumulative: the latest value (a running total already includes the earlier periods).
    Periodic: sum counts over the periods; recompute a ratio from summed parts; for any other rule the
    latest period stands for the year. Returns (value, complete) where complete says whether every
    expected period was reported (a periodic sum with a missing quarter is not the year's total).
    """
    rows = sorted(((end, v) for end, v in period_values if v is not None), key=lambda item: item[0])
    complete = periods_expected is None or len(rows) >= periods_expected
    if not rows:
        return None, False
    if accumulation == "cumulative":
        return _f(rows[-1][1].value), complete
    if rule == "sum":
        return sum(_f(v.value) for _, v in rows if v.value is not None), complete
    if rule == "ratio":
        return aggregate("ratio", [v for _, v in rows], scale).value, complete
    return _f(rows[-1][1].value), complete


# ---- validation helpers -------------------------------------------------------------------------------

def median(numbers):
    numbers = sorted(numbers)
    if not numbers:
        return None
    middle = len(numbers) // 2
    return numbers[middle] if len(numbers) % 2 else (numbers[middle - 1] + numbers[middle]) / 2


def modified_z_score(value, sample):
    """Iglewicz–Hoaglin modified z-score of `value` against `sample` (what DHIS2 uses for outliers):
    0.6745 · (x − median) / MAD. None when the sample is too small or has no spread."""
    sample = [_f(x) for x in sample if x is not None]
    if len(sample) < 4 or value is None:
        return None
    mid = median(sample)
    mad = median([abs(x - mid) for x in sample])
    if not mad:
        return None
    return 0.6745 * (_f(value) - mid) / mad


def relative_jump(value, previous):
    """How much `value` moved from the previous period, as a fraction of the previous one."""
    value, previous = _f(value), _f(previous)
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous)


def as_decimal(number):
    return None if number is None else Decimal(str(round(float(number), 6)))
