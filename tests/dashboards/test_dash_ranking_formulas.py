"""The ranking formulas as pure functions, with hand-computed expected values (no database)."""

import pytest
from django.utils import translation

from nq57.dashboards import ranking
from nq57.dashboards.figures import Figures
from nq57.dashboards.ranking import (MEASURES, PeerRow, competition_ranks, composite, explain, peer_mean,
                                     rank_peers, rate, shrink)

BY_KEY = {m.key: m for m in MEASURES}
ON_TIME_AND_QUALITY = (BY_KEY["on_time"], BY_KEY["quality"])


@pytest.mark.parametrize("numerator, denominator, expected", [
    (42, 50, 0.84),
    (0, 5, 0.0),
    (5, 5, 1.0),
    (0, 0, None),  # no workload: no rate, not 0 %
    (3, -1, None),
    (2.5, 4, 0.625),  # a sum of attainments
])
def test_rate(numerator, denominator, expected):
    assert rate(numerator, denominator) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("numerator, denominator, mean, k, expected", [
    (42, 50, 0.78, 10, 0.83),  # (42 + 7.8) / 60
    (1, 1, 0.5, 10, 6 / 11),  # one task done: pulled most of the way to the mean
    (0, 1, 0.5, 10, 5 / 11),
    (42, 50, 0.78, 0, 0.84),  # k = 0 gives the raw rate
    (42, 50, None, 10, 0.84),  # nothing to shrink toward
    (0, 0, 0.78, 10, None),  # no workload: no score
    (840_000, 1_000_000, 0.5, 10, 0.84),  # huge workload: adjusted ≈ raw
])
def test_shrink(numerator, denominator, mean, k, expected):
    result = shrink(numerator, denominator, mean, k)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("pairs, expected", [
    ([(42, 50), (8, 10)], 50 / 60),  # pooled, not the mean of 84 % and 80 %
    ([(1, 0), (3, 4)], 0.75),  # a peer without workload does not count
    ([(0, 0)], None),
    ([], None),
])
def test_peer_mean(pairs, expected):
    result = peer_mean(pairs)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("rates, weights, expected, shares", [
    ({"a": 0.8, "b": 0.6}, None, 70.0, {"a": 0.5, "b": 0.5}),
    ({"a": 0.8, "b": None}, None, 80.0, {"a": 1.0}),  # one measure missing: the weights renormalised
    ({"a": None, "b": None}, None, None, {}),  # all missing
    ({"a": 0.8, "b": 0.6}, {"a": 3, "b": 1}, 75.0, {"a": 0.75, "b": 0.25}),
    ({"a": 0.8, "b": 0.6}, {"b": 0}, 80.0, {"a": 1.0}),  # weight 0: left out
])
def test_composite(rates, weights, expected, shares):
    score, used = composite(rates, weights)
    assert score == (pytest.approx(expected) if expected is not None else None)
    assert used == pytest.approx(shares)


@pytest.mark.parametrize("values, expected", [
    ([90, 80, 80, 70], [1, 2, 2, 4]),
    ([70, 80, 90], [3, 2, 1]),  # ranks follow the input order
    ([None, 50, None], [None, 1, None]),
    ([80.04, 80.01], [1, 1]),  # equal as shown (one decimal): a tie
    ([80.06, 80.01], [1, 2]),  # 80.1 and 80.0
    ([], []),
    ([55, 55, 55], [1, 1, 1]),
])
def test_competition_ranks(values, expected):
    assert competition_ranks(values) == expected


def peers(*rows):
    return [PeerRow(id=i, name=name, figures=figures) for i, (name, figures) in enumerate(rows, start=1)]


def by_name(result):
    return {p.name: p for p in result}


