"""The lead agency's steps (accept, return as misrouted, ask the submitter, notes, the answer) and its head's
(approve or return the answer)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.permissions import can
from nq57.core.roles import Action

from . import notify as tell
from . import workflow
from .actions_base import (CREATE, UPDATE, Context, audit, event, local_day, lock, moment, move, pause_clock,
                           require_agency, require_head, resume_clock, snap, stop_clock, text, user_or_none)
from .models import Answer, AnswerTemplate, Event, Follower, Handler, Note, State, Submission

NOTE_MAX = 10_000
ANSWER_MAX = 50_000


def _title(msgid, submission):
    return format_lazy(gettext_lazy(msgid), code=submission.code)


def _required(value, field, message, limit):
    value = text(value)
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": limit}})
    return value


@transaction.atomic
def accept_submission(*, actor, submission, now=None):
    """The lead agency takes the submission on: the answer clock starts."""
    now = moment(now)
    lock(submission)
    require_agency(actor, submission)
    workflow.check(submission.state, "accept")
    before = snap(submission)
    move(submission, "accept", actor=actor, now=now, kind="accepted", organisation=submission.lead_agency)
    if submission.answer_due is None:
        submission.answer_due = submission.due_date
        submission.save(update_fields=["answer_due"])
    submission.handlers.filter(role=Handler.Role.LEAD, active=True).update(accepted_at=now)
    audit(actor, submission, UPDATE, before, "feedback_accepted")
    tell.tell_submitter(submission)
    return submission


@transaction.atomic
def return_misrouted(*, actor, submission, reason, now=None):
    """Back to triage with a reason; counted in `misroute_count`."""
    now = moment(now)
    lock(submission)
    require_agency(actor, submission)
    workflow.check(submission.state, "return_misrouted")
    reason = _required(reason, "reason", _("Say why this submission is not for your agency."), NOTE_MAX)
    before = snap(submission)
    agency = submission.lead_agency
    submission.handlers.filter(active=True, role=Handler.Role.LEAD).update(active=False, returned_at=now,
                                                                          return_reason=reason)
    submission.handlers.filter(active=True).update(active=False)
    submission.misroute_count += 1
    submission.lead_agency = None
    submission.holder = submission.intake
    move(submission, "return_misrouted", actor=actor, now=now, kind="returned", note=reason, organisation=agency)
    audit(actor, submission, UPDATE, before, "feedback_returned_misrouted")
    tell.tell_staff(Action.ASSIGN, [submission.intake], actor=actor, kind="feedback_misrouted",
                    title=format_lazy(gettext_lazy("{agency} returned {code} as misrouted"), code=submission.code,
                                      agency=agency.short_name or agency.name),
                    body=reason[:500], submission=submission)
    tell.tell_submitter(submission)
    return submission


@transaction.atomic
def pause_submission(*, actor, submission, question, now=None):
    """Ask the submitter for information: the clock stops (remaining working days kept)."""
    now = moment(now)
    lock(submission)
    require_agency(actor, submission)
    workflow.check(submission.state, "pause")
    question = _required(question, "question", _("Write the question for the submitter."), NOTE_MAX)
    before = snap(submission)
    pause_clock(submission, local_day(now), Context())
    move(submission, "pause", actor=actor, now=now, kind="paused", public_note=question, keep_clock=True,
         organisation=submission.lead_agency)
    audit(actor, submission, UPDATE, before, "feedback_paused")
    tell.tell_submitter(submission, note=_("%(question)s\n\nPlease answer through the private link of your "
                                           "submission.") % {"question": question})
    return submission


@transaction.atomic
def resume_submission(*, actor, submission, note="", now=None):
    """Staff resume a paused submission (the submitter did not answer, or answered by phone)."""
    now = moment(now)
    lock(submission)
    require_agency(actor, submission)
    workflow.check(submission.state, "resume")
    before = snap(submission)
    ctx = Context()
    resume_clock(submission, local_day(now), ctx)
    move(submission, "resume", actor=actor, now=now, kind="resumed", ctx=ctx, note=note, keep_clock=True,
         organisation=submission.lead_agency)
    audit(actor, submission, UPDATE, before, "feedback_resumed")
    tell.tell_submitter(submission)
    return submission


def _note_organisation(actor, submission):
    """The handling agency the author writes for: the lead, else an active co-handling agency in their scope."""
    handlers = list(submission.handlers.filter(active=True).select_related("organisation")
                    .order_by("role", "pk"))  # "cohandler" < "lead": look at the lead first below
    handlers.sort(key=lambda h: h.role != Handler.Role.LEAD)
    if actor is None:
        return handlers[0].organisation if handlers else submission.holder
    for handler in handlers:
        if can(actor, Action.REPORT, handler.organisation):
            return handler.organisation
    if can(actor, Action.ASSIGN, submission.intake):  # the standing office notes its triage
        return submission.intake
    raise PermissionDenied


@transaction.atomic
def add_note(*, actor, submission, text="", now=None):
    """An internal note of the lead or a co-handling agency."""
    now = moment(now)
    organisation = _note_organisation(actor, submission)
    body = _required(text, "text", _("Write the note."), NOTE_MAX)
    note = Note.objects.create(submission=submission, organisation=organisation, author=user_or_none(actor),
                               text=body)
    if now:
        Note.objects.filter(pk=note.pk).update(created_at=now)
        note.created_at = now
    audit(actor, note, CREATE, None, "feedback_note_added", after={"submission": submission.pk, "text": body})
    return note


def _editable_answer(submission):
    return (submission.answers.filter(status__in=[Answer.Status.DRAFT, Answer.Status.RETURNED])
            .order_by("-version").first())


@transaction.atomic
def save_answer(*, actor, submission, text="", template=None, submit=False, now=None):
    """Create or update the draft answer; with submit=True it goes to the agency head (stage APPROVE)."""
    now = moment(now)
    lock(submission)
    require_agency(actor, submission)
    workflow.check(submission.state, "submit_answer" if submit else "draft_answer")
    body = _required(text, "text", _("Write the answer."), ANSWER_MAX)
    if template is not None and not isinstance(template, AnswerTemplate):
        raise ValidationError({"template": _("Choose an answer template.")})
    before = snap(submission)
    answer = _editable_answer(submission)
    if answer is None:
        version = (submission.answers.aggregate(v=Max("version"))["v"] or 0) + 1
        answer = Answer(submission=submission, organisation=submission.lead_agency, version=version)
        answer_before = None
    else:
        answer_before = snap(answer)
    answer.text = body
    answer.template = template or answer.template
    answer.drafted_by = user_or_none(actor) or answer.drafted_by
    answer.status = Answer.Status.SUBMITTED if submit else Answer.Status.DRAFT
    answer.save()
    audit(actor, answer, UPDATE if answer_before else CREATE, answer_before,
          "feedback_answer_submitted" if submit else "feedback_answer_drafted")
    if submit:
        move(submission, "submit_answer", actor=actor, now=now, kind="answer_submitted",
             organisation=submission.lead_agency)
        audit(actor, submission, UPDATE, before, "feedback_answer_submitted")
        tell.tell_staff(Action.APPROVE, [submission.lead_agency], actor=actor, kind="feedback_answer_submitted",
                        title=_title("The answer to {code} awaits your approval", submission), body=body[:500],
                        submission=submission)
        tell.tell_submitter(submission)
    else:
        event(submission, "answer_drafted", actor=actor, now=now, organisation=submission.lead_agency)
    return answer


def _submitted_answer(actor, answer):
    submission = lock(answer.submission)
    require_head(actor, submission)
    answer.refresh_from_db()
    if answer.status != Answer.Status.SUBMITTED:
        raise ValidationError(_("Only an answer awaiting approval can be approved or returned."))
    return submission


@transaction.atomic
def approve_answer(*, actor, answer, now=None):
    """Approve: the submission is answered (on time or not is recorded), the submitter, every member of its
    group and every follower are told; then stage PUBLISH (unless confidential)."""
    now = moment(now)
    submission = _submitted_answer(actor, answer)
    workflow.check(submission.state, "approve_answer")
    before, answer_before = snap(submission), snap(answer)
    submission.answers.filter(status=Answer.Status.APPROVED).update(status=Answer.Status.SUPERSEDED)
    answer.status = Answer.Status.APPROVED
    answer.approved_by = user_or_none(actor)
    answer.approved_at = now
    answer.save(update_fields=["status", "approved_by", "approved_at"])
    audit(actor, answer, UPDATE, answer_before, "feedback_answer_approved")
    ctx = Context()
    _record_answered(submission, now, ctx)
    if submission.confidential:
        stop_clock(submission, local_day(now))
        move(submission, "approve_answer", actor=actor, now=now, kind="answered", ctx=ctx, keep_clock=True,
             organisation=submission.lead_agency)
    else:
        move(submission, "approve_answer", actor=actor, now=now, kind="answered", ctx=ctx,
             organisation=submission.lead_agency)
    audit(actor, submission, UPDATE, before, "feedback_answered")
    if answer.drafted_by_id:
        tell.tell_people([answer.drafted_by], actor=actor, kind="feedback_answer_approved",
                         title=_title("The answer to {code} was approved", submission), url=tell.staff_url(submission))
    tell.tell_submitter(submission)
    tell.tell_followers(submission, list(Follower.objects.filter(submission=submission)
                                         .values_list("email", flat=True)))
    _answer_group(submission, actor, now, ctx)
    return answer


def _record_answered(submission, now, ctx):
    """The first answer counts for the statistics: when, whether on time, and how many working days it took."""
    if submission.answered_at is not None:
        return
    day = local_day(now)
    submission.answered_at = now
    submission.answered_on_time = day <= submission.answer_due if submission.answer_due else None
    submission.days_to_answer = max(0, ctx.calendar.between(local_day(submission.received_at), day))


def _answer_group(lead, actor, now, ctx):
    """Every member waiting in the lead's group is answered with it (never silently merged: each is told)."""
    if not lead.group_id:
        return
    members = list(Submission.objects.filter(group_id=lead.group_id, state=State.GROUPED).exclude(pk=lead.pk))
    events = []
    for member in members:
        before = snap(member)
        _record_answered(member, now, ctx)
        member.state = State.ANSWERED
        member.lead_agency = member.lead_agency or lead.lead_agency
        stop_clock(member, local_day(now))
        member.save()
        events.append(Event(submission=member, kind="answered", at=now, actor=user_or_none(actor),
                            organisation=lead.lead_agency, state=member.state, stage="",
                            public_note=_("Answered together with %(code)s.") % {"code": lead.code}))
        audit(actor, member, UPDATE, before, "feedback_answered_with_group")
        tell.tell_submitter(member, note=_("Your submission was answered together with %(code)s.") % {
            "code": lead.code})
        tell.tell_followers(member, list(member.followers.values_list("email", flat=True)))
    Event.objects.bulk_create(events)


@transaction.atomic
def return_answer(*, actor, answer, comment, now=None):
    """The head sends the answer back for changes: the agency answers again."""
    now = moment(now)
    submission = _submitted_answer(actor, answer)
    workflow.check(submission.state, "return_answer")
    comment = _required(comment, "comment", _("Say what should change in the answer."), NOTE_MAX)
    before, answer_before = snap(submission), snap(answer)
    answer.status = Answer.Status.RETURNED
    answer.return_comment = comment
    answer.save(update_fields=["status", "return_comment"])
    audit(actor, answer, UPDATE, answer_before, "feedback_answer_returned")
    move(submission, "return_answer", actor=actor, now=now, kind="answer_returned", note=comment, public=False,
         organisation=submission.lead_agency)
    audit(actor, submission, UPDATE, before, "feedback_answer_returned")
    if answer.drafted_by_id:
        tell.tell_people([answer.drafted_by], actor=actor, kind="feedback_answer_returned",
                         title=_title("The answer to {code} was returned for changes", submission),
                         body=comment[:500], url=tell.staff_url(submission))
    tell.tell_submitter(submission)
    return answer

