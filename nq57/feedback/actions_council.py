"""The workflow step "decide" (UNDER_REVIEW → ANSWERED): the council's recommendation becomes the submission's
approved answer. Called by `evaluation.record_decision`, which checks the rights and stores the decision; kept
beside the `actions_*` modules because the `actions` contract has no service for this step, and built from the
same pieces as `actions_agency.approve_answer` (the clock, the timeline, the statistics, the group, who is told).
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy

from . import notify as tell
from .actions_agency import _answer_group, _record_answered
from .actions_base import CREATE, UPDATE, Context, audit, local_day, moment, move, snap, stop_clock, user_or_none
from .models import Answer, Follower

STEP = "decide"


@transaction.atomic
def decide_submission(*, actor, submission, text, now=None):
    """Answer `submission` (locked and permission-checked by the caller) with the council's decision `text`: an
    approved Answer of the intake, state ANSWERED, the publication clock (none when confidential), the timeline
    Event, the statistics (on time against the review deadline), the group members, submitter and followers
    told."""
    from . import workflow

    now = moment(now)
    workflow.check(submission.state, STEP)
    before = snap(submission)
    user = user_or_none(actor)
    version = (submission.answers.aggregate(last=Max("version"))["last"] or 0) + 1
    submission.answers.filter(status=Answer.Status.APPROVED).update(status=Answer.Status.SUPERSEDED)
    answer = Answer.objects.create(submission=submission, organisation=submission.intake, version=version,
                                   text=text, status=Answer.Status.APPROVED, drafted_by=user, approved_by=user,
                                   approved_at=now)
    audit(actor, answer, CREATE, None, "feedback_council_answer")
    ctx = Context()
    if submission.answer_due is None:
        submission.answer_due = submission.due_date  # the council's deadline is the one the answer is held to
    _record_answered(submission, now, ctx)
    note = gettext_lazy("The advisory council has made its recommendation.")
    if submission.confidential:
        stop_clock(submission, local_day(now))
        move(submission, STEP, actor=actor, now=now, kind="answered", ctx=ctx, keep_clock=True,
             organisation=submission.intake, public_note=str(note))
    else:
        move(submission, STEP, actor=actor, now=now, kind="answered", ctx=ctx, organisation=submission.intake,
             public_note=str(note))
    audit(actor, submission, UPDATE, before, "feedback_decided")
    followers = list(Follower.objects.filter(submission=submission).values_list("email", flat=True))
    tell.tell_submitter(submission, note=note, extra_emails=followers)
    _answer_group(submission, actor, now, ctx)
    return answer
