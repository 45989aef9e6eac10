"""The state machine of a submission, as data: which step may happen in which state, and where it leads.

Pure: `nq57.feedback.actions` asks `check(state, step)` before every write, and the tests walk the whole table
(every allowed transition and every forbidden one).
"""

from django.utils.translation import gettext_lazy as _

from .models import Stage, State

S = State

# step: (states it may start from, the state it leads to, the stage whose clock then runs or None)
# A target of None means "unchanged" (notes, drafts) or "decided by the action" (contest decisions).
TRANSITIONS = {
    # standing office (ASSIGN on the intake)
    "route": ({S.RECEIVED}, S.ROUTED, Stage.ACCEPT),
    "refer": ({S.RECEIVED}, S.REFERRED, None),
    "group": ({S.RECEIVED}, S.GROUPED, None),  # the member joins a lead's group
    "ungroup": ({S.GROUPED}, S.RECEIVED, Stage.TRIAGE),
    "send_to_council": ({S.RECEIVED}, S.UNDER_REVIEW, Stage.REVIEW),  # initiatives and solutions only
    "close": ({S.RECEIVED}, S.CLOSED, None),  # empty, spam or withdrawn
    "publish": ({S.ANSWERED}, S.PUBLISHED, None),
    "reopen": ({S.CONTESTED}, S.IN_PROGRESS, Stage.ANSWER),  # contest decided: the agency answers again
    "escalate": ({S.CONTESTED}, S.ROUTED, Stage.ACCEPT),  # contest decided: routed one level up
    "uphold": ({S.CONTESTED}, None, None),  # contest decided: the answer stands (back to answered/published)
    "decide": ({S.UNDER_REVIEW}, S.ANSWERED, Stage.PUBLISH),  # the council's recommendation is the answer
    # lead agency (REPORT on it)
    "accept": ({S.ROUTED}, S.IN_PROGRESS, Stage.ANSWER),
    "return_misrouted": ({S.ROUTED, S.IN_PROGRESS}, S.RECEIVED, Stage.TRIAGE),
    "pause": ({S.IN_PROGRESS}, S.WAITING_INFO, None),
    "resume": ({S.WAITING_INFO}, S.IN_PROGRESS, Stage.ANSWER),
    "draft_answer": ({S.IN_PROGRESS}, None, None),
    "submit_answer": ({S.IN_PROGRESS}, S.AWAITING_APPROVAL, Stage.APPROVE),
    # agency head (APPROVE on the lead agency)
    "approve_answer": ({S.AWAITING_APPROVAL}, S.ANSWERED, Stage.PUBLISH),
    "return_answer": ({S.AWAITING_APPROVAL}, S.IN_PROGRESS, Stage.ANSWER),
    # the submitter (through the private link)
    "rate": ({S.ANSWERED, S.PUBLISHED, S.CLOSED}, None, None),
    "contest": ({S.ANSWERED, S.PUBLISHED}, S.CONTESTED, Stage.CONTEST),
    "reply": ({S.WAITING_INFO}, S.IN_PROGRESS, Stage.ANSWER),
}

# Steps allowed in any state (they change no state): internal notes, moderation, FAQ pinning.
ANY_STATE_STEPS = {"note", "hide", "unhide", "pin", "unpin"}

STEP_LABELS = {
    "route": _("Route to an agency"),
    "refer": _("Close as out of scope and refer"),
    "group": _("Group with a similar submission"),
    "ungroup": _("Take out of the group"),
    "send_to_council": _("Send to the advisory council"),
    "close": _("Close"),
    "publish": _("Publish"),
    "reopen": _("Reopen for a new answer"),
    "escalate": _("Escalate one level"),
    "uphold": _("Uphold the answer"),
    "decide": _("Record the council's recommendation"),
    "accept": _("Accept"),
    "return_misrouted": _("Return as misrouted"),
    "pause": _("Ask the submitter for information"),
    "resume": _("Resume"),
    "draft_answer": _("Save the draft answer"),
    "submit_answer": _("Submit the answer for approval"),
    "approve_answer": _("Approve the answer"),
    "return_answer": _("Return the answer"),
    "rate": _("Rate the answer"),
    "contest": _("Contest the answer"),
    "reply": _("Reply with the information asked for"),
}


class TransitionError(Exception):
    """A step that the submission's state does not allow; the message is shown to the user."""


def allowed(state, step):
    if step in ANY_STATE_STEPS:
        return True
    sources, _target, _stage = TRANSITIONS[step]
    return state in sources


def check(state, step):
    """Raise TransitionError unless `step` may start from `state`."""
    if step not in TRANSITIONS and step not in ANY_STATE_STEPS:
        raise KeyError(step)
    if not allowed(state, step):
        raise TransitionError(
            _("This cannot be done while the submission is “%(state)s”.") % {"state": State(state).label})


def target(step):
    return TRANSITIONS[step][1]


def next_stage(step):
    return TRANSITIONS[step][2]


def steps_from(state):
    """Every step that may start from `state` (for the handling page's buttons)."""
    return [step for step, (sources, _t, _s) in TRANSITIONS.items() if state in sources]
