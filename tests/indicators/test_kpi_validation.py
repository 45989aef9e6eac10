"""Validation with real-looking bad input: refused when it cannot be right (105 %, -3 enterprises, rank 0,
a period not over, "not available" without a reason, a second submission), flagged — not refused — when it
is only surprising (a jump, an outlier against the province's history or against other provinces)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from nq57.indicators import actions, validation
from nq57.indicators.models import IndicatorValue

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the services' messages in English (the catalogue's Vietnamese is tested elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def save(alice, org, period):
    """save(indicator, "2025-Q1", value=…) as alice for Lạng Sơn; returns the value or the error dict."""

    def run(indicator, key, code="P20", actor=alice, today=TODAY, **fields):
        return actions.save_value(actor=actor, indicator=indicator, organisation=org(code), period=period(key),
                                  today=today, **fields)

    return run


def errors_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return validation.message_dict(error.value)


def test_a_percentage_of_105_is_refused(make_indicator, save):
    plain = make_indicator(code="2", aggregation="max")  # a percentage entered as such
    assert "value" in errors_of(lambda: save(plain, "2025-Q1", value=105))
    assert "outside the valid range 0–100" in errors_of(lambda: save(plain, "2025-Q1", value="105"))["value"][0]


def test_a_ratio_whose_numerator_exceeds_its_denominator_is_refused(kpi, save):
    errors = errors_of(lambda: save(kpi.indicator, "2025-Q1", numerator=1050, denominator=1000))
    assert "numerator" in errors  # 105 %


def test_a_ratio_needs_both_parts_and_a_denominator_that_is_not_zero(kpi, save):
    errors = errors_of(lambda: save(kpi.indicator, "2025-Q1", value=45))
    assert {"numerator", "denominator"} <= set(errors)
    assert "denominator" in errors_of(lambda: save(kpi.indicator, "2025-Q1", numerator=5, denominator=0))
    value = save(kpi.indicator, "2025-Q1", numerator="452", denominator="1000")
    assert float(value.value) == 45.2


def test_minus_three_enterprises_is_refused(make_indicator, save):
    enterprises = make_indicator(code="5", name="Số doanh nghiệp công nghệ số", value_type="count", unit="doanh nghiệp")
    assert "below the lowest valid value 0" in errors_of(lambda: save(enterprises, "2025-Q1", value=-3))["value"][0]
    assert "whole number" in errors_of(lambda: save(enterprises, "2025-Q1", value="12,5"))["value"][0]
    assert save(enterprises, "2025-Q1", value=1250).status == IndicatorValue.Status.DRAFT


def test_rank_zero_is_refused(make_indicator, save, kim):
    rank = make_indicator(code="3", name="Xếp hạng chỉ số đổi mới sáng tạo toàn cầu (GII)", value_type="rank",
                          direction="lower", aggregation="none", level="ministry", frequency="year",
                          reporters=("BKHCN",))
    assert "value" in errors_of(lambda: save(rank, "2025", code="BKHCN", actor=kim, value=0))
    assert save(rank, "2025", code="BKHCN", actor=kim, value=44).value == 44


def test_the_indicators_own_bounds_win(make_indicator, save):
    index = make_indicator(code="4", value_type="index", aggregation="max", min_value=0, max_value=1)
    assert "value" in errors_of(lambda: save(index, "2025-Q1", value="1.2"))
    assert float(save(index, "2025-Q1", value="0,75").value) == 0.75  # the Vietnamese decimal comma


@pytest.mark.parametrize("raw", ["abc", "1.234,5", "NaN", "Infinity", "1e30", True])
def test_numbers_that_cannot_be_read_are_refused(make_indicator, save, raw):
    count = make_indicator(code="6", value_type="amount", aggregation="sum")
    assert "value" in errors_of(lambda: save(count, "2025-Q1", value=raw))


def test_a_period_that_has_not_ended_is_refused(kpi, save):
    errors = errors_of(lambda: save(kpi.indicator, "2026-Q4", numerator=45, denominator=100))
    assert "has not ended" in errors["period"][0]
    # On the last day of the period it has still not ended.
    errors = errors_of(lambda: save(kpi.indicator, "2025-Q1", numerator=4, denominator=10,
                                    today=datetime.date(2025, 3, 31)))
    assert "period" in errors


def test_a_period_of_another_frequency_is_refused(kpi, save):
    assert "period" in errors_of(lambda: save(kpi.indicator, "2025", numerator=45, denominator=100))


def test_an_organisation_not_on_the_calendar_cannot_report(kpi, make_user, org, save):
    from nq57.core.roles import Role

    officer = make_user("quang", home="P33", role=Role.FOCAL_OFFICER, scope="P33")
    assert "organisation" in errors_of(lambda: save(kpi.indicator, "2025-Q1", code="P33", actor=officer,
                                                    numerator=4, denominator=10))


def test_before_the_obligation_starts_nothing_is_owed(make_indicator, save):
    late_start = make_indicator(code="7", starts_on=datetime.date(2025, 7, 1))
    assert "organisation" in errors_of(lambda: save(late_start, "2025-Q1", numerator=4, denominator=10))
    assert save(late_start, "2025-Q3", numerator=4, denominator=10)


def test_not_available_needs_a_reason_and_no_number(kpi, save):
    assert "not_available_reason" in errors_of(lambda: save(kpi.indicator, "2025-Q1", not_available=True))
    assert "value" in errors_of(lambda: save(kpi.indicator, "2025-Q1", not_available=True, numerator=4,
                                             denominator=10, not_available_reason="Chưa điều tra"))
    value = save(kpi.indicator, "2025-Q1", not_available=True, not_available_reason="Chưa có số liệu điều tra")
    assert value.not_available and value.value is None


def test_a_milestone_needs_one_of_the_progress_levels(make_indicator, save):
    milestone = make_indicator(code="8", value_type="milestone", aggregation="none", frequency="half")
    assert "progress" in errors_of(lambda: save(milestone, "2025-H1"))
    assert "progress" in errors_of(lambda: save(milestone, "2025-H1", progress="done"))
    assert save(milestone, "2025-H1", progress="in_progress").progress == "in_progress"


def test_submitting_twice_is_refused(kpi, save):
    save(kpi.indicator, "2025-Q1", numerator=45, denominator=100, submit=True)
    errors = errors_of(lambda: save(kpi.indicator, "2025-Q1", numerator=45, denominator=100, submit=True))
    assert "already submitted" in errors["__all__"][0]
    assert IndicatorValue.objects.filter(indicator=kpi.indicator).count() == 1


def test_a_jump_is_flagged_and_submitting_it_needs_a_confirmation_with_a_note(kpi, report, save):
    report(kpi.indicator, "P20", "2025-Q1", numerator=40, denominator=100)
    draft = save(kpi.indicator, "2025-Q2", numerator=90, denominator=100)  # 40 % → 90 %: saved, with a flag
    assert [f["code"] for f in draft.flags] == ["jump"]
    with pytest.raises(ValidationError) as error:
        actions.submit_value(actor=None, value=draft, today=TODAY)
    assert error.value.code == "unconfirmed_flags"
    assert "flags" in validation.message_dict(error.value)
    with pytest.raises(ValidationError):
        actions.submit_value(actor=None, value=draft, confirm_flags=True, today=TODAY)  # a note is needed too
    submitted = actions.submit_value(actor=None, value=draft, confirm_flags=True, today=TODAY,
                                     flag_note="Triển khai chữ ký số miễn phí cho toàn dân trong quý 2")
    assert submitted.status == IndicatorValue.Status.SUBMITTED and submitted.flag_note.startswith("Triển khai")


def test_an_outlier_against_the_provinces_own_history_is_flagged(make_indicator, report, save):
    enterprises = make_indicator(code="5", value_type="count", frequency="month")
    for month, number in zip(range(1, 7), [100, 104, 98, 102, 101, 99]):
        report(enterprises, "P20", f"2025-M{month:02d}", value=number)
    draft = save(enterprises, "2025-M07", value=1010)  # a typo: one zero too many
    assert {"jump", "outlier_own"} <= {f["code"] for f in draft.flags}
    assert draft.status == IndicatorValue.Status.DRAFT


def test_steady_growth_is_not_an_outlier_against_the_provinces_own_history(make_indicator, report, save):
    enterprises = make_indicator(code="5", value_type="count", frequency="month")
    for month, number in zip(range(1, 7), [100, 110, 121, 130, 141, 150]):
        report(enterprises, "P20", f"2025-M{month:02d}", value=number)
    assert save(enterprises, "2025-M07", value=161).flags == []


def test_an_outlier_against_other_provinces_is_flagged(make_indicator, report, save):
    reporters = ("P20", "P01", "P04", "P08", "P11", "P12", "P14")
    share = make_indicator(code="9", aggregation="max", reporters=reporters)
    for code, number in zip(reporters[1:], [48, 50, 51, 52, 49, 47]):
        report(share, code, "2025-Q1", value=number)
    draft = save(share, "2025-Q1", value=99)
    assert [f["code"] for f in draft.flags] == ["outlier_peers"]
    assert save(share, "2025-Q1", value=51).flags == []  # saving again recomputes the flags


def test_a_value_in_line_with_history_carries_no_flag(kpi, report, save):
    report(kpi.indicator, "P20", "2025-Q1", numerator=40, denominator=100)
    assert save(kpi.indicator, "2025-Q2", numerator=44, denominator=100, submit=True).flags == []


def test_check_reports_every_problem_at_once_without_writing(kpi, org, period):
    checked = validation.check(kpi.indicator, org("P33"), period("2026-Q4"), numerator=-1, denominator=0,
                               today=TODAY)
    assert {"organisation", "period", "numerator", "denominator"} <= set(checked.errors)
    assert not checked.ok and IndicatorValue.objects.count() == 0


def test_a_batch_shares_reads_and_gives_the_same_verdicts(make_indicator, report, org, period, hanh,
                                                         django_assert_max_num_queries):
    enterprises = make_indicator(code="5", value_type="count", frequency="month")
    for month, number in zip(range(1, 7), [100, 104, 98, 102, 101, 99]):
        report(enterprises, "P20", f"2025-M{month:02d}", value=number)
    lang_son = org("P20")
    batch = validation.Batch()
    saved = actions.save_value(actor=hanh, indicator=enterprises, organisation=lang_son, period=period("2025-M07"),
                               value=1010, batch=batch, today=TODAY)
    with django_assert_max_num_queries(8):  # the value, its audit row, savepoints: no reads
        again = actions.save_value(actor=hanh, indicator=enterprises, organisation=lang_son,
                                   period=period("2025-M08"), value=1010, batch=batch, today=TODAY)
    assert {f["code"] for f in saved.flags} == {"jump", "outlier_own"}
    assert {f["code"] for f in again.flags} == {"jump", "outlier_own"}
    same = actions.save_value(actor=hanh, indicator=enterprises, organisation=lang_son, period=period("2025-M07"),
                              value=99, batch=batch, today=TODAY)
    assert same.pk == saved.pk and same.flags == []  # the batch knows the row it wrote
    assert "organisation" in errors_of(lambda: actions.save_value(
        actor=None, indicator=enterprises, organisation=org("P33"), period=period("2025-M07"), value=1, batch=batch,
        today=TODAY))


def test_a_batch_tells_the_agency_head_once_per_organisation(make_indicator, org, period, alice, hanh):
    from nq57.notifications.models import Notification

    enterprises = make_indicator(code="5", value_type="count", frequency="month")
    batch = validation.Batch()
    for month in range(1, 7):
        actions.save_value(actor=alice, indicator=enterprises, organisation=org("P20"),
                           period=period(f"2025-M{month:02d}"), value=100, submit=True, batch=batch, today=TODAY)
    assert Notification.objects.filter(user=hanh, kind="value_submitted").count() == 1
