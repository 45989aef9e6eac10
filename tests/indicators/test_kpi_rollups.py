"""Roll-ups up the organisation tree: a ratio recomputed from summed parts across provinces, sums, min/max,
the target that applies to each scope, and green/amber/red against the trajectory."""

import datetime

import pytest

from nq57.indicators import actions, rollups
from nq57.indicators.models import IndicatorRollup

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db

D = datetime.date
Q4 = D(2025, 12, 31)


def stored(indicator, org, period_end=Q4, series=""):
    return IndicatorRollup.objects.get(indicator=indicator, organisation=org, period_end=period_end, series=series)


def test_a_ratio_is_recomputed_from_summed_parts_across_provinces(kpi, report, org):
    report(kpi.indicator, "P20", "2025-Q4", numerator=5, denominator=10)  # 50 % of a small population
    report(kpi.indicator, "P01", "2025-Q4", numerator=900, denominator=1000)  # 90 % of a large one
    national = stored(kpi.indicator, org("BCDTW"))
    assert float(national.numerator) == 905 and float(national.denominator) == 1010
    assert float(national.value) == pytest.approx(905 / 1010 * 100, abs=1e-4)  # 89.6 %, not the mean 70 %
    assert float(stored(kpi.indicator, org("DP")).value) == pytest.approx(89.60396, abs=1e-4)
    assert float(stored(kpi.indicator, org("P20")).value) == 50.0
    assert national.reported == 2 and national.expected == 2


def test_a_sum_adds_the_provinces_and_min_and_max_pick_one(make_indicator, report, org):
    enterprises = make_indicator(code="5", value_type="count", aggregation="sum")
    lowest = make_indicator(code="6", value_type="index", aggregation="min")
    highest = make_indicator(code="7", value_type="index", aggregation="max")
    for indicator in (enterprises, lowest, highest):
        report(indicator, "P20", "2025-Q4", value=120)
        report(indicator, "P01", "2025-Q4", value=3400)
    assert float(stored(enterprises, org("BCDTW")).value) == 3520
    assert float(stored(lowest, org("BCDTW")).value) == 120
    assert float(stored(highest, org("BCDTW")).value) == 3400
    assert float(stored(enterprises, org("P01")).value) == 3400


def test_the_live_rollup_matches_the_stored_one_in_a_single_query(kpi, report, org, django_assert_num_queries):
    report(kpi.indicator, "P20", "2025-Q4", numerator=5, denominator=10)
    report(kpi.indicator, "P01", "2025-Q4", numerator=900, denominator=1000)
    country = org("BCDTW")
    with django_assert_num_queries(1):
        live = rollups.live_rollup(kpi.indicator, country, Q4)
    assert live.value == pytest.approx(float(stored(kpi.indicator, org("BCDTW")).value), abs=1e-4)
    assert live.count == 2 and live.numerator == 905


@pytest.mark.parametrize(("rule", "expected"), [
    ("sum", 60.0), ("min", 20.0), ("max", 40.0), ("weighted_mean", (20 * 1 + 40 * 3) / 4), ("none", None),
])
def test_the_live_rollup_follows_every_rule(make_indicator, report, org, rule, expected):
    indicator = make_indicator(code="8", value_type="index", aggregation=rule)
    report(indicator, "P20", "2025-Q4", value=20, weight=1)
    report(indicator, "P01", "2025-Q4", value=40, weight=3)
    live = rollups.live_rollup(indicator, org("BCDTW"), Q4)
    assert live.value == (None if expected is None else pytest.approx(expected))
    assert rollups.live_rollup(indicator, org("P20"), Q4).value == 20.0  # a single value passes through "none"


def test_a_not_available_value_is_not_a_zero(kpi, report, org):
    report(kpi.indicator, "P20", "2025-Q4", not_available=True, not_available_reason="Chưa điều tra")
    report(kpi.indicator, "P01", "2025-Q4", numerator=900, denominator=1000)
    national = stored(kpi.indicator, org("BCDTW"))
    assert float(national.value) == 90.0 and national.reported == 1


def test_drafts_and_submitted_values_do_not_count(kpi, report, org):
    report(kpi.indicator, "P20", "2025-Q4", numerator=5, denominator=10, approve=False)
    report(kpi.indicator, "P01", "2025-Q4", numerator=900, denominator=1000)
    assert float(stored(kpi.indicator, org("BCDTW")).value) == 90.0


