"""Timeliness of an assignment: computed from dates and progress, never entered.

`compute_timeliness` is a pure function (table-driven tests in tests/plans/test_timeliness.py).
The result is stored on Assignment only so that lists of 150,000 assignments can filter and
count on it; `refresh_timeliness` is the one function that writes it, against the approved
revised deadline (`timeliness`) and against the original deadline (`timeliness_original`).
"""

import datetime
from collections import defaultdict

from django.utils import timezone

from .models import Assignment

T = Assignment.Timeliness
S = Assignment.Status

DUE_SOON_DAYS = 14  # due within this many days: at risk
STALE_DAYS = 100  # no approved report for longer than this (about a quarter and its grace): at risk
BEHIND_SCHEDULE_POINTS = 20  # progress this far behind the straight line from start to deadline: at risk
BATCH_SIZE = 2000


def compute_timeliness(*, status, progress, start, deadline, completed_on, last_report_on, today,
                       due_soon_days=DUE_SOON_DAYS, stale_days=STALE_DAYS):
    """The Assignment.Timeliness value for one assignment on `today`, against `deadline`.

    Order matters: cancelled and deadline-less work has no timeliness; finished work is judged by
    its completion date; unfinished work past its deadline is overdue; otherwise it is at risk when
    the deadline is near, when progress lags the straight line from start to deadline by more than
    BEHIND_SCHEDULE_POINTS, or when the last report (or the start, if never reported) is stale.
    Pending verification counts as unfinished: the assigning body has not accepted it yet.
    """
    if status == S.CANCELLED or deadline is None:
        return T.NOT_APPLICABLE
    if status == S.COMPLETED:
        return T.COMPLETED_ON_TIME if (completed_on or today) <= deadline else T.COMPLETED_LATE
    if today > deadline:
        return T.OVERDUE
    if (deadline - today).days <= due_soon_days:
        return T.AT_RISK
    if start is not None and start < today and start < deadline:
        expected = 100 * (today - start).days / (deadline - start).days
        if expected - (progress or 0) > BEHIND_SCHEDULE_POINTS:
            return T.AT_RISK
    reference = last_report_on or start
    if reference is not None and (today - reference).days > stale_days:
        return T.AT_RISK
    return T.ON_SCHEDULE


def start_of(*, start_date, task_start, plan_issued_on, created_at):
    """When the clock of an assignment starts: its own start, the task's, the plan's date, or its creation."""
    if start_date or task_start or plan_issued_on:
        return start_date or task_start or plan_issued_on
    if created_at is None:
        return None
    return timezone.localtime(created_at).date() if isinstance(created_at, datetime.datetime) else created_at


def timeliness_pair(*, status, progress, start, original_deadline, revised_deadline, completed_on, last_report_on,
                    today):
    """(timeliness against the revised-or-original deadline, timeliness against the original deadline)."""
    common = dict(status=status, progress=progress, start=start, completed_on=completed_on,
                  last_report_on=last_report_on, today=today)
    original = compute_timeliness(deadline=original_deadline, **common)
    if revised_deadline is None or revised_deadline == original_deadline:
        return original, original
    return compute_timeliness(deadline=revised_deadline, **common), original


_FIELDS = ("pk", "status", "progress", "start_date", "task__deadline_start", "task__plan__issued_on", "created_at",
           "original_deadline", "revised_deadline", "completed_on", "last_report_on", "timeliness",
           "timeliness_original")


def refresh_timeliness(queryset=None, today=None):
    """Recompute stored timeliness for `queryset` (default: every assignment); returns rows changed.

    Reads in primary-key batches and writes one UPDATE per distinct (timeliness, original) pair in a
    batch, only for rows whose values change, so a daily run over 150,000 mostly unchanged rows is
    a few hundred cheap queries and touches no `updated_at`.
    """
    today = today or timezone.localdate()
    base = (queryset if queryset is not None else Assignment.objects.all()).order_by("pk")
    changed = 0
    last_pk = 0
    while True:
        rows = list(base.filter(pk__gt=last_pk).values_list(*_FIELDS)[:BATCH_SIZE])
        if not rows:
            return changed
        last_pk = rows[-1][0]
        updates = defaultdict(list)
        for (pk, status, progress, start_date, task_start, plan_issued_on, created_at, original, revised,
             completed_on, last_report_on, stored, stored_original) in rows:
            start = start_of(start_date=start_date, task_start=task_start, plan_issued_on=plan_issued_on,
                             created_at=created_at)
            pair = timeliness_pair(status=status, progress=progress, start=start, original_deadline=original,
                                   revised_deadline=revised, completed_on=completed_on,
                                   last_report_on=last_report_on, today=today)
            if pair != (stored, stored_original):
                updates[pair].append(pk)
        for (value, original_value), pks in updates.items():
            Assignment.objects.filter(pk__in=pks).update(timeliness=value, timeliness_original=original_value)
            changed += len(pks)
        if len(rows) < BATCH_SIZE:
            return changed
