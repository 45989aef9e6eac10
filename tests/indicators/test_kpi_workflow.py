"""The life of a reported value: draft → submitted → approved, returned with a comment, corrected by a new
version with a reason; and who may do what, four ways (anonymous, no role, in scope, out of scope)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from nq57.audit.models import AuditEvent
from nq57.indicators import actions
from nq57.indicators.models import IndicatorRollup, IndicatorValue, Target
from nq57.notifications.models import Notification

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the services' messages in English (the catalogue's Vietnamese is tested elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield

V = IndicatorValue.Status
TODAY = datetime.date(2025, 4, 10)


def save(indicator, org, period, actor, **fields):
    fields.setdefault("numerator", 45)
    fields.setdefault("denominator", 100)
    return actions.save_value(actor=actor, indicator=indicator, organisation=org, period=period, today=TODAY,
                              **fields)


def test_a_focal_officer_saves_a_draft_and_a_second_save_updates_it(kpi, alice, org, period):
    first = save(kpi.indicator, org("P20"), period("2025-Q1"), alice)
    again = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, numerator=50)
    assert again.pk == first.pk
    assert again.status == V.DRAFT
    assert float(again.value) == 50.0
    assert IndicatorValue.objects.filter(indicator=kpi.indicator).count() == 1
    assert AuditEvent.objects.filter(verb="value_saved", object_id=str(first.pk)).count() == 2


def test_submitting_records_the_due_date_and_tells_the_agency_head(kpi, alice, hanh, org, period):
    value = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, submit=True)
    assert value.status == V.SUBMITTED
    assert value.submitted_by == alice
    assert value.due_on == datetime.date(2025, 4, 15)  # 31/3 + 15 days
    assert value.submitted_on_time is True
    assert Notification.objects.filter(user=hanh, kind="value_submitted").exists()


def test_a_value_submitted_after_the_grace_days_is_late(kpi, alice, org, period):
    value = save(kpi.indicator, org("P20"), period("2025-Q1"), alice)
    value = actions.submit_value(actor=alice, value=value, today=datetime.date(2025, 4, 21))
    assert value.submitted_on_time is False  # due 15/4, grace 5 days: 20/4 is the last day on time


def test_the_head_approves_and_the_national_rollup_is_refreshed(kpi, alice, hanh, org, period):
    value = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, submit=True)
    actions.approve_value(actor=hanh, value=value)
    value.refresh_from_db()
    assert value.status == V.APPROVED and value.is_current and value.reviewed_by == hanh
    national = IndicatorRollup.objects.get(indicator=kpi.indicator, organisation=org("BCDTW"))
    assert float(national.value) == 45.0
    assert national.reported == 1 and national.expected == 2
    assert Notification.objects.filter(user=alice, kind="value_approved").exists()


def test_the_head_returns_a_value_with_a_comment_and_the_officer_resubmits(kpi, alice, hanh, org, period):
    value = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, submit=True)
    with pytest.raises(ValidationError) as error:
        actions.return_value(actor=hanh, value=value, comment="  ")
    assert "comment" in error.value.message_dict
    actions.return_value(actor=hanh, value=value, comment="Mẫu số phải là dân số trưởng thành")
    value.refresh_from_db()
    assert value.status == V.RETURNED and value.review_comment.startswith("Mẫu số")
    assert Notification.objects.filter(user=alice, kind="value_returned").exists()
    again = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, denominator=90, submit=True)
    assert again.pk == value.pk and again.status == V.SUBMITTED


def test_a_submitted_value_cannot_be_saved_again(kpi, alice, org, period):
    save(kpi.indicator, org("P20"), period("2025-Q1"), alice, submit=True)
    with pytest.raises(ValidationError, match="already submitted"):
        save(kpi.indicator, org("P20"), period("2025-Q1"), alice, numerator=60)


def test_an_approved_value_is_corrected_only_by_a_new_version_with_a_reason(kpi, alice, hanh, org, period):
    old = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, submit=True)
    actions.approve_value(actor=hanh, value=old)
    with pytest.raises(ValidationError) as error:
        save(kpi.indicator, org("P20"), period("2025-Q1"), alice, numerator=47)
    assert "correction_reason" in error.value.message_dict

    new = save(kpi.indicator, org("P20"), period("2025-Q1"), alice, numerator=47,
               correction_reason="Số liệu điều tra chính thức", submit=True)
    assert new.pk != old.pk and new.version == 2 and new.supersedes == old and not new.is_current
    old.refresh_from_db()
    assert old.status == V.APPROVED and old.is_current  # the approved one counts until the correction is approved

    actions.approve_value(actor=hanh, value=new)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == V.SUPERSEDED and not old.is_current
    assert new.status == V.APPROVED and new.is_current
    national = IndicatorRollup.objects.get(indicator=kpi.indicator, organisation=org("BCDTW"))
    assert float(national.value) == 47.0


@pytest.mark.parametrize("status", [V.DRAFT, V.APPROVED, V.RETURNED])
def test_only_a_submitted_value_can_be_approved_or_returned(kpi, alice, hanh, org, period, status):
    value = save(kpi.indicator, org("P20"), period("2025-Q1"), alice)
    IndicatorValue.objects.filter(pk=value.pk).update(status=status)
    with pytest.raises(ValidationError):
        actions.approve_value(actor=hanh, value=value)
    with pytest.raises(ValidationError):
        actions.return_value(actor=hanh, value=value, comment="Sai")


def test_an_approved_value_cannot_be_submitted_again(kpi, report, alice):
    value = report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    with pytest.raises(ValidationError):
        actions.submit_value(actor=alice, value=value, today=TODAY)


# --- Permissions, four ways ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "dave"])
def test_people_without_a_role_can_neither_save_nor_approve(kpi, org, period, report, who, request):
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        save(kpi.indicator, org("P20"), period("2025-Q1"), actor)
    value = report(kpi.indicator, "P20", "2025-Q2", numerator=45, denominator=100, approve=False)
    with pytest.raises(PermissionDenied):
        actions.approve_value(actor=actor, value=value)
    with pytest.raises(PermissionDenied):
        actions.set_target(actor=actor, indicator=kpi.indicator, year=2030, comparator="gte", value=90, reason="x")


def test_an_officer_out_of_scope_cannot_enter_lang_sons_value(kpi, charlie, org, period):
    with pytest.raises(PermissionDenied):
        save(kpi.indicator, org("P20"), period("2025-Q1"), charlie)
    assert save(kpi.indicator, org("P01"), period("2025-Q1"), charlie).status == V.DRAFT


def test_a_focal_officer_cannot_approve_and_a_head_out_of_scope_neither(kpi, alice, tung, report):
    value = report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100, approve=False)
    for actor in (alice, tung):
        with pytest.raises(PermissionDenied):
            actions.approve_value(actor=actor, value=value)
        with pytest.raises(PermissionDenied):
            actions.return_value(actor=actor, value=value, comment="Sai")


def test_only_assign_on_the_owner_or_above_manages_targets(kpi, sophie, lan, hanh):
    for actor in (lan, hanh):  # Lạng Sơn's standing office and head do not administer a ministry's indicator
        with pytest.raises(PermissionDenied):
            actions.set_target(actor=actor, indicator=kpi.indicator, year=2030, comparator="gte", value=90,
                               reason="Điều chỉnh")
    # The Government's standing office sits above the ministry.
    target = actions.set_target(actor=sophie, indicator=kpi.indicator, year=2030, comparator="gte", value=90,
                                reason="Điều chỉnh theo Nghị quyết")
    assert target.version == 2


def test_creating_an_indicator_needs_assign_on_its_owner(org, sophie, lan):
    with pytest.raises(PermissionDenied):
        actions.create_indicator(actor=lan, owner=org("BKHCN"), code="9", name="Chỉ tiêu")
    indicator = actions.create_indicator(actor=sophie, owner=org("BKHCN"), code="9", name="Chỉ tiêu")
    actions.update_indicator(actor=sophie, indicator=indicator, name="Chỉ tiêu mới")
    with pytest.raises(PermissionDenied):
        actions.update_indicator(actor=lan, indicator=indicator, name="Chỉ tiêu khác")
    with pytest.raises(ValidationError):
        actions.create_indicator(actor=sophie, owner=org("BKHCN"), code="9", name="Trùng mã")


# --- Targets and baselines are versioned --------------------------------------------------------------


def test_changing_a_target_keeps_the_old_version_with_a_reason(kpi, sophie):
    with pytest.raises(ValidationError) as error:
        actions.set_target(actor=sophie, indicator=kpi.indicator, year=2030, comparator="gte", value=85)
    assert "reason" in error.value.message_dict
    new = actions.set_target(actor=sophie, indicator=kpi.indicator, year=2030, comparator="gte", value=85,
                             reason="Nghị quyết điều chỉnh", milestones=[(datetime.date(2027, 12, 31), 60)])
    old = Target.objects.get(pk=kpi.target.pk)
    assert not old.is_current and old.superseded_at is not None
    assert new.version == 2 and new.is_current and [float(m.value) for m in new.milestones.all()] == [60.0]
    event = AuditEvent.objects.get(verb="target_changed", object_id=str(new.pk))
    assert event.before["value"] == "80.000000" and event.after["value"] == "85.000000"


def test_setting_the_same_target_again_changes_nothing(kpi):
    same = actions.set_target(actor=None, indicator=kpi.indicator, year=2030, comparator="gte", value=80,
                              text="≥ 80%")
    assert same.pk == kpi.target.pk and same.version == 1


def test_rebaselining_needs_a_reason_and_keeps_the_old_baseline(kpi):
    with pytest.raises(ValidationError):
        actions.set_baseline(actor=None, indicator=kpi.indicator, value=42, as_of=datetime.date(2024, 12, 31))
    new = actions.set_baseline(actor=None, indicator=kpi.indicator, value=42, as_of=datetime.date(2024, 12, 31),
                               reason="Tổng điều tra")
    kpi.baseline.refresh_from_db()
    assert not kpi.baseline.is_current and new.version == 2
    assert AuditEvent.objects.filter(verb="baseline_changed", object_id=str(new.pk)).exists()


def test_obligations_are_added_once(kpi, org):
    added = actions.add_obligations(actor=None, indicator=kpi.indicator, organisations=[org("P20"), org("P33")],
                                    starts_on=datetime.date(2025, 1, 1))
    assert added == 1
    assert kpi.indicator.obligations.count() == 3
