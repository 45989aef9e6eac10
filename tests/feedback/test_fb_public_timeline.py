"""The public timeline (pure): each step's deadline in working days, and whether it was met, missed, is still
running or overdue."""

import datetime
from types import SimpleNamespace

import pytest

from nq57.core.workdays import WorkCalendar
from nq57.feedback import timeline
from nq57.feedback.timeline import MET, MISSED, OVERDUE, RUNNING

ZONE = datetime.timezone(datetime.timedelta(hours=7))
CALENDAR = WorkCalendar()  # Monday to Friday, no holidays


def day(d):
    return datetime.date(2026, 3, d)


def ev(kind, on, state, stage="", due=None):
    return SimpleNamespace(kind=kind, at=datetime.datetime(2026, 3, on, 9, 0, tzinfo=ZONE), state=state, stage=stage,
                           due_date=due, public_note="")


@pytest.fixture(autouse=True)
def _vietnam_time(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"


def test_a_clock_stopped_before_its_due_date_was_met():
    rows = timeline.build([ev("received", 2, "received", "triage", day(5)),
                           ev("routed", 4, "routed", "accept", day(9))], today=day(4), calendar=CALENDAR,
                          current_due=day(9))
    assert rows[0].outcome == MET and rows[0].allowed_days == 3 and rows[0].ended_on == day(4)
    assert rows[1].outcome == RUNNING and rows[1].allowed_days == 3  # Wed 4 → Mon 9: Thu, Fri, Mon


def test_a_clock_stopped_after_its_due_date_was_missed():
    rows = timeline.build([ev("received", 2, "received", "triage", day(3)),
                           ev("routed", 6, "routed", "accept", day(11))], today=day(6), calendar=CALENDAR,
                          current_due=day(11))
    assert rows[0].outcome == MISSED


def test_the_current_clock_past_its_due_date_is_overdue():
    rows = timeline.build([ev("received", 2, "received", "triage", day(3))], today=day(10), calendar=CALENDAR,
                          current_due=day(3))
    assert rows[0].outcome == OVERDUE


def test_a_step_that_keeps_the_clock_shows_no_second_deadline():
    rows = timeline.build([ev("accepted", 2, "in_progress", "answer", day(20)),
                           ev("rated", 3, "in_progress", "answer", day(20))], today=day(3), calendar=CALENDAR,
                          current_due=day(20))
    assert rows[0].outcome == RUNNING and rows[1].due is None and rows[1].outcome == ""


def test_a_stopped_clock_without_a_later_step_is_neither_running_nor_late():
    rows = timeline.build([ev("answered", 2, "answered", "publish", day(4))], today=day(20), calendar=CALENDAR,
                          current_due=None)
    assert rows[0].outcome == ""


def test_steps_without_a_clock_have_no_deadline_and_unknown_kinds_show_the_state():
    rows = timeline.build([ev("published", 2, "published"), ev("something_new", 3, "closed")], today=day(3),
                          calendar=CALENDAR)
    assert rows[0].due is None and str(rows[0].label) == str(timeline.KIND_LABELS["published"])
    assert str(rows[1].label) == str(rows[1].state_label)
