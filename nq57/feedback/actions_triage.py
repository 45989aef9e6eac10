"""The standing office's steps (ASSIGN on the submission's intake): triage and routing, referral, grouping,
the council, closing, publication, contests, moderation and the FAQ."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.roles import Action

from . import notify as tell
from . import redaction, search, workflow
from .actions_agency import _answer_group
from .actions_base import (UPDATE, Context, answer_of, audit, event, local_day, lock, moment, move, require_any,
                           require_triage, snap, start_clock, stop_clock, text, user_or_none)
from .models import ANSWERED_STATES, EVALUABLE_KINDS, Contest, DuplicateGroup, Field, Handler, Kind, Stage, State

REASON_MAX = 10_000


def _title(msgid, submission):
    return format_lazy(gettext_lazy(msgid), code=submission.code)


def _required(value, field, message):
    value = text(value)
    if not value:
        raise ValidationError({field: message})
    if len(value) > REASON_MAX:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": REASON_MAX}})
    return value


def _under_intake(organisation, submission):
    return organisation.path.startswith(submission.intake.path)


@transaction.atomic
def route_submission(*, actor, submission, lead, cohandlers=(), kind=None, field=None, related_task=None,
                     related_indicator=None, note="", now=None):
    """Confirm type and field, link a task or indicator, route to a lead agency (+ co-handling agencies)."""
    from nq57.orgs.models import Organisation

    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    workflow.check(submission.state, "route")
    errors = {}
    if not isinstance(lead, Organisation):
        errors["lead"] = _("Choose the lead agency.")
    elif not _under_intake(lead, submission):
        errors["lead"] = _("Choose an agency under %(intake)s, or refer the submission to the competent body.") % {
            "intake": submission.intake.name}
    cohandlers = [o for o in dict.fromkeys(cohandlers or ()) if o is not None and o != lead]
    if any(not isinstance(o, Organisation) or not _under_intake(o, submission) for o in cohandlers):
        errors["cohandlers"] = _("Choose co-handling agencies under %(intake)s.") % {"intake": submission.intake.name}
    if kind is not None and kind not in Kind.values:
        errors["kind"] = _("Choose the type of the submission.")
    elif kind is not None and submission.confidential and kind not in EVALUABLE_KINDS:
        errors["kind"] = _("A confidential submission stays an initiative or a solution.")
    if field is not None and not isinstance(field, Field):
        errors["field"] = _("Choose a field.")
    if errors:
        raise ValidationError(errors)
    before = snap(submission)
    if kind is not None:
        submission.kind = kind
    if field is not None:
        submission.field = field
    if related_task is not None:
        submission.related_task = related_task
    if related_indicator is not None:
        submission.related_indicator = related_indicator
    submission.handlers.filter(active=True).update(active=False)
    Handler.objects.bulk_create([Handler(submission=submission, organisation=lead, role=Handler.Role.LEAD,
                                         routed_at=now)] +
                                [Handler(submission=submission, organisation=o, role=Handler.Role.COHANDLER,
                                         routed_at=now) for o in cohandlers])
    submission.lead_agency = lead
    submission.holder = lead
    move(submission, "route", actor=actor, now=now, kind="routed", note=note, organisation=lead)
    audit(actor, submission, UPDATE, before, "feedback_routed")
    tell.tell_staff(Action.REPORT, [lead, *cohandlers], actor=actor, kind="feedback_routed",
                    title=_title("Submission {code} was routed to your agency", submission),
                    body=submission.title, submission=submission)
    tell.tell_submitter(submission)
    return submission


@transaction.atomic
def refer_submission(*, actor, submission, referral, now=None):
    """Close as out of scope; `referral` tells the submitter which body is competent (shown publicly to them)."""
    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    workflow.check(submission.state, "refer")
    referral = _required(referral, "referral", _("Say which body is competent for this submission."))
    before = snap(submission)
    submission.referral = referral
    move(submission, "refer", actor=actor, now=now, kind="referred", public_note=referral)
    audit(actor, submission, UPDATE, before, "feedback_referred")
    tell.tell_submitter(submission, note=referral)
    return submission


@transaction.atomic
def group_submissions(*, actor, lead, members, now=None):
    """Group near-duplicates under `lead`: members wait in GROUPED and receive the lead's answer."""
    now = moment(now)
    lock(lead)
    require_triage(actor, lead)
    members = [m for m in dict.fromkeys(members or ()) if m.pk != lead.pk]
    if not members:
        raise ValidationError({"members": _("Choose the submissions to group with this one.")})
    if lead.state in (State.GROUPED, State.REFERRED, State.CLOSED):
        raise ValidationError({"lead": _("The lead of a group must be a submission that is still handled or "
                                         "answered.")})
    group, _created = DuplicateGroup.objects.get_or_create(lead=lead, defaults={"created_by": user_or_none(actor)})
    if lead.group_id != group.pk:
        lead_before = snap(lead)
        lead.group = group
        lead.save(update_fields=["group"])
        audit(actor, lead, UPDATE, lead_before, "feedback_group_lead")
    for member in members:
        lock(member)
        require_triage(actor, member)
        workflow.check(member.state, "group")
        if DuplicateGroup.objects.filter(lead=member, members__isnull=False).exclude(members=member).exists():
            raise ValidationError({"members": _("%(code)s leads a group of its own; group its members first.") % {
                "code": member.code}})
        before = snap(member)
        member.group = group
        move(member, "group", actor=actor, now=now, kind="grouped",
             public_note=_("Grouped with %(code)s: you will receive its answer.") % {"code": lead.code})
        audit(actor, member, UPDATE, before, "feedback_grouped")
        tell.tell_submitter(member, note=_("Your submission is handled together with %(code)s; you will receive "
                                           "its answer.") % {"code": lead.code})
    if lead.state in ANSWERED_STATES:
        _answer_group(lead, actor, now, Context())  # already answered: the newcomers get the answer now
    return group


