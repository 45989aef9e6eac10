"""The scorecard and overview figures: pure functions table by table, then the SQL versions checked
against them row by row on the database under test (SQLite or PostgreSQL)."""

import datetime
import itertools

import pytest

from nq57.plans.metrics import (
    PERIOD_MONTHS, annotate_for_scorecard, assessment_gap, counted_reports, expected_reports,
    expected_reports_expression, is_completed_by, is_due_in_window, overview, period_index, rate, scorecard,
    total_row,
)
from nq57.plans.models import Assignment, Plan, Task, TaskGroup

D = datetime.date
S = Assignment.Status
T = Assignment.Timeliness


@pytest.mark.parametrize("day, frequency, expected", [
    (D(2025, 1, 1), "month", 2025 * 12),
    (D(2025, 12, 31), "month", 2025 * 12 + 11),
    (D(2025, 3, 31), "quarter", 2025 * 4),
    (D(2025, 4, 1), "quarter", 2025 * 4 + 1),
    (D(2025, 6, 30), "half", 2025 * 2),
    (D(2025, 7, 1), "half", 2025 * 2 + 1),
    (D(2025, 12, 31), "year", 2025),
])
def test_period_index_numbers_consecutive_periods(day, frequency, expected):
    assert period_index(day, frequency) == expected


TODAY = D(2025, 11, 20)


@pytest.mark.parametrize("frequency, start, deadline, completed_on, today, grace, expected, why", [
    ("quarter", D(2025, 1, 9), None, None, TODAY, 5, 3, "Q1, Q2, Q3 ended; Q4 not yet"),
    ("quarter", D(2025, 1, 9), None, None, D(2025, 10, 3), 5, 2, "Q3's report is not due before its grace days"),
    ("quarter", D(2025, 1, 9), None, None, D(2025, 10, 5), 5, 3, "…and due on the fifth day"),
    ("quarter", D(2025, 1, 9), D(2025, 6, 30), None, TODAY, 5, 2, "the deadline ends the obligation"),
    ("quarter", D(2025, 1, 9), D(2025, 5, 15), None, TODAY, 5, 1, "a deadline mid-quarter: that quarter is not due"),
    ("quarter", D(2025, 1, 9), None, D(2025, 4, 2), TODAY, 5, 1, "completion ends the obligation"),
    ("quarter", D(2025, 4, 1), None, None, TODAY, 5, 2, "started on a quarter's first day"),
    ("quarter", D(2025, 3, 31), None, None, TODAY, 5, 3, "started on a quarter's last day: it reports it"),
    ("quarter", D(2025, 12, 1), None, None, TODAY, 5, 0, "started after today"),
    ("month", D(2025, 1, 9), None, None, TODAY, 5, 10, "January to October"),
    ("month", D(2024, 1, 1), D(2024, 2, 29), None, TODAY, 5, 2, "leap-year February ends on the 29th"),
    ("month", D(2024, 1, 1), D(2024, 2, 28), None, TODAY, 5, 1, "…so the 28th does not end it"),
    ("half", D(2025, 1, 9), None, None, TODAY, 5, 1, "the first half only"),
    ("year", D(2024, 6, 1), None, None, TODAY, 5, 1, "2024 only"),
    ("year", D(2024, 6, 1), D(2024, 12, 31), None, TODAY, 5, 1, "deadline on the year's last day"),
])
def test_expected_reports(frequency, start, deadline, completed_on, today, grace, expected, why):
    assert expected_reports(frequency=frequency, start=start, deadline=deadline, completed_on=completed_on,
                            today=today, grace_days=grace) == expected, why


@pytest.mark.parametrize("received, expected, counted", [(0, 3, 0), (2, 3, 2), (5, 3, 3), (1, 0, 0)])
def test_extra_reports_of_one_assignment_do_not_count(received, expected, counted):
    assert counted_reports(received, expected) == counted


WINDOW = dict(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31), today=TODAY)


