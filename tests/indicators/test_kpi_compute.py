"""The pure computations of the KPI index, table by table: attainment, trajectories, RAG, comparisons,
aggregation up the hierarchy and a year's value from its periods, outlier scores."""

import datetime

import pytest

from nq57.indicators import compute
from nq57.indicators.compute import Point, Reported

D = datetime.date


@pytest.mark.parametrize(("actual", "baseline", "target", "direction", "expected"), [
    (60, 40, 80, "higher", 0.5),  # halfway
    (80, 40, 80, "higher", 1.0),  # reached
    (90, 40, 80, "higher", 1.25),  # beyond
    (30, 40, 80, "higher", -0.25),  # moved backwards
    (10, 20, 5, "lower", 2 / 3),  # lower is better: 20 → 10 of the way to 5
    (25, 20, 5, "lower", -1 / 3),  # lower is better, got worse
    (3, 3, 3, "higher", 1.0),  # target equal to baseline, kept
    (2, 3, 3, "higher", 0.0),  # target equal to baseline, fell short
    (2, 3, 3, "lower", 1.0),  # lower is better, kept below
    (4, 3, 3, "lower", 0.0),
    (0.74, 0.726, 0.7, "higher", 1.0),  # the baseline already beats the target (HDI > 0.7): kept
    (0.69, 0.726, 0.7, "higher", 0.0),  # ... and then lost
    (40, 30, 50, "lower", 1.0),  # lower is better, baseline already below the target, still below
    (None, 40, 80, "higher", None),  # missing period: no attainment
    (60, None, 80, "higher", None),
    (60, 40, None, "higher", None),
])
def test_attainment_is_the_share_of_the_way_from_baseline_to_target(actual, baseline, target, direction, expected):
    result = compute.attainment(actual, baseline, target, direction)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("on", "milestones", "expected"), [
    (D(2024, 12, 31), (), 40.0),  # at the baseline date
    (D(2020, 1, 1), (), 40.0),  # before it: the baseline
    (D(2030, 12, 31), (), 80.0),  # at the target date
    (D(2032, 6, 30), (), 80.0),  # after it: the target
    (D(2027, 12, 31), (), 40 + 40 * 1095 / 2191),  # linear: 3 of 6 years, counted in days
    (D(2026, 12, 31), (Point(D(2026, 12, 31), 70),), 70.0),  # through an explicit milestone
    (D(2025, 12, 31), (Point(D(2026, 12, 31), 70),), 40 + 30 * 365 / 730),  # between baseline and milestone
    (D(2028, 12, 31), (Point(D(2026, 12, 31), 70),), 70 + 10 * 731 / 1461),  # between milestone and target
])
def test_the_expected_value_follows_the_trajectory(on, milestones, expected):
    result = compute.expected_value(on, 40, D(2024, 12, 31), 80, D(2030, 12, 31), milestones)
    assert result == pytest.approx(expected)


def test_the_expected_value_is_unknown_without_a_baseline_or_target():
    assert compute.expected_value(D(2026, 1, 1), None, D(2024, 12, 31), 80, D(2030, 12, 31)) is None
    assert compute.expected_value(D(2026, 1, 1), 40, None, 80, D(2030, 12, 31)) is None


def test_a_lower_is_better_trajectory_goes_down():
    assert compute.expected_value(D(2027, 12, 31), 20, D(2025, 12, 31), 10, D(2029, 12, 31)) == pytest.approx(
        20 - 10 * 730 / 1461)


@pytest.mark.parametrize(("actual", "expected", "rag"), [
    (0.50, 0.50, "green"),  # on the trajectory
    (0.60, 0.50, "green"),  # ahead
    (0.45, 0.50, "green"),  # 5 points behind: still green
    (0.44, 0.50, "amber"),
    (0.35, 0.50, "amber"),  # 15 points behind: still amber
    (0.34, 0.50, "red"),
    (0.0, None, "green"),  # no expectation yet
    (None, 0.5, None),  # nothing reported
])
def test_rag_compares_attainment_with_what_the_trajectory_expects(actual, expected, rag):
    assert compute.rag(actual, expected, 5, 15) == rag


def test_rag_thresholds_are_configurable():
    assert compute.rag(0.40, 0.50, 10, 20) == "green"
    assert compute.rag(0.40, 0.50, 2, 5) == "red"


@pytest.mark.parametrize(("progress", "elapsed", "rag"), [
    ("achieved", 0.9, "green"), ("on_track", 0.1, "green"),
    ("in_progress", 0.9, "amber"), ("at_risk", 0.5, "amber"), ("at_risk", 0.8, "red"),
    ("not_started", 0.1, "amber"), ("not_started", 0.5, "red"), ("", 0.5, None),
])
def test_a_qualitative_milestone_is_rated_from_its_progress_and_the_time_gone(progress, elapsed, rag):
    assert compute.qualitative_rag(progress, elapsed) == rag


@pytest.mark.parametrize(("value", "comparator", "target", "high", "met"), [
    (80, "gte", 80, None, True), (79.9, "gte", 80, None, False), (81, "gt", 80, None, True),
    (3, "lte", 3, None, True), (4, "rank_lte", 3, None, False), (2, "lt", 3, None, True),
    (90, "eq", 90, None, True), (17, "between", 16, 18, True), (19, "between", 16, 18, False),
    (None, "gte", 80, None, None), (80, "qualitative", 80, None, None),
])
def test_meets_reads_the_comparator(value, comparator, target, high, met):
    assert compute.meets(value, comparator, target, high) is met


