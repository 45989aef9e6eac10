"""The reporting calendar read back: periods owed, received on time or late, what an officer still owes,
and the data-quality panel (completeness, timeliness, staleness, outliers)."""

import datetime

import pytest

from nq57.indicators import actions, calendar
from nq57.indicators.models import ReportingObligation

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db

D = datetime.date


def test_only_periods_that_have_ended_are_owed(kpi, org):
    obligation = ReportingObligation.objects.get(indicator=kpi.indicator, organisation=org("P20"))
    assert [p.key for p in calendar.expected_periods(obligation, "quarter", D(2025, 11, 23))] == [
        "2025-Q1", "2025-Q2", "2025-Q3"]
    assert [p.key for p in calendar.expected_periods(obligation, "quarter", D(2025, 9, 30))] == [
        "2025-Q1", "2025-Q2"]  # Q3 ends today: not over yet
    obligation.ends_on = D(2025, 6, 30)
    assert [p.key for p in calendar.expected_periods(obligation, "quarter", D(2026, 11, 23))] == [
        "2025-Q1", "2025-Q2"]


def test_reporting_status_counts_expected_received_on_time_late_and_missing(make_indicator, org, period,
                                                                          django_assert_max_num_queries):
    share = make_indicator(reporters=("P20", "P01", "P04"))
    q1 = period("2025-Q1")
    on_time = actions.save_value(actor=None, indicator=share, organisation=org("P20"), period=q1, numerator=4,
                                 denominator=10, today=D(2025, 4, 10))
    actions.submit_value(actor=None, value=on_time, today=D(2025, 4, 10))
    late = actions.save_value(actor=None, indicator=share, organisation=org("P01"), period=q1, numerator=4,
                              denominator=10, today=D(2025, 6, 1))
    actions.submit_value(actor=None, value=late, today=D(2025, 6, 1))
    actions.approve_value(actor=None, value=late)
    country = org("BCDTW")
    with django_assert_max_num_queries(2):
        status = calendar.reporting_status(share, country, q1)
    assert status["expected"] == 3 and status["received"] == 2 and status["missing"] == 1
    assert status["on_time"] == 1 and status["late"] == 1
    assert status["submitted"] == 1 and status["approved"] == 1
    lang_son = calendar.reporting_status(share, org("P20"), q1)
    assert lang_son["expected"] == 1 and lang_son["received"] == 1 and lang_son["missing"] == 0


def test_a_draft_is_not_received(kpi, org, period):
    actions.save_value(actor=None, indicator=kpi.indicator, organisation=org("P20"), period=period("2025-Q1"),
                       numerator=4, denominator=10, today=D(2025, 4, 10))
    status = calendar.reporting_status(kpi.indicator, org("P20"), period("2025-Q1"))
    assert status["received"] == 0 and status["draft"] == 1 and status["missing"] == 1


def test_owed_by_lists_every_ended_period_with_its_value_or_none(kpi, report, org, django_assert_max_num_queries):
    report(kpi.indicator, "P20", "2025-Q1", numerator=4, denominator=10, today=D(2025, 4, 10))
    lang_son = org("P20")
    with django_assert_max_num_queries(2):
        owed = calendar.owed_by(lang_son, D(2025, 11, 23))
    assert [(o.period.key, o.value is not None) for o in owed] == [
        ("2025-Q1", True), ("2025-Q2", False), ("2025-Q3", False)]
    q2 = owed[1]
    assert q2.due_on == D(2025, 7, 15) and q2.late  # due 15/7, five days' grace: late by 23/11
    assert owed[2].due_on == D(2025, 10, 15) and owed[2].late
    indicator, organisation, period, value, due_on, late = owed[0]  # also a plain tuple
    assert organisation == lang_son and value.status == "approved" and late is False


def test_owed_by_takes_a_list_of_organisations_and_looks_back_two_years(kpi, org):
    owed = calendar.owed_by([org("P20"), org("P01").pk], D(2027, 11, 23))
    keys = {o.period.key for o in owed}
    assert "2025-Q4" in keys and "2025-Q3" not in keys  # older than two years
    assert {o.organisation.code for o in owed} == {"P20", "P01"}


def test_owed_by_shows_the_pending_correction_rather_than_the_approved_version(kpi, report, alice, org, period):
    approved = report(kpi.indicator, "P20", "2025-Q1", numerator=4, denominator=10)
    correction = actions.save_value(actor=alice, indicator=kpi.indicator, organisation=org("P20"),
                                    period=period("2025-Q1"), numerator=5, denominator=10,
                                    correction_reason="Sai mẫu số", today=D(2025, 11, 23))
    owed = calendar.owed_by(org("P20"), D(2025, 11, 23))
    assert owed[0].value.pk == correction.pk != approved.pk


def test_data_quality_measures_completeness_timeliness_staleness_and_outliers(make_indicator, org, period):
    share = make_indicator(reporters=("P20", "P01"))
    today = D(2025, 11, 23)
    for key, submitted_on in [("2025-Q1", D(2025, 4, 10)), ("2025-Q2", D(2025, 8, 30)), ("2025-Q3", D(2025, 10, 5))]:
        value = actions.save_value(actor=None, indicator=share, organisation=org("P20"), period=period(key),
                                   numerator=4, denominator=10, today=submitted_on)
        actions.submit_value(actor=None, value=value, today=submitted_on)
        actions.approve_value(actor=None, value=value)
    value = actions.save_value(actor=None, indicator=share, organisation=org("P01"), period=period("2025-Q1"),
                               numerator=9, denominator=10, today=D(2025, 4, 2))
    actions.submit_value(actor=None, value=value, today=D(2025, 4, 2))
    type(value).objects.filter(pk=value.pk).update(flags=[{"code": "outlier_peers", "message": "…"}])

    quality = calendar.data_quality(share, org("BCDTW"), today)
    assert quality["expected"] == 6 and quality["received"] == 4
    assert quality["completeness"] == 4 / 6 and quality["timeliness"] == 3 / 4  # Q2 of Lạng Sơn came late
    assert quality["stale"] == 1 and quality["outliers"] == 1  # Hà Nội has nothing for Q3
    rows = {r["organisation"].code: r for r in quality["rows"]}
    assert rows["P20"]["completeness"] == 1.0 and not rows["P20"]["stale"]
    assert rows["P20"]["staleness_days"] == (today - D(2025, 9, 30)).days
    assert rows["P01"]["stale"] and rows["P01"]["staleness_days"] is None  # submitted, not approved


def test_data_quality_of_a_province_covers_only_its_own(kpi, org):
    quality = calendar.data_quality(kpi.indicator, org("P20"), D(2025, 11, 23))
    assert [r["organisation"].code for r in quality["rows"]] == ["P20"]
    assert quality["completeness"] == 0.0 and quality["timeliness"] is None
