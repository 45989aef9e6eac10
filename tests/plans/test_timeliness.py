"""Timeliness is computed, never entered: the pure function over every outcome, and the bulk refresh."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.plans.models import Assignment
from nq57.plans.timeliness import compute_timeliness, refresh_timeliness, timeliness_pair

T = Assignment.Timeliness
S = Assignment.Status
D = datetime.date
TODAY = D(2025, 6, 15)
START = D(2025, 1, 1)
FAR = D(2025, 12, 31)  # 199 days ahead of TODAY; the straight line from START expects 45.3%

# (case, status, progress, start, deadline, completed_on, last_report_on, expected)
CASES = [
    ("cancelled work has no timeliness", S.CANCELLED, 10, START, D(2025, 3, 1), None, None, T.NOT_APPLICABLE),
    ("cancelled even when completed late", S.CANCELLED, 100, START, D(2025, 3, 1), D(2025, 4, 1), None,
     T.NOT_APPLICABLE),
    ("no deadline: ongoing or yearly work", S.IN_PROGRESS, 10, START, None, None, None, T.NOT_APPLICABLE),
    ("completed without a deadline", S.COMPLETED, 100, START, None, D(2025, 3, 1), None, T.NOT_APPLICABLE),
    ("completed before the deadline", S.COMPLETED, 100, START, D(2025, 3, 1), D(2025, 2, 27), None,
     T.COMPLETED_ON_TIME),
    ("completed on the deadline day", S.COMPLETED, 100, START, D(2025, 3, 1), D(2025, 3, 1), None,
     T.COMPLETED_ON_TIME),
    ("completed a day late", S.COMPLETED, 100, START, D(2025, 3, 1), D(2025, 3, 2), None, T.COMPLETED_LATE),
    ("completed far ahead of a future deadline", S.COMPLETED, 100, START, FAR, D(2025, 5, 1), None,
     T.COMPLETED_ON_TIME),
    ("not started, past the deadline", S.NOT_STARTED, 0, START, D(2025, 6, 14), None, None, T.OVERDUE),
    ("in progress, past the deadline", S.IN_PROGRESS, 90, START, D(2025, 6, 14), None, TODAY, T.OVERDUE),
    ("pending verification, past the deadline", S.PENDING_VERIFICATION, 100, START, D(2025, 6, 1), None,
     TODAY, T.OVERDUE),
    ("due today", S.IN_PROGRESS, 99, START, TODAY, None, TODAY, T.AT_RISK),
    ("due in 14 days", S.IN_PROGRESS, 95, START, D(2025, 6, 29), None, TODAY, T.AT_RISK),
    ("due in 15 days, on track", S.IN_PROGRESS, 95, START, D(2025, 6, 30), None, TODAY, T.ON_SCHEDULE),
    ("21 points behind the straight line", S.IN_PROGRESS, 24, START, FAR, None, TODAY, T.AT_RISK),
    ("19 points behind: tolerated", S.IN_PROGRESS, 26, START, FAR, None, TODAY, T.ON_SCHEDULE),
    ("not started, far behind", S.NOT_STARTED, 0, START, FAR, None, None, T.AT_RISK),
    ("last report 101 days old", S.IN_PROGRESS, 60, START, FAR, None, D(2025, 3, 6), T.AT_RISK),
    ("last report 100 days old", S.IN_PROGRESS, 60, START, FAR, None, D(2025, 3, 7), T.ON_SCHEDULE),
    ("never reported, started 101 days ago", S.IN_PROGRESS, 60, D(2025, 3, 6), D(2026, 6, 1), None, None,
     T.AT_RISK),
    ("never reported, started recently", S.NOT_STARTED, 0, D(2025, 6, 1), D(2026, 6, 1), None, None,
     T.ON_SCHEDULE),
    ("no start known, on track", S.IN_PROGRESS, 10, None, FAR, None, TODAY, T.ON_SCHEDULE),
    ("start in the future", S.NOT_STARTED, 0, D(2025, 7, 1), FAR, None, None, T.ON_SCHEDULE),
    ("ahead of schedule", S.IN_PROGRESS, 80, START, FAR, None, D(2025, 6, 1), T.ON_SCHEDULE),
]


@pytest.mark.parametrize("case, status, progress, start, deadline, completed_on, last_report_on, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_compute_timeliness(case, status, progress, start, deadline, completed_on, last_report_on, expected):
    assert compute_timeliness(status=status, progress=progress, start=start, deadline=deadline,
                              completed_on=completed_on, last_report_on=last_report_on, today=TODAY) == expected


def test_the_thresholds_can_be_tuned():
    common = dict(status=S.IN_PROGRESS, progress=95, start=START, completed_on=None, last_report_on=TODAY,
                  today=TODAY)
    assert compute_timeliness(deadline=D(2025, 6, 25), **common) == T.AT_RISK
    assert compute_timeliness(deadline=D(2025, 6, 25), due_soon_days=7, **common) == T.ON_SCHEDULE
    stale = dict(common, last_report_on=D(2025, 5, 1))
    assert compute_timeliness(deadline=FAR, stale_days=30, **stale) == T.AT_RISK


def test_an_approved_extension_changes_the_revised_timeliness_but_not_the_original():
    pair = timeliness_pair(status=S.COMPLETED, progress=100, start=START, original_deadline=D(2025, 3, 1),
                           revised_deadline=D(2025, 5, 1), completed_on=D(2025, 4, 1), last_report_on=None,
                           today=TODAY)
    assert pair == (T.COMPLETED_ON_TIME, T.COMPLETED_LATE)


# --- The stored values ------------------------------------------------------------------------


@pytest.fixture
def many_assignments(lang_son_assignment, org):
    """The Lạng Sơn and Hà Nội assignments plus 40 more Lạng Sơn communes, all due in 120 days."""
    task = lang_son_assignment.task
    communes = list(org("P20").children.filter(kind__in=["commune", "ward"])[:40])
    Assignment.objects.bulk_create([
        Assignment(task=task, organisation=c, parent=lang_son_assignment, original_deadline=lang_son_assignment
                   .original_deadline) for c in communes])
    return task.assignments.all()


@pytest.mark.django_db
def test_refresh_writes_only_rows_whose_timeliness_changes(many_assignments, lang_son_assignment):
    today = lang_son_assignment.original_deadline - datetime.timedelta(days=60)
    refresh_timeliness(today=today)
    assert refresh_timeliness(today=today) == 0  # nothing changed since
    # Past the deadline every open assignment becomes overdue, in one go.
    after = lang_son_assignment.original_deadline + datetime.timedelta(days=1)
    assert refresh_timeliness(today=after) == many_assignments.count()
    assert set(many_assignments.values_list("timeliness", "timeliness_original").distinct()) == {
        (T.OVERDUE, T.OVERDUE)}


@pytest.mark.django_db
def test_refresh_compares_against_the_revised_and_the_original_deadline(lang_son_assignment):
    original = lang_son_assignment.original_deadline
    Assignment.objects.filter(pk=lang_son_assignment.pk).update(revised_deadline=original + datetime.timedelta(
        days=90))
    refresh_timeliness(Assignment.objects.filter(pk=lang_son_assignment.pk),
                       today=original + datetime.timedelta(days=1))
    lang_son_assignment.refresh_from_db()
    assert lang_son_assignment.timeliness_original == T.OVERDUE
    assert lang_son_assignment.timeliness in {T.ON_SCHEDULE, T.AT_RISK}


@pytest.mark.django_db
def test_refresh_costs_queries_per_batch_not_per_row(many_assignments, lang_son_assignment, monkeypatch):
    from nq57.plans import timeliness

    monkeypatch.setattr(timeliness, "BATCH_SIZE", 10)
    n = many_assignments.count()
    after = lang_son_assignment.original_deadline + datetime.timedelta(days=1)
    with CaptureQueriesContext(connection) as captured:
        changed = refresh_timeliness(today=after)
    assert changed == n
    batches = -(-n // 10)
    # Per batch: one read and one UPDATE per distinct new value (all rows share one here); one last empty read.
    assert len(captured.captured_queries) <= 2 * batches + 1
    assert not any("updated_at" in q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE"))
