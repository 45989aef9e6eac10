"""The hourly KPI job: reporters are reminded before values are due, heads are told when they are late, once."""

import datetime

import pytest

from nq57.indicators.tasks import remind_and_escalate
from nq57.notifications.models import Notification

pytestmark = pytest.mark.django_db

# A quarterly indicator with due_days 15 and grace 5: the value for Q1/2025 is due on 15/04/2025.
DUE = datetime.date(2025, 4, 15)


def test_it_reminds_the_reporters_three_days_before_the_due_date(kpi, alice, hanh, charlie, lan):
    remind_and_escalate(DUE - datetime.timedelta(days=4))
    assert not Notification.objects.filter(kind="kpi_reminder").exists()
    remind_and_escalate(DUE - datetime.timedelta(days=2))
    reminders = Notification.objects.filter(kind="kpi_reminder")
    # everyone who may enter Lạng Sơn's values (the head too) and Hà Nội's officer; not the standing office
    assert set(reminders.values_list("user__username", flat=True)) == {"alice", "hanh", "charlie"}
    # a second run the same hour does not tell anyone twice
    remind_and_escalate(DUE - datetime.timedelta(days=1))
    assert Notification.objects.filter(kind="kpi_reminder", user=alice).count() == 1


def test_it_tells_the_head_once_the_grace_days_have_passed(kpi, alice, hanh):
    remind_and_escalate(DUE + datetime.timedelta(days=5))
    assert not Notification.objects.filter(kind="kpi_late").exists()
    remind_and_escalate(DUE + datetime.timedelta(days=6))
    late = Notification.objects.get(kind="kpi_late", user=hanh)
    assert "Lạng Sơn" in late.title
    remind_and_escalate(DUE + datetime.timedelta(days=7))
    assert Notification.objects.filter(kind="kpi_late", user=hanh).count() == 1


def test_a_submitted_value_is_neither_reminded_nor_escalated(kpi, alice, hanh, report):
    report(kpi.indicator, "P20", "2025-Q1", numerator=50, denominator=100, approve=False)
    remind_and_escalate(DUE - datetime.timedelta(days=2))
    remind_and_escalate(DUE + datetime.timedelta(days=6))
    assert not Notification.objects.filter(user__in=[alice, hanh], kind__in=["kpi_reminder", "kpi_late"]).exists()
