"""Deadlines of a submission's stages, in working days: the rules, the due date of a stage, and the clock every
page shows (running, due soon, overdue, paused, stopped).

Pure except `rules()`, which reads the `DeadlineRule` table once (a dozen rows); callers that handle many
submissions load the rules and the calendar once and pass them in.
"""

import datetime
from dataclasses import dataclass

# Used when neither a kind-specific nor a default rule exists for a stage (a rule was deleted).
FALLBACK_RULE = (10, 2, 3)
DUE_SOON_DAYS = 2  # "due soon" when no rules are given to `clock`

RUNNING, DUE_SOON, OVERDUE, PAUSED, STOPPED = "running", "due_soon", "overdue", "paused", "stopped"


def rules():
    """{(kind, stage): (working_days, remind_before, escalate_after)}; kind "" is the default of a stage."""
    from .models import DeadlineRule
    from .replay import active

    if active() is not None:
        return active().rules

    return {(kind or "", stage): (days, remind, escalate) for kind, stage, days, remind, escalate in
            DeadlineRule.objects.values_list("kind", "stage", "working_days", "remind_before", "escalate_after")}


def rule_for(kind, stage, rules):
    """The rule of `stage` for `kind`: a kind-specific rule beats the default one."""
    return rules.get((kind or "", stage)) or rules.get(("", stage)) or FALLBACK_RULE


def due_for(kind, stage, start, calendar, rules):
    """The last working day of `stage` started on `start` (day 1 is the first working day after `start`)."""
    return calendar.add(start, rule_for(kind, stage, rules)[0])


@dataclass(frozen=True)
class Clock:
    """Where a submission's current stage stands. `working_days_left` is negative (or 0 on the weekend right
    after the due date) once overdue, and the days kept while paused."""

    status: str
    due: datetime.date | None = None
    working_days_left: int | None = None

    @property
    def is_late(self):
        return self.status == OVERDUE


def clock(submission, today, calendar, rules=None):
    """The clock of `submission` on `today` (`rules` decides "due soon"; default DUE_SOON_DAYS)."""
    from .models import State

    if submission.state == State.WAITING_INFO:
        return Clock(PAUSED, None, submission.paused_remaining)
    due = submission.due_date
    if due is None:
        return Clock(STOPPED)
    if today > due:
        return Clock(OVERDUE, due, -calendar.between(due, today))
    left = calendar.between(today, due)
    soon = rule_for(submission.kind, submission.stage, rules)[1] if rules is not None else DUE_SOON_DAYS
    return Clock(DUE_SOON if left <= soon else RUNNING, due, left)