@pytest.mark.parametrize("status, deadline, due, why", [
    (S.IN_PROGRESS, D(2025, 6, 30), True, "deadline passed in the window"),
    (S.IN_PROGRESS, D(2025, 12, 15), False, "deadline still ahead: outcome unknown"),
    (S.COMPLETED, D(2025, 12, 15), True, "completed early: outcome known"),
    (S.IN_PROGRESS, TODAY, False, "due today is not late yet"),
    (S.CANCELLED, D(2025, 6, 30), False, "cancelled assignments are left out"),
    (S.COMPLETED, D(2024, 12, 31), False, "deadline before the window"),
    (S.IN_PROGRESS, None, False, "no deadline"),
])
def test_which_assignments_enter_the_on_time_rate(status, deadline, due, why):
    assert is_due_in_window(status=status, deadline=deadline, **WINDOW) is due, why


@pytest.mark.parametrize("status, completed_on, deadline, on_time", [
    (S.COMPLETED, D(2025, 6, 30), D(2025, 6, 30), True),
    (S.COMPLETED, D(2025, 7, 1), D(2025, 6, 30), False),
    (S.PENDING_VERIFICATION, D(2025, 6, 1), D(2025, 6, 30), False),
    (S.COMPLETED, None, D(2025, 6, 30), False),
])
def test_completed_by_the_deadline(status, completed_on, deadline, on_time):
    assert is_completed_by(status=status, completed_on=completed_on, deadline=deadline) is on_time


@pytest.mark.parametrize("numerator, denominator, expected", [(1, 2, 0.5), (0, 3, 0.0), (0, 0, None), (3, 3, 1.0)])
def test_a_rate_with_nothing_expected_is_none_not_zero(numerator, denominator, expected):
    assert rate(numerator, denominator) == expected


@pytest.mark.parametrize("timeliness, self_rating, gap", [
    (T.OVERDUE, "green", True), (T.OVERDUE, "amber_red", False), (T.AT_RISK, "green", True),
    (T.AT_RISK, "amber", False), (T.ON_SCHEDULE, "red", True), (T.ON_SCHEDULE, "amber_green", False),
    (T.COMPLETED_LATE, "green", True), (T.NOT_APPLICABLE, "red", False), (T.OVERDUE, "", False),
])
def test_a_self_assessment_two_levels_from_the_computed_timeliness_is_a_gap(timeliness, self_rating, gap):
    assert assessment_gap(timeliness, self_rating) is gap


def test_totals_recompute_rates_from_sums_never_average_them():
    rows = [dict.fromkeys(["assignments", "due_original", "on_time_original", "due_revised", "on_time_revised",
                           "overdue", "expected", "received", "received_on_time"], 0) for _ in range(2)]
    rows[0].update(due_revised=1, on_time_revised=1)  # 100 %
    rows[1].update(due_revised=9, on_time_revised=0)  # 0 %
    assert total_row(rows)["rate_revised"] == 0.1  # not the 50 % an average of rates would give


def test_overview_adds_groups_and_a_row_for_tasks_without_one():
    class G:
        def __init__(self, pk):
            self.pk = pk

    groups = [G(1), G(2)]
    rows, total = overview(
        groups,
        [{"group_id": 1, "tasks": 2, "incomplete": 1}, {"group_id": None, "tasks": 1, "incomplete": 1}],
        [{"group_id": 1, "status": S.COMPLETED, "timeliness": T.COMPLETED_LATE, "n": 3},
         {"group_id": 2, "status": S.IN_PROGRESS, "timeliness": T.OVERDUE, "n": 2}])
    assert [r["tasks"] for r in rows] == [2, 0, 1] and rows[2]["group"] is None
    assert total["tasks"] == 3 and total["incomplete"] == 2 and total["assignments"] == 5
    assert total["status"][S.COMPLETED] == 3 and total["timeliness"][T.OVERDUE] == 2


# --- the SQL versions agree with the pure functions ----------------------------------------------------

DATES = [None, D(2024, 2, 28), D(2024, 2, 29), D(2025, 3, 31), D(2025, 5, 15), D(2025, 6, 30), D(2025, 9, 30),
         D(2025, 12, 31), D(2026, 1, 1)]