@pytest.mark.parametrize(("comparator", "value", "high", "direction", "point"), [
    ("gte", 80, None, "higher", 80.0), ("between", 16, 18, "higher", 16.0), ("between", 16, 18, "lower", 18.0),
    ("rank_lte", 50, None, "lower", 50.0),
])
def test_the_target_point_of_a_range_is_its_nearer_end(comparator, value, high, direction, point):
    assert compute.target_point(comparator, value, high, direction) == point


HA_NOI = Reported(value=90, numerator=900, denominator=1000, weight=1000)
LANG_SON = Reported(value=50, numerator=5, denominator=10, weight=10)


@pytest.mark.parametrize(("rule", "rows", "value", "count"), [
    ("sum", [Reported(3), Reported(4)], 7.0, 2),
    ("min", [Reported(3), Reported(4)], 3.0, 2),
    ("max", [Reported(3), Reported(4)], 4.0, 2),
    # Recomputed from parts: 905/1010, not the mean of 90 % and 50 % (70 %).
    ("ratio", [HA_NOI, LANG_SON], 905 / 1010 * 100, 2),
    ("weighted_mean", [HA_NOI, LANG_SON], (90 * 1000 + 50 * 10) / 1010, 2),
    ("weighted_mean", [Reported(90), Reported(50)], 70.0, 2),  # no weights: weight 1 each
    ("none", [Reported(5)], 5.0, 1),
    ("none", [Reported(5), Reported(6)], None, 2),  # several cannot be combined
    ("sum", [], None, 0),  # nothing reported
    ("sum", [Reported(None), Reported(4)], 4.0, 1),  # a missing value is not a zero
    ("ratio", [Reported(numerator=1, denominator=0)], None, 1),
])
def test_aggregation_follows_the_indicators_rule(rule, rows, value, count):
    result = compute.aggregate(rule, rows)
    assert result.count == count
    assert result.value == (None if value is None else pytest.approx(value))


def test_a_ratio_rollup_never_averages_percentages():
    result = compute.aggregate("ratio", [HA_NOI, LANG_SON])
    assert result.numerator == 905 and result.denominator == 1010
    assert result.value != pytest.approx((90 + 50) / 2)


def test_a_ratio_uses_its_scale():
    assert compute.aggregate("ratio", [Reported(numerator=3, denominator=1000)], scale=1000).value == 3.0


QUARTERS = [(D(2025, 3, 31), Reported(10, 1, 10)), (D(2025, 6, 30), Reported(20, 4, 20)),
            (D(2025, 9, 30), Reported(30, 9, 30)), (D(2025, 12, 31), Reported(40, 16, 40))]


@pytest.mark.parametrize(("rows", "accumulation", "rule", "expected", "complete"), [
    (QUARTERS, "periodic", "sum", 100.0, True),  # a year of quarterly counts adds up
    (QUARTERS, "cumulative", "sum", 40.0, True),  # a running total: the latest already holds the rest
    (QUARTERS, "periodic", "ratio", 30 / 100 * 100, True),  # recomputed from the year's parts
    (QUARTERS, "periodic", "max", 40.0, True),  # any other rule: the latest period stands for the year
    (QUARTERS[:3], "periodic", "sum", 60.0, False),  # a missing quarter: not the year's total
    (QUARTERS[:3], "cumulative", "sum", 30.0, False),
    ([], "periodic", "sum", None, False),
    (list(reversed(QUARTERS)), "cumulative", "sum", 40.0, True),  # order of the rows does not matter
])
def test_a_years_value_from_its_periods(rows, accumulation, rule, expected, complete):
    value, is_complete = compute.value_for_year(rows, accumulation, rule, periods_expected=4)
    assert value == (None if expected is None else pytest.approx(expected))
    assert is_complete is complete


@pytest.mark.parametrize(("value", "sample", "outlier"), [
    (100, [10, 11, 12, 13, 12], True),
    (12, [10, 11, 12, 13, 12], False),
    (100, [10, 11, 12], None),  # fewer than four points: no verdict
    (100, [5, 5, 5, 5], None),  # no spread: no verdict
])
def test_the_modified_z_score_spots_outliers(value, sample, outlier):
    z = compute.modified_z_score(value, sample)
    assert (None if z is None else abs(z) > 3.5) is outlier


@pytest.mark.parametrize(("value", "previous", "jump"), [
    (150, 100, 0.5), (40, 100, -0.6), (5, 0, None), (None, 3, None), (-5, -10, 0.5),
])
def test_the_relative_jump_from_the_previous_period(value, previous, jump):
    assert compute.relative_jump(value, previous) == (None if jump is None else pytest.approx(jump))


def test_the_elapsed_fraction_is_clamped():
    assert compute.elapsed_fraction(D(2020, 1, 1), D(2025, 1, 1), D(2030, 1, 1)) == 0.0
    assert compute.elapsed_fraction(D(2035, 1, 1), D(2025, 1, 1), D(2030, 1, 1)) == 1.0
    assert compute.elapsed_fraction(D(2026, 1, 1), None, D(2030, 1, 1)) == 1.0
