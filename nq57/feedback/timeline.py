"""The timeline a submitter and the public see: each step, its date, the deadline it set (in working days) and
whether that deadline was met. Pure: built from the submission's Events, today and the working-day calendar.

A step that sets a due date starts a clock; the clock stops at the next step that changes the stage or the due
date (or stops the clock). A stopped clock was met when it stopped on or before its due date; a running one is
"running" or "overdue" today.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Stage, State

MET, MISSED, RUNNING, OVERDUE = "met", "missed", "running", "overdue"

# Event kinds as the services write them → what the timeline says; unknown kinds show the state reached.
KIND_LABELS = {
    "received": pgettext_lazy("feedback event", "Received"),
    "routed": _("Routed to an agency"),
    "rerouted": _("Routed again"),
    "accepted": _("Accepted by the agency"),
    "returned": _("Returned as misrouted"),
    "paused": _("Information asked of the submitter"),
    "resumed": _("Handling resumed"),
    "replied": _("The submitter replied"),
    "answer_submitted": _("Answer submitted for approval"),
    "answer_returned": _("Answer returned for changes"),
    "answered": pgettext_lazy("feedback event", "Answered"),
    "published": pgettext_lazy("feedback event", "Published"),
    "rated": _("Answer rated by the submitter"),
    "contested": _("Answer contested"),
    "reopened": _("Reopened for a new answer"),
    "escalated": _("Escalated one level"),
    "upheld": _("Answer upheld"),
    "referred": _("Out of scope, referred"),
    "grouped": _("Grouped with a similar submission"),
    "ungrouped": _("Taken out of a group"),
    "sent_to_council": _("Sent to the advisory council"),
    "decided": _("Council recommendation recorded"),
    "closed": pgettext_lazy("feedback event", "Closed"),
    "hidden": _("Hidden by a moderator"),
    "unhidden": _("Shown again"),
}


@dataclass
class Row:
    """One step of the timeline."""

    event: object
    label: str
    state_label: str
    stage_label: str = ""
    due: object = None  # the due date the step set
    allowed_days: int | None = None  # working days from the step to that due date
    ended_on: object = None  # the day the clock stopped (None: still running)
    outcome: str = ""  # MET, MISSED, RUNNING, OVERDUE or "" (no clock)

    @property
    def on(self):
        return timezone.localdate(self.event.at)

    @property
    def outcome_label(self):
        return OUTCOME_LABELS.get(self.outcome, "")


def _label(event):
    label = KIND_LABELS.get(event.kind)
    if label is None:
        label = State(event.state).label if event.state in State.values else event.kind
    return label


def build(events, *, today, calendar, current_due=None):
    """Rows for `events` (in order). `current_due` is the submission's due date now: a clock still open at the
    last event is only "running" if it is the current one (otherwise it stopped without a later event)."""
    events = list(events)
    rows = []
    for index, event in enumerate(events):
        row = Row(event=event, label=_label(event),
                  state_label=State(event.state).label if event.state in State.values else "",
                  stage_label=Stage(event.stage).label if event.stage in Stage.values else "")
        rows.append(row)
        if not event.due_date or (index and events[index - 1].due_date == event.due_date
                                  and events[index - 1].stage == event.stage):
            continue  # no clock, or the clock of an earlier step simply goes on
        start = timezone.localdate(event.at)
        row.due = event.due_date
        row.allowed_days = calendar.between(start, event.due_date)
        end = next((later for later in events[index + 1:]
                    if later.due_date != event.due_date or later.stage != event.stage), None)
        if end is not None:
            row.ended_on = timezone.localdate(end.at)
            row.outcome = MET if row.ended_on <= event.due_date else MISSED
        elif current_due == event.due_date:
            row.outcome = OVERDUE if today > event.due_date else RUNNING
    return rows


OUTCOME_LABELS = {
    MET: _("Deadline met"),
    MISSED: _("Deadline missed"),
    RUNNING: _("In progress"),
    OVERDUE: _("Overdue"),
}