def test_a_small_workload_is_shrunk_and_a_peer_without_any_is_not_ranked():
    result = rank_peers(peers(
        ("Bắc Ninh", {"on_time": 8, "due": 10}),  # no reviews: quality not scored
        ("An Giang", {"on_time": 42, "due": 50, "quality_ok": 9, "quality_checked": 10}),
        ("Cà Mau", {}),
    ), ON_TIME_AND_QUALITY, k=10)
    assert [(p.name, p.rank) for p in result] == [("An Giang", 1), ("Bắc Ninh", 2), ("Cà Mau", None)]
    an_giang, bac_ninh, ca_mau = result
    # on time: mean 50/60; An Giang (42 + 10·5/6)/60, Bắc Ninh (8 + 10·5/6)/20. Quality: mean 0.9, (9 + 9)/20.
    assert an_giang.measures["on_time"].peer_mean == pytest.approx(5 / 6)
    assert an_giang.measures["on_time"].raw == pytest.approx(0.84)
    assert an_giang.measures["on_time"].adjusted == pytest.approx(0.838889, abs=1e-6)
    assert an_giang.measures["quality"].adjusted == pytest.approx(0.9)
    assert an_giang.composite == pytest.approx(86.9444, abs=1e-4)
    assert bac_ninh.measures["on_time"].adjusted == pytest.approx(0.816667, abs=1e-6)
    assert bac_ninh.measures["quality"].raw is None and bac_ninh.measures["quality"].adjusted is None
    assert bac_ninh.measures["quality"].weight is None
    assert bac_ninh.measures["on_time"].weight == 1.0  # the remaining measure carries the whole weight
    assert bac_ninh.composite == pytest.approx(81.6667, abs=1e-4)
    assert ca_mau.composite is None and ca_mau.score is None
    assert ca_mau.reason


def test_ties_share_a_rank_and_are_listed_by_name():
    result = rank_peers(peers(
        ("Yên Bái", {"on_time": 2, "due": 10}),
        ("Điện Biên", {"on_time": 8, "due": 10}),
        ("Đà Nẵng", {"on_time": 8, "due": 10}),
        ("Cao Bằng", {"on_time": 8, "due": 10}),
    ), ON_TIME_AND_QUALITY, k=10)
    # mean 26/40 = 0.65: (8 + 6.5)/20 = 72.5 for the three, (2 + 6.5)/20 = 42.5
    assert [(p.name, p.rank, round(p.score, 4)) for p in result] == [
        ("Cao Bằng", 1, 72.5), ("Đà Nẵng", 1, 72.5), ("Điện Biên", 1, 72.5), ("Yên Bái", 4, 42.5)]


def test_k_zero_gives_the_raw_rates():
    result = rank_peers(peers(("A", {"on_time": 42, "due": 50}), ("B", {"on_time": 8, "due": 10})),
                        ON_TIME_AND_QUALITY, k=0)
    assert [(p.name, p.rank, p.score) for p in result] == [("A", 1, pytest.approx(84.0)), ("B", 2, pytest.approx(80.0))]


def test_shrinking_can_reverse_a_raw_order():
    # 1 of 1 on time is 100 % raw, but one task says little; 95 of 100 is the better record.
    result = rank_peers(peers(("Lucky", {"on_time": 1, "due": 1}), ("Steady", {"on_time": 95, "due": 100}),
                              ("Late", {"on_time": 50, "due": 100})), ON_TIME_AND_QUALITY, k=10)
    assert [p.name for p in result] == ["Steady", "Lucky", "Late"]
    lucky = by_name(result)["Lucky"].measures["on_time"]
    assert lucky.raw == 1.0 and lucky.adjusted == pytest.approx((1 + 10 * 146 / 201) / 11)


def test_a_huge_workload_keeps_its_raw_rate():
    result = by_name(rank_peers(peers(("Big", {"on_time": 840_000, "due": 1_000_000}),
                                      ("Small", {"on_time": 1, "due": 2})), ON_TIME_AND_QUALITY, k=10))
    assert result["Big"].measures["on_time"].adjusted == pytest.approx(0.84, abs=1e-5)
    assert result["Small"].measures["on_time"].adjusted == pytest.approx((1 + 10 * 840_001 / 1_000_002) / 12)


