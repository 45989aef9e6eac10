"""One value's page: versions, warnings and timeline for those who may see it; approve, return with a
comment, submit, and correct an approved value with a reason — each checked again by the service."""

import pytest

from nq57.indicators import actions
from nq57.indicators.models import IndicatorRollup, IndicatorValue

pytestmark = pytest.mark.django_db
V = IndicatorValue.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def submitted(kpi, report):
    """Lạng Sơn's Q1/2025 value (45 %), submitted and awaiting the head's approval."""
    return report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100, approve=False)


def _url(value):
    return f"/indicators/values/{value.pk}/"


def test_four_ways_of_looking_at_a_value(client, submitted, dave, charlie, alice):
    response = client.get(_url(submitted))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(dave)
    assert client.get(_url(submitted)).status_code == 403
    client.force_login(charlie)  # Hà Nội: neither Lạng Sơn nor the owner agency
    assert client.get(_url(submitted)).status_code == 403
    client.force_login(alice)
    response = client.get(_url(submitted))
    assert response.status_code == 200
    assert "45" in response.content.decode()


def test_the_owner_agency_sees_the_provinces_values(client, submitted, kim):
    client.force_login(kim)
    assert client.get(_url(submitted)).status_code == 200


def test_the_head_approves_and_the_national_rollup_follows(client, submitted, hanh, org):
    client.force_login(hanh)
    page = client.get(_url(submitted)).content.decode()
    assert 'name="operation" value="approve"' in page
    response = client.post(_url(submitted), {"operation": "approve"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == V.APPROVED and submitted.reviewed_by == hanh
    assert float(IndicatorRollup.objects.get(indicator=submitted.indicator, organisation=org("BCDTW")).value) == 45
    timeline = client.get(_url(submitted)).content.decode()
    assert "Submitted for approval" in timeline and "Approved" in timeline


def test_a_focal_officer_cannot_approve_and_an_outsider_cannot_post(client, submitted, alice, charlie):
    client.force_login(alice)
    assert client.post(_url(submitted), {"operation": "approve"}).status_code == 403
    client.force_login(charlie)
    assert client.post(_url(submitted), {"operation": "return", "return-comment": "x"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == V.SUBMITTED


def test_returning_needs_a_comment(client, submitted, hanh):
    client.force_login(hanh)
    response = client.post(_url(submitted), {"operation": "return", "return-comment": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(_url(submitted), {"operation": "return", "return-comment": "Mẫu số chưa đúng"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == V.RETURNED and submitted.review_comment == "Mẫu số chưa đúng"


def test_approving_twice_is_a_message_not_an_error(client, submitted, hanh):
    client.force_login(hanh)
    client.post(_url(submitted), {"operation": "approve"})
    response = client.post(_url(submitted), {"operation": "approve"})
    assert response.status_code == 400
    assert "Only a submitted value can be approved." in response.content.decode()


def test_an_unknown_operation_is_refused(client, submitted, hanh):
    client.force_login(hanh)
    assert client.post(_url(submitted), {"operation": "delete"}).status_code == 400


def test_a_correction_needs_a_reason_and_becomes_a_new_version(client, submitted, hanh, alice):
    actions.approve_value(actor=hanh, value=submitted)
    client.force_login(alice)
    page = client.get(_url(submitted)).content.decode()
    assert 'name="operation" value="correct"' in page
    fields = {"operation": "correct", "correct-numerator": "48", "correct-denominator": "100", "then": "submit"}
    response = client.post(_url(submitted), {**fields, "correct-correction_reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(_url(submitted), {**fields, "correct-correction_reason": "Số liệu điều tra bổ sung"})
    assert response.status_code == 302
    versions = list(IndicatorValue.objects.filter(indicator=submitted.indicator, organisation=submitted.organisation)
                    .order_by("version"))
    assert [(v.version, v.status, v.is_current) for v in versions] == [(1, V.APPROVED, True), (2, V.SUBMITTED, False)]
    assert response["Location"] == _url(versions[1])
    page = client.get(_url(versions[1])).content.decode()
    assert "Số liệu điều tra bổ sung" in page and "correction, not yet in force" in page


def test_bad_numbers_in_a_correction_are_shown_on_the_form(client, submitted, hanh, alice):
    actions.approve_value(actor=hanh, value=submitted)
    client.force_login(alice)
    response = client.post(_url(submitted), {"operation": "correct", "correct-numerator": "12,5,3",
                                             "correct-denominator": "100", "correct-correction_reason": "Sửa",
                                             "then": "draft"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a number" in body and 'value="12,5,3"' in body


def test_submitting_a_flagged_draft_needs_the_confirmation(client, kpi, report, alice, org, period):
    report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    draft = actions.save_value(actor=alice, indicator=kpi.indicator, organisation=org("P20"),
                               period=period("2025-Q2"), numerator=95, denominator=100)
    assert draft.flags
    client.force_login(alice)
    page = client.get(_url(draft)).content.decode()
    assert "changed by" in page  # the warning is shown before submitting
    response = client.post(_url(draft), {"operation": "submit"})
    assert response.status_code == 400
    assert "confirm it with a note" in response.content.decode()
    response = client.post(_url(draft), {"operation": "submit", "submit-confirm_flags": "on",
                                         "submit-flag_note": "Đã kiểm tra với cục thống kê"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == V.SUBMITTED