# --- Targets by scope and RAG -------------------------------------------------------------------------

# Baseline 40 % on 31/12/2024, target ≥ 80 % in 2030: on 31/12/2025 the trajectory expects 46.66 %,
# an expected attainment of 16.7 %.


@pytest.mark.parametrize(("numerator", "rag"), [(47, "green"), (41, "amber"), (38, "red"), (60, "green")])
def test_rag_says_how_far_a_province_is_behind_the_trajectory(kpi, report, org, numerator, rag):
    report(kpi.indicator, "P20", "2025-Q4", numerator=numerator, denominator=100)
    lang_son = stored(kpi.indicator, org("P20"))  # a ratio is intensive: the national target applies
    assert lang_son.expected_attainment == pytest.approx(365 / 2191, abs=1e-6)
    assert float(lang_son.expected_value) == pytest.approx(40 + 40 * 365 / 2191, abs=1e-4)
    assert lang_son.attainment == pytest.approx((numerator - 40) / 40)
    assert lang_son.rag == rag


def test_an_indicators_own_tolerance_overrides_the_default(kpi, report, org):
    actions.update_indicator(actor=None, indicator=kpi.indicator, green_tolerance=0.2, amber_tolerance=0.3)
    report(kpi.indicator, "P20", "2025-Q4", numerator=41, denominator=100)  # amber by default
    assert stored(kpi.indicator, org("P20")).rag == "green"


def test_a_province_with_its_own_target_is_measured_against_it(kpi, report, org):
    actions.set_target(actor=None, indicator=kpi.indicator, organisation=org("P20"), year=2030, comparator="gte",
                       value=60)
    report(kpi.indicator, "P20", "2025-Q4", numerator=45, denominator=100)
    assert stored(kpi.indicator, org("P20")).attainment == pytest.approx(5 / 20)  # (45 − 40) / (60 − 40)


def test_a_sum_has_no_attainment_below_the_national_scope_without_its_own_target(make_indicator, report, org):
    enterprises = make_indicator(code="5", value_type="count", aggregation="sum")
    actions.set_target(actor=None, indicator=enterprises, year=2030, comparator="gte", value=10000)
    actions.set_baseline(actor=None, indicator=enterprises, value=2000, as_of=D(2024, 12, 31))
    report(enterprises, "P20", "2025-Q4", value=300)
    report(enterprises, "P01", "2025-Q4", value=2900)
    assert stored(enterprises, org("BCDTW")).attainment == pytest.approx((3200 - 2000) / 8000)
    lang_son = stored(enterprises, org("P20"))
    assert lang_son.attainment is None and lang_son.rag == ""  # 300 is no progress towards a national 10,000
    actions.set_target(actor=None, indicator=enterprises, organisation=org("P20"), year=2030, comparator="gte",
                       value=500)
    actions.set_baseline(actor=None, indicator=enterprises, organisation=org("P20"), value=200,
                         as_of=D(2024, 12, 31))
    assert stored(enterprises, org("P20")).attainment == pytest.approx(100 / 300)  # refreshed by the new target


def test_the_nearest_target_year_at_or_after_the_period_applies(kpi, report, org):
    actions.set_target(actor=None, indicator=kpi.indicator, year=2025, comparator="gte", value=50)
    report(kpi.indicator, "P20", "2025-Q4", numerator=50, denominator=100)
    lang_son = stored(kpi.indicator, org("P20"))
    assert lang_son.attainment == pytest.approx(1.0) and lang_son.rag == "green"
    context = rollups.context_for(kpi.indicator, org("P20"))
    assert context.target_for(2026).year == 2030 and context.target_for(2031).year == 2030


def test_milestones_shape_the_expected_value(kpi, report, org):
    actions.set_target(actor=None, indicator=kpi.indicator, year=2030, comparator="gte", value=80,
                       milestones=[(D(2025, 12, 31), 60)], reason="Lộ trình năm 2025")
    report(kpi.indicator, "P20", "2025-Q4", numerator=50, denominator=100)
    lang_son = stored(kpi.indicator, org("P20"))
    assert float(lang_son.expected_value) == 60.0 and lang_son.rag == "red"