def test_a_single_peer_is_its_own_mean():
    figures = Figures(organisation_id=1, due=10, on_time=7, reports_expected=5, reports_on_time=3, values_due=5,
                      values_on_time=4, kpi_assessed=4, kpi_attainment_sum=2.5, quality_checked=20, quality_ok=15,
                      feedback_answered=8, feedback_on_time=6, feedback_open_overdue=2)
    (only,) = rank_peers([PeerRow(1, "Lạng Sơn", figures)])
    raw = {key: s.raw for key, s in only.measures.items()}
    assert raw == pytest.approx({"on_time": 0.7, "reporting": 0.7, "kpi": 0.625, "quality": 0.75,
                                 "feedback": 0.6})  # open overdue feedback counts against: 6 / (8 + 2)
    assert {key: s.adjusted for key, s in only.measures.items()} == pytest.approx(raw)
    assert only.composite == pytest.approx(100 * (0.7 + 0.7 + 0.625 + 0.75 + 0.6) / 5)
    assert only.rank == 1
    assert all(s.weight == pytest.approx(0.2) for s in only.measures.values())


def test_weights_change_the_composite():
    result = by_name(rank_peers(peers(
        ("An Giang", {"on_time": 42, "due": 50, "quality_ok": 9, "quality_checked": 10}),
        ("Bắc Ninh", {"on_time": 8, "due": 10})), ON_TIME_AND_QUALITY, k=10, weights={"on_time": 3, "quality": 1}))
    assert result["An Giang"].composite == pytest.approx(100 * (0.838889 * 0.75 + 0.9 * 0.25), abs=1e-4)
    assert result["An Giang"].measures["on_time"].weight == pytest.approx(0.75)
    assert result["Bắc Ninh"].composite == pytest.approx(81.6667, abs=1e-4)


def test_sorting_by_one_measure_leaves_out_peers_without_that_workload():
    result = rank_peers(peers(
        ("Bắc Ninh", {"on_time": 8, "due": 10}),
        ("An Giang", {"on_time": 42, "due": 50, "quality_ok": 9, "quality_checked": 10})),
        ON_TIME_AND_QUALITY, k=10, sort_by="quality")
    assert [(p.name, p.rank) for p in result] == [("An Giang", 1), ("Bắc Ninh", None)]
    assert result[0].score == pytest.approx(90.0)
    assert result[1].composite == pytest.approx(81.6667, abs=1e-4)  # still shown
    assert result[1].reason


def test_nobody_with_workload_ranks_nobody():
    result = rank_peers(peers(("A", {}), ("B", {"due": 0})))
    assert [(p.name, p.rank) for p in result] == [("A", None), ("B", None)]
    assert rank_peers([]) == []


@pytest.mark.parametrize("kwargs", [
    {"weights": {"on_time": -1}},
    {"weights": {"nonsense": 1}},
    {"weights": {m.key: 0 for m in MEASURES}},
    {"sort_by": "nonsense"},
])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        rank_peers(peers(("A", {"on_time": 1, "due": 1})), **kwargs)


def test_the_explanation_gives_the_numbers():
    result = by_name(rank_peers(peers(
        ("An Giang", {"on_time": 42, "due": 50, "quality_ok": 9, "quality_checked": 10}),
        ("Bắc Ninh", {"on_time": 8, "due": 10})), ON_TIME_AND_QUALITY, k=10))
    with translation.override("en"):
        text = explain(result["An Giang"].measures["on_time"], BY_KEY["on_time"], k=10)
        missing = explain(result["Bắc Ninh"].measures["quality"], BY_KEY["quality"], k=10)
    assert text == ("On-time completion: 42 of 50 assignments due were completed on time = 84.0%; adjusted 83.9% "
                    "toward the peer mean 83.3% (workload 50, k = 10).")
    assert missing.startswith("Data quality: no workload in the window")


def test_percentages_follow_the_locale():
    with translation.override("vi"):
        assert ranking.percent(0.8389) == "83,9%"
        assert ranking.number(1234) == "1.234"
    with translation.override("en"):
        assert ranking.percent(None) == "—"
        assert ranking.number(2.5) == "2.5"
