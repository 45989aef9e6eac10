"""Reminders before deadlines and reporting dates, escalation after deadlines: sent once each,
to the right people, at a cost that does not grow with the number of assignments."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from nq57.core.scheduler import SCHEDULE
from nq57.notifications.models import Notification
from nq57.plans import actions
from nq57.plans.models import Assignment, ProgressReport
from nq57.plans.tasks import (escalate, escalate_overdue, period_end, previous_period_end, refresh_all_timeliness,
                              send_reminders)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield

D = datetime.date
S = Assignment.Status


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _due_in(assignment, days, today):
    Assignment.objects.filter(task=assignment.task).update(original_deadline=today + datetime.timedelta(days=days))


def _sent(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


@pytest.mark.parametrize("frequency, day, end, previous", [
    ("month", D(2025, 2, 10), D(2025, 2, 28), D(2025, 1, 31)),
    ("month", D(2024, 2, 29), D(2024, 2, 29), D(2024, 1, 31)),
    ("quarter", D(2025, 5, 1), D(2025, 6, 30), D(2025, 3, 31)),
    ("quarter", D(2025, 1, 1), D(2025, 3, 31), D(2024, 12, 31)),
    ("half", D(2025, 7, 1), D(2025, 12, 31), D(2025, 6, 30)),
    ("year", D(2025, 3, 3), D(2025, 12, 31), D(2024, 12, 31)),
])
def test_reporting_periods(frequency, day, end, previous):
    assert (period_end(frequency, day), previous_period_end(frequency, day)) == (end, previous)


# --- Deadline reminders -----------------------------------------------------------------------


def test_reporters_are_reminded_a_week_ahead_and_the_day_before_once_each(alice, hanh, charlie,
                                                                          lang_son_assignment):
    today = timezone.localdate()
    _due_in(lang_son_assignment, 7, today)
    result = send_reminders.call(today=today.isoformat())
    # Lạng Sơn (alice, hanh) leads, Hà Nội (charlie) coordinates: both are reminded.
    assert _sent("deadline_reminder") == ["alice", "charlie", "hanh"]
    assert result["deadline_reminders"] == 3
    # The job runs every hour: nothing new until the next step.
    assert send_reminders.call(today=today.isoformat())["deadline_reminders"] == 0
    assert send_reminders.call(today=(today + datetime.timedelta(days=3)).isoformat())["deadline_reminders"] == 0
    day_before = today + datetime.timedelta(days=6)
    assert send_reminders.call(today=day_before.isoformat())["deadline_reminders"] == 3
    assert send_reminders.call(today=day_before.isoformat())["deadline_reminders"] == 0
    keys = set(Notification.objects.filter(user=alice, kind="deadline_reminder").values_list("dedupe_key", flat=True))
    assert {k.split(":")[0] for k in keys} == {"due7", "due1"}


def test_a_late_start_gets_only_the_day_before_reminder(alice, lang_son_assignment):
    today = timezone.localdate()
    _due_in(lang_son_assignment, 1, today)
    send_reminders.call(today=today.isoformat())
    assert list(Notification.objects.filter(user=alice, kind="deadline_reminder")
                .values_list("dedupe_key", flat=True)) == [f"due1:{lang_son_assignment.pk}:"
                                                          f"{today + datetime.timedelta(days=1)}"]


def test_an_approved_extension_starts_a_new_series_of_reminders(alice, sophie, lang_son_assignment):
    today = timezone.localdate()
    _due_in(lang_son_assignment, 5, today)
    send_reminders.call(today=today.isoformat())
    lang_son_assignment.refresh_from_db()
    request = actions.request_extension(actor=alice, assignment=lang_son_assignment, reason="Chờ kinh phí",
                                        requested_deadline=today + datetime.timedelta(days=6))
    actions.decide_extension(actor=sophie, request=request, approve=True)
    send_reminders.call(today=today.isoformat())
    assert Notification.objects.filter(user=alice, kind="deadline_reminder").count() == 2


def test_finished_and_cancelled_work_is_not_reminded(alice, lang_son_assignment):
    today = timezone.localdate()
    _due_in(lang_son_assignment, 3, today)
    Assignment.objects.filter(task=lang_son_assignment.task).update(status=S.COMPLETED)
    send_reminders.call(today=today.isoformat())
    Assignment.objects.filter(task=lang_son_assignment.task).update(status=S.CANCELLED)
    send_reminders.call(today=today.isoformat())
    assert _sent("deadline_reminder") == []


def test_each_person_gets_one_email_per_run(alice, hanh, sophie, lang_son_assignment, mailoutbox, org):
    today = timezone.localdate()
    actions.assign_task(actor=sophie, task=lang_son_assignment.task, organisation=org("P20-SKHCN"))
    mailoutbox.clear()
    _due_in(lang_son_assignment, 7, today)
    send_reminders.call(today=today.isoformat())
    # Two Lạng Sơn assignments are due (the province and its department): one digest each.
    assert Notification.objects.filter(user=alice, kind="deadline_reminder").count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, hanh.email])
    assert "2" in mailoutbox[0].subject and "/notifications/" in mailoutbox[0].body
    assert not Notification.objects.filter(kind="deadline_reminder", emailed_at__isnull=True).exists()


# --- Reporting reminders ------------------------------------------------------------------------


def test_reporters_are_reminded_before_a_period_ends_unless_the_report_is_in(alice, hanh, lang_son_assignment):
    end = period_end("quarter", timezone.localdate())
    today = end - datetime.timedelta(days=3)
    report = actions.save_progress_report(actor=alice, assignment=lang_son_assignment, period_end=end, text="Quý",
                                          progress=30, self_rating=ProgressReport.Rating.GREEN)
    assert send_reminders.call(today=(end - datetime.timedelta(days=8)).isoformat())["report_reminders"] == 0
    result = send_reminders.call(today=today.isoformat())
    # Lạng Sơn's report is still a draft: it is reminded; so is Hà Nội (no reporter here, nobody to tell).
    assert result["report_reminders"] == 2 and _sent("report_reminder") == ["alice", "hanh"]
    assert send_reminders.call(today=today.isoformat())["report_reminders"] == 0
    actions.submit_progress_report(actor=alice, report=report)
    Notification.objects.filter(kind="report_reminder").delete()
    assert send_reminders.call(today=today.isoformat())["report_reminders"] == 0


def test_the_reporting_frequency_of_the_plan_decides_the_period(alice, lang_son_assignment):
    national_plan = lang_son_assignment.task.plan
    national_plan.reporting_frequency = "year"
    national_plan.save()
    today = timezone.localdate()
    send_reminders.call(today=D(today.year, 11, 1).isoformat())  # a quarter may end soon, the year does not
    assert _sent("report_reminder") == []
    send_reminders.call(today=D(today.year, 12, 28).isoformat())
    assert _sent("report_reminder") == ["alice"]


# --- Escalation ------------------------------------------------------------------------------------


def test_overdue_work_goes_to_the_agency_head_then_to_the_assigning_body(alice, hanh, sophie, make_user,
                                                                         lang_son_assignment):
    from nq57.core.roles import Role

    make_user("vp", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")  # too far up to be told
    Assignment.objects.filter(task=lang_son_assignment.task).exclude(pk=lang_son_assignment.pk).delete()
    today = timezone.localdate()
    _due_in(lang_son_assignment, -1, today)
    assert escalate_overdue.call(today=today.isoformat())["escalations"] == 1
    assert _sent("overdue") == ["hanh"] and _sent("escalation") == []
    for day in range(1, 7):
        assert escalate_overdue.call(today=(today + datetime.timedelta(days=day)).isoformat())["escalations"] == 0
    week_later = today + datetime.timedelta(days=7)
    assert escalate_overdue.call(today=week_later.isoformat())["escalations"] == 1
    assert _sent("overdue") == ["hanh"] and _sent("escalation") == ["sophie"]
    assert escalate_overdue.call(today=week_later.isoformat())["escalations"] == 0


def test_the_assigning_body_gets_one_weekly_digest_however_many_assignments_are_late(sophie, lang_son_assignment,
                                                                                  org):
    today = timezone.localdate()
    task = lang_son_assignment.task
    for code in ["P01", "P04", "P08", "BKHCN"]:
        actions.assign_task(actor=None, task=task, organisation=org(code))
    _due_in(lang_son_assignment, -10, today)
    overdue = Assignment.objects.filter(task=task, parent__isnull=True).count()
    assert overdue >= 5
    escalate(today)
    digests = Notification.objects.filter(kind="escalation", user=sophie)
    # One message for the whole plan, counting every late assignment and linking to the overdue list.
    assert digests.count() == 1
    assert str(overdue) in digests.get().title and "timeliness=overdue" in digests.get().url
    same_week = today + datetime.timedelta(days=1 if today.weekday() < 6 else -1)
    escalate(same_week)  # another run in the same ISO week: nothing new
    assert digests.count() == 1


def test_a_communes_overdue_subtask_escalates_to_the_province(alice, hanh, sophie, make_user, lang_son_assignment,
                                                              org):
    from nq57.core.roles import Role

    commune = org("P20").children.filter(kind="commune").first()
    chu_tich = make_user("chutich", home=commune, role=Role.AGENCY_HEAD, scope=commune)
    today = timezone.localdate()
    subtask = actions.create_subtask(actor=alice, assignment=lang_son_assignment, organisation=commune, title="x",
                                     deadline=today - datetime.timedelta(days=9))
    escalate(today)
    assert list(Notification.objects.filter(kind="overdue").values_list("user", flat=True)) == [chu_tich.pk]
    # The sub-task's assigning body is Lạng Sơn: its head is told, not the Government.
    assert list(Notification.objects.filter(kind="escalation").values_list("user", flat=True)) == [hanh.pk]
    assert subtask.pk


def test_work_awaiting_verification_is_not_escalated(hanh, lang_son_assignment):
    today = timezone.localdate()
    _due_in(lang_son_assignment, -10, today)
    Assignment.objects.filter(task=lang_son_assignment.task).update(status=S.PENDING_VERIFICATION)
    assert escalate_overdue.call(today=today.isoformat())["escalations"] == 0


def _overdue_communes(lang_son_assignment, org, n, today):
    communes = org("P20").children.filter(kind__in=["commune", "ward"]).order_by("pk")[:n]
    Assignment.objects.bulk_create([Assignment(task=lang_son_assignment.task, organisation=c,
                                               parent=lang_son_assignment, original_deadline=today
                                               - datetime.timedelta(days=10)) for c in communes])


def test_escalation_costs_the_same_for_5_or_60_overdue_assignments(hanh, sophie, lang_son_assignment, org):
    today = timezone.localdate()
    _due_in(lang_son_assignment, -10, today)

    def queries():
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            created = escalate(today)
        return len(captured.captured_queries), len(created)

    _overdue_communes(lang_son_assignment, org, 5, today)
    few, few_created = queries()
    Assignment.objects.filter(parent=lang_son_assignment).delete()
    _overdue_communes(lang_son_assignment, org, 60, today)
    many, many_created = queries()
    assert many_created > few_created
    assert many == few


def test_reminders_cost_the_same_for_5_or_60_due_assignments(alice, lang_son_assignment, org):
    today = timezone.localdate()

    def queries(n):
        Notification.objects.all().delete()
        Assignment.objects.filter(parent=lang_son_assignment).delete()
        _overdue_communes(lang_son_assignment, org, n, today)
        Assignment.objects.filter(task=lang_son_assignment.task).update(
            original_deadline=today + datetime.timedelta(days=2))
        with CaptureQueriesContext(connection) as captured:
            send_reminders.call(today=today.isoformat())
        return len(captured.captured_queries)

    assert queries(5) == queries(60)


# --- The jobs in the scheduler -------------------------------------------------------------------


def test_the_jobs_are_scheduled():
    paths = {path for _name, path, _interval in SCHEDULE}
    assert {"nq57.plans.tasks.send_reminders", "nq57.plans.tasks.escalate_overdue",
            "nq57.plans.tasks.refresh_all_timeliness"} <= paths
    for path in paths:
        assert callable(import_string(path).enqueue)


def test_the_timeliness_job_refreshes_stored_values(lang_son_assignment):
    late = lang_son_assignment.original_deadline + datetime.timedelta(days=1)
    result = refresh_all_timeliness.enqueue(today=late.isoformat())
    assert result.return_value == {"changed": 2}
    lang_son_assignment.refresh_from_db()
    assert lang_son_assignment.timeliness == Assignment.Timeliness.OVERDUE
    assert refresh_all_timeliness.call(today=late.isoformat()) == {"changed": 0}
