"""The demo's KPI index on first start: Appendix I imported as indicators with targets and baselines, values
reported by the owning ministries and the 34 provinces in every state of the workflow, and national roll-ups
in green, amber and red — all consistent with what the service functions would have written."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from nq57.audit.models import AuditEvent
from nq57.core import context as write_context
from nq57.demo.indicators_demo import load_indicators_demo
from nq57.demo.loader import load_demo
from nq57.indicators import periods, rollups, validation
from nq57.indicators.models import (Baseline, Indicator, IndicatorRollup, IndicatorValue, ReportingObligation,
                                    Target)
from nq57.plans.models import Plan

pytestmark = pytest.mark.django_db

V = IndicatorValue.Status
PROVINCE_RATIOS = {"11.1", "11.6", "30", "31", "32"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo dataset, loaded once for this module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with transaction.atomic():
            with write_context.using(source="command", actor_label="tests"):
                load_demo()
            yield Plan.objects.get(number="03/NQ-CP")
            transaction.set_rollback(True)


def _indicator(code):
    return Indicator.objects.get(source_plan__number="03/NQ-CP", code=code)


def _latest_national_rollups():
    latest = {}
    for r in IndicatorRollup.objects.filter(organisation__code="BCDTW").order_by("period_end"):
        latest[(r.indicator_id, r.series)] = r
    return latest


def test_the_41_targets_of_appendix_i_become_indicators_with_their_sub_items(demo):
    indicators = Indicator.objects.filter(source_plan=demo)
    codes = set(indicators.values_list("code", flat=True))
    assert {str(n) for n in range(1, 42)} <= codes
    assert len(codes) == 57  # 41 numbered targets, 11.1–11.12 and 23.1–23.4
    assert set(_indicator("11").children.values_list("code", flat=True)) == {f"11.{n}" for n in range(1, 13)}
    # "≤ 3 Đông Nam Á; ≤ 50 Thế giới" is two targets; 2045 targets keep their year.
    assert set(Target.objects.filter(indicator=_indicator("4")).values_list("series", "value")) == {
        ("Đông Nam Á", 3), ("Thế giới", 50)}
    assert Target.objects.get(indicator=_indicator("37")).year == 2045
    assert _indicator("1").value_type == Indicator.ValueType.QUALITATIVE


def test_owners_resolve_through_the_name_resolution_with_pre_merger_names(demo):
    digital_economy = _indicator("10")
    assert digital_economy.owner_text == "Bộ Thông tin và Truyền thông" and digital_economy.owner.code == "BKHCN"
    assert _indicator("8").owner.code == "BTC"  # the former Ministry of Planning and Investment
    assert _indicator("12").owner.code == "NHNN" and _indicator("32").owner.code == "BYT"


def test_numeric_indicators_have_a_2024_baseline_and_linked_tasks(demo):
    baselines = Baseline.objects.filter(indicator__source_plan=demo, is_current=True)
    assert baselines.get(indicator__code="10").value == Decimal("18.3")
    assert baselines.get(indicator__code="37").value == 44
    assert set(baselines.filter(indicator__code="5").values_list("series", flat=True)) == {"Đông Nam Á", "Thế giới"}
    assert {b.as_of for b in baselines} == {datetime.date(2024, 12, 31)}
    assert _indicator("11.1").tasks.filter(code="92").exists()


def test_five_ratios_are_reported_by_every_province_each_quarter_from_numerator_and_denominator(demo):
    for code in PROVINCE_RATIOS:
        indicator = _indicator(code)
        assert (indicator.level, indicator.aggregation, indicator.frequency) == ("province", "ratio", "quarter")
        obligations = ReportingObligation.objects.filter(indicator=indicator)
        assert obligations.count() == 34 and {o.organisation.kind for o in obligations} <= {"city", "province"}
    values = IndicatorValue.objects.filter(indicator__code__in=PROVINCE_RATIOS, indicator__source_plan=demo,
                                           not_available=False)
    assert values.count() > 34 * 5 * 5
    for v in values.filter(organisation__code="P20"):
        assert float(v.value) == pytest.approx(float(v.numerator / v.denominator * 100), abs=1e-5)
    # Everything else is owed by the owning ministry, yearly or half-yearly.
    national = ReportingObligation.objects.filter(indicator__source_plan=demo).exclude(
        indicator__code__in=PROVINCE_RATIOS)
    assert all(o.organisation_id == o.indicator.owner_id for o in national.select_related("indicator"))


def test_values_come_in_every_state_some_late_some_returned_some_not_available(demo):
    values = IndicatorValue.objects.filter(indicator__source_plan=demo)
    assert set(values.values_list("status", flat=True)) == set(V.values)
    assert values.filter(status=V.APPROVED, submitted_on_time=False).count() >= 10
    assert not values.filter(status=V.RETURNED, review_comment="").exists()
    unavailable = values.filter(not_available=True)
    assert unavailable.count() >= 3 and not unavailable.filter(not_available_reason="").exists()
    assert not unavailable.exclude(value=None).exists()
    # A ministry corrected an approved value: the new version replaced the old one, with its reason.
    corrected = values.get(status=V.APPROVED, version=2)
    assert corrected.correction_reason and corrected.supersedes.status == V.SUPERSEDED


def test_every_demo_login_finds_values_to_enter_or_approve(demo):
    def count(**filters):
        return IndicatorValue.objects.filter(indicator__source_plan=demo, **filters).count()

    assert count(organisation__code="P20", status=V.SUBMITTED, submitted_by__username="langson.canbo") == 1
    assert count(organisation__code="P20", status=V.RETURNED, reviewed_by__username="langson.truong") == 1
    assert count(organisation__code="P20", status=V.DRAFT, created_by__username="langson.canbo") == 1
    assert count(organisation__code="BKHCN", status=V.SUBMITTED) == 2
    # One of them corrects an approved value, which stays current until the head approves the correction.
    pending = IndicatorValue.objects.get(organisation__code="BKHCN", status=V.SUBMITTED, version=2)
    assert not pending.is_current and pending.supersedes.is_current and pending.correction_reason
    assert AuditEvent.objects.filter(verb="value_submitted", actor__username="bkhcn.canbo").exists()


def test_flags_are_those_validation_gives_and_confirmed_values_carry_a_note(demo):
    values = (IndicatorValue.objects.filter(indicator__source_plan=demo, is_current=True, not_available=False)
              .exclude(value=None).select_related("indicator", "organisation"))
    flagged = 0
    for v in values:
        period = periods.period_containing(v.period_end, v.indicator.frequency)
        expected = validation.warnings_for(v.indicator, v.organisation, period, v.series, v.value)
        assert {f["code"] for f in v.flags} == {f["code"] for f in expected}, v
        if v.flags:
            flagged += 1
            assert v.status == V.DRAFT or v.flag_note, v
    assert 3 <= flagged <= 40
    # The stories behind them: a city moving all fees online, a commune campaign.
    assert values.get(indicator__code="11.6", organisation__code="P48", period_end=datetime.date(2025, 12, 31)) \
        .flag_note.startswith("Từ quý IV/2025")


def test_workflow_fields_of_the_history_agree_with_its_dates(demo):
    values = IndicatorValue.objects.filter(indicator__source_plan=demo).select_related("indicator")
    for v in values:
        if v.status == V.DRAFT:
            assert v.submitted_at is None and v.due_on is None and v.submitted_on_time is None, v
            continue
        period = periods.period_containing(v.period_end, v.indicator.frequency)
        assert v.period_start == period.start and v.due_on == periods.due_date(period, v.indicator.due_days), v
        submitted_on = timezone.localtime(v.submitted_at).date()
        assert submitted_on > v.period_end, v
        assert v.submitted_on_time == (submitted_on <= v.due_on + datetime.timedelta(days=v.indicator.grace_days)), v
        if v.status in (V.APPROVED, V.RETURNED, V.SUPERSEDED):
            assert v.reviewed_at >= v.submitted_at, v
    # One audit row at least per value, as the service functions write.
    audited = set(AuditEvent.objects.filter(content_type__model="indicatorvalue").values_list("object_id", flat=True))
    assert {str(pk) for pk in values.values_list("pk", flat=True)} <= audited


def test_national_rollups_show_green_amber_and_red_on_first_start(demo):
    latest = _latest_national_rollups()
    assert len(latest) >= 50
    ratings = Counter(r.rag for r in latest.values())
    assert ratings["green"] >= 10 and ratings["amber"] >= 5 and ratings["red"] >= 3, ratings
    # The ratio is recomputed from summed parts, not averaged: the stored national figure is the live one.
    indicator = _indicator("11.1")
    stored = next(r for (pk, _s), r in latest.items() if pk == indicator.pk)
    live = rollups.live_rollup(indicator, stored.organisation, stored.period_end)
    assert float(stored.value) == pytest.approx(live.value, abs=1e-5) and stored.reported == live.count
    assert stored.expected == 34


def test_stored_rollups_are_what_their_one_function_computes(demo):
    before = {(r.indicator_id, r.organisation_id, r.series, r.period_end): (r.value, r.rag, r.reported)
              for r in IndicatorRollup.objects.filter(indicator__source_plan=demo)}
    for indicator in Indicator.objects.filter(source_plan=demo):
        rollups.refresh_indicator(indicator)
    after = {(r.indicator_id, r.organisation_id, r.series, r.period_end): (r.value, r.rag, r.reported)
             for r in IndicatorRollup.objects.filter(indicator__source_plan=demo)}
    assert after == before


def test_loading_again_creates_nothing(demo):
    def counts():
        return [m.objects.count() for m in (Indicator, Target, Baseline, ReportingObligation, IndicatorValue,
                                            IndicatorRollup, AuditEvent)]

    before = counts()
    assert load_indicators_demo() is None
    load_demo()
    assert counts() == before
