"""Deadlines of the stages in working days: the rules (a kind-specific rule beats the default), the due date of a
stage, the clock every page shows, and the clock through pause, reply and approval."""

import datetime
from types import SimpleNamespace

import pytest

from nq57.core.workdays import WorkCalendar, default_days
from nq57.feedback import actions, deadlines
from nq57.feedback.models import DeadlineRule, Stage, State

D = datetime.date
UTC = datetime.UTC


def at(day, hour=3):
    """A moment on `day` in Vietnam (03:00 UTC is 10:00 in Hà Nội)."""
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


CAL = WorkCalendar(frozenset(d for d, kind, _n, _o in default_days() if kind == "day_off"),
                   frozenset(d for d, kind, _n, _o in default_days() if kind == "working_day"))
RULES = {("", "triage"): (3, 1, 2), ("", "answer"): (15, 3, 3), ("initiative", "answer"): (20, 3, 3),
         ("", "review"): (30, 5, 5)}


@pytest.mark.parametrize(("kind", "stage", "start", "expected"), [
    ("comment", Stage.TRIAGE, D(2026, 3, 10), D(2026, 3, 13)),
    ("comment", Stage.ANSWER, D(2026, 3, 10), D(2026, 3, 31)),
    ("initiative", Stage.ANSWER, D(2026, 3, 10), D(2026, 4, 7)),  # its own rule: 20 days
    ("comment", Stage.TRIAGE, D(2026, 2, 12), D(2026, 2, 24)),  # across Tết
    ("comment", Stage.TRIAGE, D(2026, 2, 17), D(2026, 2, 25)),  # received on a Tết holiday
    ("comment", Stage.TRIAGE, D(2026, 1, 8), D(2026, 1, 12)),  # Friday, make-up Saturday, Monday
    ("comment", Stage.TRIAGE, D(2026, 3, 13), D(2026, 3, 18)),  # over a weekend
    ("comment", Stage.PUBLISH, D(2026, 3, 10), D(2026, 3, 24)),  # no rule at all: the fallback (10)
])
def test_the_due_date_of_a_stage(kind, stage, start, expected):
    assert deadlines.due_for(kind, stage, start, CAL, RULES) == expected


@pytest.mark.django_db
def test_the_rules_come_from_the_table_and_a_kind_specific_rule_wins():
    rules = deadlines.rules()
    assert deadlines.rule_for("initiative", Stage.ANSWER, rules) == (20, 3, 3)
    assert deadlines.rule_for("comment", Stage.ANSWER, rules) == (15, 3, 3)
    DeadlineRule.objects.create(kind="comment", stage=Stage.ANSWER, working_days=10, remind_before=2,
                                escalate_after=1)
    assert deadlines.rule_for("comment", Stage.ANSWER, deadlines.rules()) == (10, 2, 1)
    assert deadlines.rule_for("recommendation", Stage.ANSWER, deadlines.rules()) == (15, 3, 3)


def clock_of(state=State.IN_PROGRESS, due=None, paused=None, stage=Stage.ANSWER, kind="comment"):
    return SimpleNamespace(state=state, due_date=due, paused_remaining=paused, stage=stage, kind=kind)


@pytest.mark.parametrize(("label", "submission", "today", "rules", "expected"), [
    ("plenty of time", clock_of(due=D(2026, 3, 20)), D(2026, 3, 10), None, ("running", D(2026, 3, 20), 8)),
    ("two days left is due soon", clock_of(due=D(2026, 3, 12)), D(2026, 3, 10), None, ("due_soon", D(2026, 3, 12), 2)),
    ("due today", clock_of(due=D(2026, 3, 10)), D(2026, 3, 10), None, ("due_soon", D(2026, 3, 10), 0)),
    ("two working days late", clock_of(due=D(2026, 3, 6)), D(2026, 3, 10), None, ("overdue", D(2026, 3, 6), -2)),
    ("the Saturday after a Friday due date", clock_of(due=D(2026, 3, 6)), D(2026, 3, 7), None,
     ("overdue", D(2026, 3, 6), 0)),
    ("Tết does not count: one day left", clock_of(due=D(2026, 2, 23)), D(2026, 2, 13), None,
     ("due_soon", D(2026, 2, 23), 1)),
    ("Tết does not count: three days left", clock_of(due=D(2026, 2, 25)), D(2026, 2, 13), None,
     ("running", D(2026, 2, 25), 3)),
    ("late across Tết by one day", clock_of(due=D(2026, 2, 13)), D(2026, 2, 23), None,
     ("overdue", D(2026, 2, 13), -1)),
    ("the make-up Saturday counts", clock_of(due=D(2026, 1, 12)), D(2026, 1, 9), None,
     ("due_soon", D(2026, 1, 12), 2)),
    ("paused keeps its days", clock_of(state=State.WAITING_INFO, paused=4), D(2026, 3, 10), None, ("paused", None, 4)),
    ("no clock once published", clock_of(state=State.PUBLISHED), D(2026, 3, 10), None, ("stopped", None, None)),
    ("the stage's rule decides due soon", clock_of(due=D(2026, 3, 16), stage=Stage.REVIEW), D(2026, 3, 10), RULES,
     ("due_soon", D(2026, 3, 16), 4)),
    ("without rules four days is running", clock_of(due=D(2026, 3, 16), stage=Stage.REVIEW), D(2026, 3, 10), None,
     ("running", D(2026, 3, 16), 4)),
])
def test_the_clock(label, submission, today, rules, expected):
    clock = deadlines.clock(submission, today, CAL, rules)
    assert (clock.status, clock.due, clock.working_days_left) == expected, label
    assert clock.is_late == (expected[0] == "overdue")