@transaction.atomic
def ungroup_submission(*, actor, submission, now=None):
    """Take a member out of its group: back to triage."""
    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    workflow.check(submission.state, "ungroup")
    before = snap(submission)
    submission.group = None
    move(submission, "ungroup", actor=actor, now=now, kind="ungrouped")
    audit(actor, submission, UPDATE, before, "feedback_ungrouped")
    tell.tell_submitter(submission)
    return submission


@transaction.atomic
def send_to_council(*, actor, submission, note="", now=None):
    """An initiative or solution goes to the advisory council (stage REVIEW)."""
    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    workflow.check(submission.state, "send_to_council")
    if submission.kind not in EVALUABLE_KINDS:
        raise ValidationError(_("Only initiatives and solutions go to the advisory council."))
    before = snap(submission)
    move(submission, "send_to_council", actor=actor, now=now, kind="sent_to_council", note=note)
    audit(actor, submission, UPDATE, before, "feedback_sent_to_council")
    tell.tell_submitter(submission)
    return submission


@transaction.atomic
def close_submission(*, actor, submission, reason, now=None):
    """Close without an answer (empty, spam, withdrawn), with a reason."""
    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    workflow.check(submission.state, "close")
    reason = _required(reason, "reason", _("Say why the submission is closed."))
    before = snap(submission)
    move(submission, "close", actor=actor, now=now, kind="closed", note=reason)
    audit(actor, submission, UPDATE, before, "feedback_closed")
    tell.tell_submitter(submission, note=reason)
    return submission


def redacted_texts(submission, answer_text=""):
    """(title, content, answer) as they would be published: personal data removed unless the submitter
    consented, and contact data (phone, e-mail, ID numbers) removed always."""
    with translation.override(submission.language or "vi"):
        if submission.consent_publish:
            clean = redaction.redact_contacts
        else:
            names = [submission.submitter_name]

            def clean(value):
                return redaction.redact(value, names=names, extra=[submission.address])
        return clean(submission.title), clean(submission.content), clean(answer_text)


@transaction.atomic
def publish_submission(*, actor, submission, public_title=None, public_content=None, public_answer=None,
                       now=None):
    """Publish an answered submission with personal data removed unless consented (never a confidential or
    hidden one); the publisher may correct the automatic redaction. ASSIGN on the intake or APPROVE on the lead."""
    now = moment(now)
    lock(submission)
    require_any(actor, [(Action.ASSIGN, submission.intake), (Action.APPROVE, submission.lead_agency)])
    workflow.check(submission.state, "publish")
    if submission.confidential:
        raise ValidationError(_("A confidential submission is never published."))
    if submission.hidden:
        raise ValidationError(_("A hidden submission cannot be published."))
    answer = answer_of(submission)
    if answer is None:
        raise ValidationError(_("There is no approved answer to publish."))
    title, content, answer_text = redacted_texts(submission, answer.text)
    with translation.override(submission.language or "vi"):
        # Whatever the publisher corrects, contact data never goes out.
        if public_title is not None and text(public_title):
            title = redaction.redact_contacts(text(public_title))
        if public_content is not None and text(public_content):
            content = redaction.redact_contacts(text(public_content))
        if public_answer is not None and text(public_answer):
            answer_text = redaction.redact_contacts(text(public_answer))
    before = snap(submission)
    if answer.submission_id == submission.pk:
        answer_before = snap(answer)
        answer.public_text = answer_text
        answer.save(update_fields=["public_text"])
        audit(actor, answer, UPDATE, answer_before, "feedback_answer_published")
    submission.public_title = title[:300]
    submission.public_content = content
    submission.published_at = now
    move(submission, "publish", actor=actor, now=now, kind="published")
    audit(actor, submission, UPDATE, before, "feedback_published")
    tell.tell_submitter(submission)
    return submission


OUTCOME_STEPS = {Contest.Outcome.REOPENED: "reopen", Contest.Outcome.ESCALATED: "escalate",
                 Contest.Outcome.REJECTED: "uphold"}
_OUTCOME_ALIASES = {"reopen": Contest.Outcome.REOPENED, "escalate": Contest.Outcome.ESCALATED,
                    "uphold": Contest.Outcome.REJECTED}


