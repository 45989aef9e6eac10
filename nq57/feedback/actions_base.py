"""Shared pieces of the feedback service functions: who may, moving a submission one step through the state
machine (state, stage clock, timeline Event), the audit snapshot. Used by the `actions_*` modules (and by
`evaluation` for the council's steps); callers outside the app use `nq57.feedback.actions`.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.workdays import current as _database_calendar

from . import deadlines, search, workflow
from .models import Answer, Event, State, Submission
from .replay import active as active_replay

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE
ROOT_CODE = "BCDTW"
# States in which no clock runs: the submission waits for nobody (or for the lead of its group).
CLOCKLESS_STATES = {State.PUBLISHED, State.REFERRED, State.CLOSED, State.GROUPED}
_NOT_AUDITED = {"access_key_hash", "search_text"}


def current_calendar():
    """The working-day calendar (read once for a whole replay of history)."""
    replay = active_replay()
    return replay.calendar if replay is not None else _database_calendar()


# --- who may ---------------------------------------------------------------------------------------------------


def user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def require(actor, action, obj):
    """`actor=None` is the system (demo loader, commands, scheduled jobs); anyone else needs the right."""
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def require_any(actor, pairs):
    """PermissionDenied unless `actor` holds one of the (action, object) pairs."""
    if actor is None:
        return
    if not any(obj is not None and can(actor, action, obj) for action, obj in pairs):
        raise PermissionDenied


def require_triage(actor, submission):
    """Standing-office steps: ASSIGN on the submission's intake."""
    require(actor, Action.ASSIGN, submission.intake)


def require_agency(actor, submission):
    """Lead-agency steps: REPORT on the lead agency."""
    if submission.lead_agency_id is None:
        require(actor, Action.ASSIGN, submission.intake)  # never reached through the workflow; stay closed
        return
    require(actor, Action.REPORT, submission.lead_agency)


def require_head(actor, submission):
    """The agency head's steps: APPROVE on the lead agency."""
    if submission.lead_agency_id is None:
        require(actor, Action.ASSIGN, submission.intake)
        return
    require(actor, Action.APPROVE, submission.lead_agency)


def root_organisation():
    from nq57.orgs.models import Organisation

    return (Organisation.objects.filter(code=ROOT_CODE).first()
            or Organisation.objects.filter(parent__isnull=True).order_by("path").first())


# --- small helpers ---------------------------------------------------------------------------------------------


def text(value):
    # PostgreSQL refuses NUL in text; no one means to store it.
    return str(value or "").replace("\x00", "").strip()


def moment(now):
    return now or timezone.now()


def local_day(now):
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


def lock(submission):
    """Re-read under a row lock so two people cannot move it through the same step twice."""
    submission.refresh_from_db(from_queryset=Submission.objects.select_for_update())
    return submission


def snap(obj):
    data = snapshot(obj)
    for name in _NOT_AUDITED:
        data.pop(name, None)
    return data


def audit(actor, obj, action, before, verb, after=None):
    return record(actor=user_or_none(actor), obj=obj, action=action, before=before,
                  after=after if after is not None else snap(obj), verb=verb)


class Context:
    """The calendar and the deadline rules, loaded once for a step (or a loop)."""

    def __init__(self, calendar=None, rules=None):
        self.calendar = calendar or current_calendar()
        self.rules = rules if rules is not None else deadlines.rules()


# --- one step of the state machine -----------------------------------------------------------------------------


def start_clock(submission, stage, today, ctx):
    """Start `stage`'s clock on `today`: a new due date; reminders and escalation start afresh."""
    submission.stage = stage
    submission.stage_started_on = today
    submission.due_date = deadlines.due_for(submission.kind, stage, today, ctx.calendar, ctx.rules)
    submission.paused_remaining = None
    submission.reminded_for = None
    submission.escalation_level = 0


def stop_clock(submission, today):
    submission.stage_started_on = today
    submission.due_date = None
    submission.reminded_for = None
    submission.escalation_level = 0


def move(submission, step, *, actor, now, kind, ctx=None, state=None, stage=None, note="", public_note="",
         public=True, organisation=None, check=True, keep_clock=False):
    """Move `submission` through `step`: check the table, set the state and the stage clock, save, write the
    timeline Event. `state`/`stage` override the table's target (for steps whose target is decided by the
    action); `keep_clock` leaves the clock as the caller set it (pause, resume). Returns the Event; the caller
    audits."""
    if check:
        workflow.check(submission.state, step)
    ctx = ctx or Context()
    today = local_day(now)
    if step in workflow.TRANSITIONS:
        new_state = state or workflow.target(step)
        new_stage = stage if stage is not None else workflow.next_stage(step)
    else:
        new_state, new_stage = state, stage
    if new_state is not None:
        submission.state = new_state
    if keep_clock:
        pass
    elif new_stage is not None:
        start_clock(submission, new_stage, today, ctx)
    elif new_state is not None and new_state in CLOCKLESS_STATES:
        stop_clock(submission, today)
    submission.save()
    search.index_submissions([submission])  # what the public may find changes with the state
    return Event.objects.create(
        submission=submission, kind=kind, at=now, actor=user_or_none(actor), organisation=organisation,
        state=submission.state, stage=submission.stage if submission.due_date else (new_stage or ""),
        due_date=submission.due_date, note=text(note), public=public, public_note=text(public_note))


def event(submission, kind, *, actor, now, note="", public=False, public_note="", organisation=None):
    """A timeline row for a step that changes no state (a note, a draft, a rating, moderation)."""
    return Event.objects.create(
        submission=submission, kind=kind, at=now, actor=user_or_none(actor), organisation=organisation,
        state=submission.state, stage=submission.stage if submission.due_date else "", due_date=submission.due_date,
        note=text(note), public=public, public_note=text(public_note))


def pause_clock(submission, today, ctx):
    """Stop the clock and keep the working days that were left (none when already overdue)."""
    remaining = ctx.calendar.between(today, submission.due_date) if submission.due_date else \
        deadlines.rule_for(submission.kind, submission.stage, ctx.rules)[0]
    submission.paused_remaining = max(0, remaining)
    submission.due_date = None
    submission.stage_started_on = today  # the day the pause began: resuming extends the answer deadline by it
    submission.reminded_for = None
    submission.escalation_level = 0


def resume_clock(submission, today, ctx):
    """Restart a paused clock with the days it kept; the answer deadline of the statistics moves by the pause."""
    remaining = submission.paused_remaining
    if remaining is None:
        remaining = deadlines.rule_for(submission.kind, submission.stage, ctx.rules)[0]
    if submission.answer_due and submission.stage_started_on:
        paused = max(0, ctx.calendar.between(submission.stage_started_on, today))
        submission.answer_due = ctx.calendar.add(submission.answer_due, paused)
    submission.due_date = ctx.calendar.add(today, remaining)
    submission.paused_remaining = None
    submission.stage_started_on = today
    submission.reminded_for = None
    submission.escalation_level = 0


def answer_of(submission):
    """The approved answer that stands for `submission`: its own, or its group lead's."""
    answer = submission.answers.filter(status=Answer.Status.APPROVED).order_by("-version").first()
    if answer is None and submission.group_id and submission.group.lead_id != submission.pk:
        answer = submission.group.lead.answers.filter(status=Answer.Status.APPROVED).order_by("-version").first()
    return answer