# --- the clock through the services --------------------------------------------------------------------------


@pytest.fixture
def in_progress(submit, lan, alice, org):
    """Received Tuesday 10 March 2026, routed and accepted the same day: the answer is due 31 March."""
    submission, _ = submit(now=at(D(2026, 3, 10)))
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), now=at(D(2026, 3, 10), 4))
    actions.accept_submission(actor=alice, submission=submission, now=at(D(2026, 3, 10), 5))
    submission.refresh_from_db()
    return submission


def test_a_submission_received_on_a_holiday_gets_full_triage_days(submit):
    submission, _ = submit(now=at(D(2026, 2, 17)))
    assert submission.due_date == D(2026, 2, 25)


def test_acceptance_starts_the_answer_clock_and_remembers_the_first_answer_deadline(in_progress):
    assert in_progress.stage == Stage.ANSWER
    assert in_progress.due_date == D(2026, 3, 31) == in_progress.answer_due


def test_an_initiative_has_longer_to_be_answered(submit, lan, alice, org):
    submission, _ = submit(kind="initiative", now=at(D(2026, 3, 10)))
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), now=at(D(2026, 3, 10)))
    actions.accept_submission(actor=alice, submission=submission, now=at(D(2026, 3, 10)))
    submission.refresh_from_db()
    assert submission.due_date == D(2026, 4, 7)


def test_a_pause_keeps_the_days_left_and_a_reply_restarts_the_clock_with_them(in_progress, alice):
    actions.pause_submission(actor=alice, submission=in_progress, question="Xin bổ sung số liệu năm 2025.",
                             now=at(D(2026, 3, 16)))
    in_progress.refresh_from_db()
    assert in_progress.state == State.WAITING_INFO
    assert in_progress.due_date is None and in_progress.paused_remaining == 11
    paused = in_progress.events.get(kind="paused")
    assert paused.public_note == "Xin bổ sung số liệu năm 2025." and paused.due_date is None
    actions.reply_with_information(submission=in_progress, text="Số liệu đính kèm.", now=at(D(2026, 3, 23)))
    in_progress.refresh_from_db()
    assert in_progress.state == State.IN_PROGRESS
    assert in_progress.due_date == D(2026, 4, 7) and in_progress.paused_remaining is None
    # The statistics' deadline moves by the five working days of the pause.
    assert in_progress.answer_due == D(2026, 4, 7)
    assert in_progress.events.get(kind="replied").due_date == D(2026, 4, 7)


def test_staff_may_resume_a_pause_themselves(in_progress, alice):
    actions.pause_submission(actor=alice, submission=in_progress, question="Xin số điện thoại?",
                             now=at(D(2026, 3, 30)))
    actions.resume_submission(actor=alice, submission=in_progress, note="Đã liên hệ qua điện thoại.",
                              now=at(D(2026, 3, 31)))
    in_progress.refresh_from_db()
    assert in_progress.state == State.IN_PROGRESS
    # One working day was left on 30 March; resumed on 31 March, that day runs to 1 April, and the answer deadline
    # of the statistics moves by the one working day of the pause.
    assert in_progress.due_date == D(2026, 4, 1)
    assert in_progress.answer_due == D(2026, 4, 1)


def test_a_pause_when_already_late_keeps_no_days(in_progress, alice):
    actions.pause_submission(actor=alice, submission=in_progress, question="Xin bổ sung.", now=at(D(2026, 4, 6)))
    in_progress.refresh_from_db()
    assert in_progress.paused_remaining == 0


@pytest.mark.parametrize(("approved_on", "on_time", "days"), [
    (D(2026, 3, 31), True, 15),
    (D(2026, 4, 1), False, 16),
    (D(2026, 3, 20), True, 8),
])
def test_approval_records_whether_the_answer_came_in_time(in_progress, alice, hanh, approved_on, on_time, days):
    answer = actions.save_answer(actor=alice, submission=in_progress, text="Trả lời.", submit=True,
                                 now=at(approved_on, 2))
    actions.approve_answer(actor=hanh, answer=answer, now=at(approved_on))
    in_progress.refresh_from_db()
    assert in_progress.answered_on_time is on_time
    assert in_progress.days_to_answer == days
    assert in_progress.answered_at == at(approved_on)
    assert in_progress.stage == Stage.PUBLISH and in_progress.due_date == CAL.add(approved_on, 2)


def test_a_new_stage_resets_reminders_and_escalation(in_progress, alice):
    type(in_progress).objects.filter(pk=in_progress.pk).update(reminded_for=D(2026, 3, 31), escalation_level=2)
    in_progress.refresh_from_db()
    actions.save_answer(actor=alice, submission=in_progress, text="Trả lời.", submit=True, now=at(D(2026, 3, 20)))
    in_progress.refresh_from_db()
    assert in_progress.reminded_for is None and in_progress.escalation_level == 0
    assert in_progress.stage == Stage.APPROVE and in_progress.due_date == D(2026, 3, 25)
