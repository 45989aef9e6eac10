"""The council's arithmetic, pure: a review's weighted total, and the aggregate of several reviews with the
reviewers' agreement (spread of the totals → 1 − spread/50, high within 10 points, medium within 20)."""

from decimal import Decimal

import pytest

from nq57.feedback import scoring

DEFAULT = [(25, 5), (25, 5), (25, 5), (10, 5), (15, 5)]  # (weight, max) of the default rubric


def rows(values, grid=DEFAULT):
    return [(Decimal(w), v, m) for (w, m), v in zip(grid, values, strict=True)]


@pytest.mark.parametrize("values, grid, expected", [
    ([5, 5, 5, 5, 5], DEFAULT, Decimal("100.00")),
    ([0, 0, 0, 0, 0], DEFAULT, Decimal("0.00")),
    ([4, 4, 4, 4, 4], DEFAULT, Decimal("80.00")),
    # 25·5/5 + 25·0 + 25·0 + 10·0 + 15·0 = 25 of 100
    ([5, 0, 0, 0, 0], DEFAULT, Decimal("25.00")),
    # different maxima: 1·(3/10) + 1·(1/2) = 0.8 of 2 → 40
    ([3, 1], [(1, 10), (1, 2)], Decimal("40.00")),
    # weights 2 and 1: (2·1 + 1·0)/3 = 66.67
    ([5, 0], [(2, 5), (1, 5)], Decimal("66.67")),
    # a zero-weight criterion does not count
    ([5, 0], [(1, 5), (0, 5)], Decimal("100.00")),
])
def test_the_total_weighs_each_criterion_by_its_weight_and_maximum(values, grid, expected):
    assert scoring.weighted_total(rows(values, grid)) == expected


def test_a_rubric_without_any_weight_has_no_total():
    assert scoring.weighted_total([]) is None
    assert scoring.weighted_total([(Decimal(0), 3, 5)]) is None


@pytest.mark.parametrize("totals, mean, spread, agreement, level", [
    ([80, 80, 80], 80.0, 0.0, 1.0, "high"),
    ([70, 90], 80.0, 10.0, 0.8, "high"),  # exactly at the high threshold
    ([60, 90], 75.0, 15.0, 0.7, "medium"),
    ([60, 100], 80.0, 20.0, 0.6, "medium"),  # exactly at the medium threshold
    ([20, 90], 55.0, 35.0, 0.3, "low"),
    ([0, 100], 50.0, 50.0, 0.0, "low"),  # the largest possible disagreement
    ([40, 50, 60], 50.0, 8.164966, 0.836701, "high"),
    ([Decimal("72.50"), Decimal("77.50")], 75.0, 2.5, 0.95, "high"),
    ([75], 75.0, 0.0, None, ""),  # one review: nothing to agree with
    ([75, None], 75.0, 0.0, None, ""),  # an unscored review is not counted
])
def test_the_aggregate_gives_the_mean_the_spread_and_the_agreement(totals, mean, spread, agreement, level):
    summary = scoring.summarise(totals)
    assert summary.count == len([t for t in totals if t is not None])
    assert summary.mean == pytest.approx(mean)
    assert summary.spread == pytest.approx(spread, abs=1e-6)
    if agreement is None:
        assert summary.agreement is None
    else:
        assert summary.agreement == pytest.approx(agreement, abs=1e-6)
    assert summary.level == level
    assert summary.level_label == scoring.AGREEMENT_LABELS[level]


def test_no_scored_review_gives_an_empty_aggregate():
    summary = scoring.summarise([None, None])
    assert summary == scoring.EMPTY
    assert summary.mean is None and summary.mean_decimal is None and summary.criteria == ()


def test_the_aggregate_has_a_row_per_criterion_in_rubric_order():
    # criteria 7 (max 5) and 3 (max 10), listed 7 first; criterion 9 is unknown to the rubric order: last
    summary = scoring.summarise([80, 60], [(3, 8), (7, 4), (3, 6), (7, 2), (9, 1)], {7: 5, 3: 10})
    assert [c.criterion_id for c in summary.criteria] == [7, 3, 9]
    novelty, impact, other = summary.criteria
    assert (novelty.count, novelty.mean, novelty.spread, novelty.percent) == (2, 3.0, 1.0, 60.0)
    assert (impact.count, impact.mean, impact.spread, impact.percent) == (2, 7.0, 1.0, 70.0)
    assert other.max_score == 0 and other.percent is None


def test_the_mean_is_stored_with_two_decimals():
    assert scoring.summarise([70, 75, 76]).mean_decimal == Decimal("73.67")
