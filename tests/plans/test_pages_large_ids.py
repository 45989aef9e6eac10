"""Ids in forms and anchors are written as plain digits: with USE_THOUSAND_SEPARATOR a report id of
123456 would otherwise render as "123.456" and every button posting it would miss its report."""

import datetime

import pytest

from nq57.plans.models import ProgressReport

pytestmark = pytest.mark.django_db


def test_report_buttons_and_anchors_carry_plain_ids(client, alice, pages_plan):
    assignment = pages_plan.assignment("1", "P20")
    ProgressReport.objects.create(pk=123456, assignment=assignment, period_end=datetime.date(2026, 9, 30),
                                  text="Đang triển khai", progress=40, self_rating="amber", author=alice)
    client.force_login(alice)
    body = client.get(assignment.get_absolute_url()).content.decode()
    assert 'id="report-123456"' in body and 'name="report" value="123456"' in body
    assert "123.456" not in body
    response = client.post(assignment.get_absolute_url(), {"operation": "submit", "report": "123456"})
    assert response.status_code == 302
    assert ProgressReport.objects.get(pk=123456).status == ProgressReport.Status.SUBMITTED
