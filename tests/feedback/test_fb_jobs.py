"""The hourly deadline job: a reminder before the due date (once per due date), escalation to the agency head
after it and to the standing office of the intake `escalate_after` working days later; one notification per
person per run; a constant number of queries however many submissions are late."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.core.workdays import WorkCalendar
from nq57.feedback import actions
from nq57.feedback.models import Event, Submission
from nq57.feedback.tasks import plan, process_feedback_deadlines, remind_and_escalate
from nq57.notifications.models import Notification

pytestmark = pytest.mark.django_db

D = datetime.date
TUESDAY = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def waiting(submit, lan, org):
    """Routed on Tuesday 10 March 2026: the agency must accept it by Thursday 12 March (2 working days)."""
    submission, _ = submit(now=TUESDAY)
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), now=TUESDAY)
    submission.refresh_from_db()
    assert submission.due_date == D(2026, 3, 12)
    return submission


def told(kind_prefix="feedback_"):
    return sorted(Notification.objects.filter(kind__startswith=kind_prefix)
                  .values_list("user__username", "kind"))


def test_a_reminder_goes_to_the_agency_the_day_before_and_only_once(waiting, alice, hanh, lan):
    Notification.objects.all().delete()
    remind_and_escalate(D(2026, 3, 10))  # two working days ahead: too early (remind 1 day before)
    assert told() == []
    remind_and_escalate(D(2026, 3, 11))
    assert told() == [("alice", "feedback_due_soon"), ("hanh", "feedback_due_soon")]
    waiting.refresh_from_db()
    assert waiting.reminded_for == D(2026, 3, 12)
    remind_and_escalate(D(2026, 3, 11))
    remind_and_escalate(D(2026, 3, 12))
    assert len(told()) == 2


def test_late_it_goes_to_the_head_then_to_the_standing_office(waiting, alice, hanh, lan):
    Notification.objects.all().delete()
    remind_and_escalate(D(2026, 3, 13))  # the day after the due date
    assert ("hanh", "feedback_overdue") in told() and ("alice", "feedback_overdue") not in told()
    waiting.refresh_from_db()
    assert waiting.escalation_level == 1
    Notification.objects.all().delete()
    remind_and_escalate(D(2026, 3, 16))  # 2 working days late: escalate_after is 2, not yet
    assert told() == []
    remind_and_escalate(D(2026, 3, 17))
    assert told() == [("lan", "feedback_overdue")]
    waiting.refresh_from_db()
    assert waiting.escalation_level == 2
    Notification.objects.all().delete()
    remind_and_escalate(D(2026, 3, 30))
    assert told() == []
    assert list(Event.objects.filter(submission=waiting, kind__startswith="escalated")
                .values_list("kind", "public")) == [("escalated_head", False), ("escalated_office", False)]


def test_a_job_that_did_not_run_for_a_while_escalates_both_levels_at_once(waiting, hanh, lan):
    work, _created = remind_and_escalate(D(2026, 3, 20))
    assert [r["pk"] for r in work.head] == [waiting.pk] == [r["pk"] for r in work.office]
    waiting.refresh_from_db()
    assert waiting.escalation_level == 2


def test_accepting_it_starts_a_new_clock_with_new_reminders(waiting, alice, hanh):
    remind_and_escalate(D(2026, 3, 13))
    actions.accept_submission(actor=alice, submission=waiting, now=datetime.datetime(2026, 3, 13, 3, 0,
                                                                                     tzinfo=datetime.UTC))
    waiting.refresh_from_db()
    assert waiting.escalation_level == 0 and waiting.reminded_for is None


def test_paused_and_finished_submissions_have_no_clock_to_chase(waiting, alice, lan):
    actions.accept_submission(actor=alice, submission=waiting, now=TUESDAY)
    actions.pause_submission(actor=alice, submission=waiting, question="Xin bổ sung?", now=TUESDAY)
    work, _ = remind_and_escalate(D(2026, 6, 1))
    assert work.remind == work.head == work.office == []


def test_one_notification_per_person_per_run_lists_every_submission(submit, lan, hanh, alice, org):
    for _ in range(3):
        submission, _key = submit(now=TUESDAY)
        actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), now=TUESDAY)
    Notification.objects.all().delete()
    remind_and_escalate(D(2026, 3, 13))
    [notification] = Notification.objects.filter(user=hanh, kind="feedback_overdue")
    assert notification.body.count("PAKN-2026-") == 3


def test_the_job_costs_the_same_number_of_queries_for_3_or_30_late_submissions(submit, lan, hanh, alice, org):
    def late(count):
        for _ in range(count):
            submission, _key = submit(now=TUESDAY)
            actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), now=TUESDAY)

    late(3)
    with CaptureQueriesContext(connection) as few:
        remind_and_escalate(D(2026, 3, 20))
    late(30)
    with CaptureQueriesContext(connection) as many:
        remind_and_escalate(D(2026, 4, 20))
    assert len(many) == len(few) <= 20


def test_the_task_reports_what_it_did(waiting, hanh, lan, alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = process_feedback_deadlines.call(today="2026-03-17")
    assert result["feedback_escalated_head"] == 1 and result["feedback_escalated_office"] == 1
    assert result["notifications"] >= 2 and result["emails"] >= 2


def test_the_job_is_scheduled_hourly():
    from nq57.core.scheduler import SCHEDULE

    assert ("feedback_deadlines", "nq57.feedback.tasks.process_feedback_deadlines",
            datetime.timedelta(hours=1)) in SCHEDULE


# --- the decision itself, pure --------------------------------------------------------------------------------

RULES = {("", "answer"): (15, 3, 3)}
CAL = WorkCalendar(frozenset({D(2026, 2, d) for d in range(14, 23)}))


def row(due, reminded=None, level=0):
    return {"pk": 1, "code": "PAKN-2026-000001", "kind": "comment", "state": "in_progress", "stage": "answer",
            "due_date": due, "reminded_for": reminded, "escalation_level": level, "holder_id": 1, "intake_id": 2}


@pytest.mark.parametrize(("label", "r", "today", "expected"), [
    ("four working days ahead", row(D(2026, 3, 16)), D(2026, 3, 10), (0, 0, 0)),
    ("three working days ahead", row(D(2026, 3, 13)), D(2026, 3, 10), (1, 0, 0)),
    ("already reminded for this date", row(D(2026, 3, 13), reminded=D(2026, 3, 13)), D(2026, 3, 10), (0, 0, 0)),
    ("reminded for an older date", row(D(2026, 3, 13), reminded=D(2026, 3, 5)), D(2026, 3, 10), (1, 0, 0)),
    ("Tết is not counted: three days ahead", row(D(2026, 2, 24)), D(2026, 2, 12), (1, 0, 0)),
    ("Tết is not counted: four days ahead", row(D(2026, 2, 25)), D(2026, 2, 12), (0, 0, 0)),
    ("one day late", row(D(2026, 3, 9)), D(2026, 3, 10), (0, 1, 0)),
    ("three days late: still only the head", row(D(2026, 3, 5)), D(2026, 3, 10), (0, 1, 0)),
    ("four days late: the office too", row(D(2026, 3, 4)), D(2026, 3, 10), (0, 1, 1)),
    ("the head was told already", row(D(2026, 3, 4), level=1), D(2026, 3, 10), (0, 0, 1)),
    ("three working days late across Tết", row(D(2026, 2, 12)), D(2026, 2, 24), (0, 1, 0)),
    ("four working days late across Tết", row(D(2026, 2, 12)), D(2026, 2, 25), (0, 1, 1)),
])
def test_who_is_chased_on_which_day(label, r, today, expected):
    work = plan([r], today, CAL, RULES)
    assert (len(work.remind), len(work.head), len(work.office)) == expected, label


def test_submissions_are_untouched_by_a_run_with_nothing_to_do(waiting):
    before = Submission.objects.filter(pk=waiting.pk).values().get()
    remind_and_escalate(D(2026, 3, 10))
    assert Submission.objects.filter(pk=waiting.pk).values().get() == before