@pytest.fixture
def many_assignments(db, org):
    """One assignment per province (and more), over a grid of start, deadline, revision and completion dates."""
    from nq57.orgs.models import Organisation

    owner = org("CP")
    plan = Plan.objects.create(title="Kế hoạch thử", issuer=owner, owner=owner, issued_on=D(2025, 1, 9))
    group = TaskGroup.objects.create(plan=plan, code="I", title="Nhóm I")
    agencies = list(Organisation.objects.filter(kind__in=["province", "city", "ministry", "commune"])
                    .order_by("path")[:400])
    combos = list(itertools.product([None, D(2025, 1, 9), D(2025, 3, 31), D(2025, 4, 1)], DATES, [None, D(2026, 3, 31)],
                                    [None, D(2025, 6, 30), D(2025, 8, 1)]))
    tasks = [Task.objects.create(plan=plan, group=group, code=str(i), title=f"Nhiệm vụ {i}",
                                 deadline_start=D(2025, 2, 1) if i else None) for i in range(2)]
    rows = []
    for i, (start, deadline, revised, completed) in enumerate(combos):
        status = S.COMPLETED if completed else (S.CANCELLED if i % 17 == 0 else S.IN_PROGRESS)
        rows.append(Assignment(task=tasks[i % 2], organisation=agencies[i // 2], start_date=start,
                               original_deadline=deadline, revised_deadline=revised if deadline else None,
                               completed_on=completed, status=status, reports_received=i % 4,
                               reports_on_time=i % 3 if i % 3 <= i % 4 else 0,
                               timeliness=T.OVERDUE if i % 5 == 0 else T.ON_SCHEDULE))
    Assignment.objects.bulk_create(rows)
    return plan


@pytest.mark.parametrize("frequency", list(PERIOD_MONTHS))
def test_expected_reports_in_sql_match_the_pure_function(many_assignments, frequency):
    today, grace = D(2025, 11, 20), 5
    rows = (Assignment.objects.filter(task__plan=many_assignments)
            .annotate(expected=expected_reports_expression(frequency=frequency, today=today, grace_days=grace,
                                                           plan_issued_on=many_assignments.issued_on))
            .values_list("start_date", "task__deadline_start", "original_deadline", "revised_deadline",
                         "completed_on", "expected"))
    checked = 0
    for start, task_start, original, revised, completed, expected in rows:
        start = start or task_start or many_assignments.issued_on
        assert expected == expected_reports(frequency=frequency, start=start, deadline=revised or original,
                                            completed_on=completed, today=today, grace_days=grace), (
            start, original, revised, completed)
        checked += 1
    assert checked > 200


def test_the_scorecard_query_matches_the_pure_functions_agency_by_agency(many_assignments, django_assert_num_queries):
    window = dict(window_start=D(2025, 1, 1), window_end=D(2025, 12, 31), today=D(2025, 11, 20))
    assignments = Assignment.objects.filter(task__plan=many_assignments)
    with django_assert_num_queries(2):  # the sums, and the names of the organisations
        ranking, total = scorecard(assignments, plan=many_assignments, **window)
    expected = {}
    for a in annotate_for_scorecard(assignments).select_related("task"):
        row = expected.setdefault(a.organisation_id, dict.fromkeys(
            ["assignments", "due_original", "on_time_original", "due_revised", "on_time_revised", "overdue",
             "expected", "received", "received_on_time"], 0))
        if a.status == S.CANCELLED:
            continue
        row["assignments"] += 1
        for suffix, deadline in (("original", a.original_deadline), ("revised", a.deadline_in_force)):
            if is_due_in_window(status=a.status, deadline=deadline, **window):
                row[f"due_{suffix}"] += 1
                row[f"on_time_{suffix}"] += is_completed_by(status=a.status, completed_on=a.completed_on,
                                                            deadline=deadline)
        row["overdue"] += a.timeliness == T.OVERDUE
        n = expected_reports(frequency="quarter", start=a.start_date or a.task.deadline_start or D(2025, 1, 9),
                             deadline=a.deadline_in_force, completed_on=a.completed_on, today=window["today"],
                             grace_days=5)
        row["expected"] += n
        row["received"] += counted_reports(a.reports_received, n)
        row["received_on_time"] += counted_reports(a.reports_on_time, n)
    assert len(ranking) == len(expected)
    for row in ranking:
        assert {k: row[k] for k in expected[row["organisation_id"]]} == expected[row["organisation_id"]], row["code"]
    assert total["due_revised"] == sum(r["due_revised"] for r in expected.values()) > 0
    assert total["on_time_original"] > 0 and total["overdue"] > 0 and total["received"] > 0