def test_lower_is_better_rolls_up_the_right_way(make_indicator, report, org):
    poverty = make_indicator(code="10", direction="lower", aggregation="ratio")
    actions.set_target(actor=None, indicator=poverty, year=2030, comparator="lte", value=10)
    actions.set_baseline(actor=None, indicator=poverty, value=20, as_of=D(2024, 12, 31))
    report(poverty, "P20", "2025-Q4", numerator=15, denominator=100)
    lang_son = stored(poverty, org("P20"))
    assert lang_son.attainment == pytest.approx(0.5) and lang_son.rag == "green"


def test_a_milestone_indicator_rolls_up_its_progress(make_indicator, report, org):
    platform = make_indicator(code="11", value_type="milestone", aggregation="none", frequency="year",
                              reporters=("P20", "P01", "P04"))
    actions.set_target(actor=None, indicator=platform, year=2026, comparator="qualitative",
                       text="Hoàn thành nền tảng dữ liệu dùng chung")
    actions.set_baseline(actor=None, indicator=platform, value=0, as_of=D(2024, 12, 31))
    report(platform, "P20", "2025", progress="on_track", self_rating="green")
    report(platform, "P01", "2025", progress="at_risk")
    report(platform, "P04", "2025", progress="at_risk")
    national = stored(platform, org("BCDTW"))
    assert national.progress == "at_risk" and national.rag == "amber" and national.reported == 3
    lang_son = stored(platform, org("P20"))
    assert lang_son.rag == "green" and lang_son.self_rating == "green"


def test_refreshing_everything_stores_every_reporting_organisation_and_its_ancestors(kpi, report, org,
                                                                                    django_assert_max_num_queries):
    report(kpi.indicator, "P20", "2025-Q4", numerator=5, denominator=10)
    IndicatorRollup.objects.all().delete()
    with django_assert_max_num_queries(12):
        count = rollups.refresh_indicator(kpi.indicator)
    codes = set(IndicatorRollup.objects.filter(indicator=kpi.indicator).values_list("organisation__code", flat=True))
    assert {"BCDTW", "DP", "P20", "P01"} <= codes
    assert count == len(codes)
    hanoi = stored(kpi.indicator, org("P01"))
    assert hanoi.expected == 1 and hanoi.reported == 0 and hanoi.value is None


def test_refresh_rollups_for_one_period_without_an_organisation_covers_all(kpi, report, org):
    report(kpi.indicator, "P20", "2025-Q4", numerator=5, denominator=10)
    report(kpi.indicator, "P01", "2025-Q4", numerator=9, denominator=10)
    IndicatorRollup.objects.all().delete()
    rows = rollups.refresh_rollups(kpi.indicator, Q4)
    assert org("P01").pk in rows and org("BCDTW").pk in rows
    assert float(stored(kpi.indicator, org("BCDTW")).value) == 70.0


@pytest.mark.parametrize(("rule", "value_type"), [("sum", "count"), ("ratio", "percentage"), ("min", "index"),
                                                  ("max", "index"), ("weighted_mean", "index"), ("none", "index"),
                                                  ("none", "milestone")])
def test_refreshing_one_organisation_agrees_with_refreshing_all(make_indicator, org, report, rule, value_type):
    indicator = make_indicator(code="12", value_type=value_type, aggregation=rule, reporters=("P20", "P01", "P04"))
    actions.set_target(actor=None, indicator=indicator, year=2030, comparator="gte", value=80)
    actions.set_baseline(actor=None, indicator=indicator, value=10, as_of=D(2024, 12, 31))
    for code, number in [("P20", 30), ("P01", 60)]:
        if value_type == "milestone":
            report(indicator, code, "2025-Q4", progress="on_track" if code == "P20" else "at_risk")
        else:
            report(indicator, code, "2025-Q4", value=number, numerator=number, denominator=100, weight=number / 10,
                   self_rating="amber")
    report(indicator, "P04", "2025-Q4", not_available=True, not_available_reason="Chưa có số liệu")

    def snapshot():
        return {r.organisation_id: (r.value, r.numerator, r.denominator, r.progress, r.reported, r.expected,
                                    r.attainment, r.expected_value, r.rag, r.self_rating)
                for r in IndicatorRollup.objects.filter(indicator=indicator)}

    one_by_one = snapshot()  # written by approve_value: one organisation and its ancestors at a time
    rollups.refresh_rollups(indicator, Q4)
    assert snapshot() == one_by_one
    assert one_by_one[org("P20").pk][-1] == ("amber" if value_type != "milestone" else "")