def escalation_target(submission, escalate_to=None):
    """Where an escalated contest goes: `escalate_to`, else the lead agency's parent — never above the intake."""
    lead = submission.lead_agency
    if escalate_to is not None:
        if not _under_intake(escalate_to, submission):
            raise ValidationError({"escalate_to": _("Choose a body under %(intake)s.") % {
                "intake": submission.intake.name}})
        target = escalate_to
    else:
        parent = lead.parent if lead is not None else None
        target = parent if parent is not None and _under_intake(parent, submission) else submission.intake
    if lead is not None and target.pk == lead.pk:
        raise ValidationError({"escalate_to": _("The answer already comes from the highest level; reopen it or "
                                                "uphold it.")})
    return target


@transaction.atomic
def decide_contest(*, actor, contest, outcome, note="", escalate_to=None, now=None):
    """Reopen (the lead agency answers again), escalate (route to `escalate_to`, default the lead agency's
    parent) or uphold the answer."""
    now = moment(now)
    submission = lock(contest.submission)
    require_triage(actor, submission)
    contest.refresh_from_db()
    outcome = _OUTCOME_ALIASES.get(outcome, outcome)
    if outcome not in OUTCOME_STEPS:
        raise ValidationError({"outcome": _("Choose how the contest is decided.")})
    if contest.outcome != Contest.Outcome.PENDING:
        raise ValidationError(_("This contest has been decided already."))
    step = OUTCOME_STEPS[outcome]
    workflow.check(submission.state, step)
    note = text(note)
    before = snap(submission)
    ctx = Context()
    if outcome == Contest.Outcome.REOPENED:
        submission.holder = submission.lead_agency or submission.intake
        move(submission, step, actor=actor, now=now, kind="reopened", ctx=ctx, note=note, public_note=note,
             organisation=submission.lead_agency)
    elif outcome == Contest.Outcome.ESCALATED:
        target = escalation_target(submission, escalate_to)
        submission.handlers.filter(active=True, role=Handler.Role.LEAD).update(active=False)
        Handler.objects.create(submission=submission, organisation=target, role=Handler.Role.LEAD, routed_at=now)
        submission.lead_agency = target
        submission.holder = target
        move(submission, step, actor=actor, now=now, kind="escalated", ctx=ctx, note=note, public_note=note,
             organisation=target)
    else:
        state = State.PUBLISHED if submission.published_at else State.ANSWERED
        if state == State.ANSWERED and not submission.confidential:
            start_clock(submission, Stage.PUBLISH, local_day(now), ctx)
        else:
            stop_clock(submission, local_day(now))
        move(submission, step, actor=actor, now=now, kind="upheld", ctx=ctx, state=state, note=note,
             public_note=note, keep_clock=True)
    contest.outcome = outcome
    contest.decided_by = user_or_none(actor)
    contest.decided_at = now
    contest.decision_note = note
    contest.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])
    audit(actor, submission, UPDATE, before, f"feedback_contest_{outcome}")
    if outcome != Contest.Outcome.REJECTED and submission.lead_agency_id:
        tell.tell_staff(Action.REPORT, [submission.lead_agency], actor=actor, kind="feedback_contest_decided",
                        title=_title("Submission {code} needs a new answer after a contest", submission),
                        body=contest.reason[:500], submission=submission)
    tell.tell_submitter(submission, note=note)
    return contest


def _moderate(actor, submission, *, hidden, reason, now, verb):
    now = moment(now)
    lock(submission)
    require_triage(actor, submission)
    before = snap(submission)
    submission.hidden = hidden
    submission.hidden_reason = reason
    if not hidden:
        submission.pinned = submission.pinned and submission.is_public
    submission.save(update_fields=["hidden", "hidden_reason", "pinned"])
    event(submission, verb, actor=actor, now=now, note=reason)
    search.index_submissions([submission])
    audit(actor, submission, UPDATE, before, f"feedback_{verb}")
    return submission


@transaction.atomic
def hide_submission(*, actor, submission, reason, now=None):
    """Moderation: hide abusive content from public pages; the original stays (audit trail)."""
    reason = _required(reason, "reason", _("Say why the submission is hidden."))[:300]
    return _moderate(actor, submission, hidden=True, reason=reason, now=now, verb="hidden")


@transaction.atomic
def unhide_submission(*, actor, submission, now=None):
    return _moderate(actor, submission, hidden=False, reason="", now=now, verb="unhidden")


@transaction.atomic
def pin_submission(*, actor, submission, pinned=True):
    """Put a published answer in the FAQ (or take it out)."""
    lock(submission)
    require_triage(actor, submission)
    if pinned and not submission.is_public:
        raise ValidationError(_("Only a published answer can be put in the FAQ."))
    before = snap(submission)
    submission.pinned = bool(pinned)
    submission.save(update_fields=["pinned"])
    audit(actor, submission, UPDATE, before, "feedback_pinned" if pinned else "feedback_unpinned")
    return submission
