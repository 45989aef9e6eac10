"""Every write on feedback: one transaction each, an explicit actor, an audit row, a timeline Event, side
effects (notifications, e-mail to the submitter) on commit. Views, the demo and the tests all call these.

CONTRACT (keep the signatures; callers use `from nq57.feedback import actions; actions.X`):
- Errors the user can fix raise `django.core.exceptions.ValidationError` (field-keyed where a form field is
  at fault) or `workflow.TransitionError`; a missing permission raises `django.core.exceptions.PermissionDenied`.
- `actor=None` is the system (demo loader, commands, jobs) and skips permission checks; an anonymous user is
  refused like anyone without the right.
- `now=` (a datetime) lets the demo and the tests write history in the past; default `timezone.now()`.
- Each step sets `state`, `stage`, `stage_started_on`, `due_date` (via `deadlines`), resets `reminded_for` and
  `escalation_level` when the stage changes, and writes one `Event` (public unless said otherwise).

Who may (`actions_base`): triage, referral, grouping, the council, closing, contests, moderation and the FAQ need
ASSIGN on the submission's intake; the lead agency's steps REPORT on it (notes: also a co-handling agency); the
head's steps APPROVE on it; publishing ASSIGN on the intake or APPROVE on the lead agency; taxonomy, rules and
holidays ASSIGN or CHANGE_ORG on the root.

The implementation is split by who acts:
- `actions_public`: submit_submission, submission_for_key, follow_submission, reply_with_information,
  rate_answer, contest_answer (and `clean_submission`, the form's validation, usable on its own).
- `actions_triage`: route_submission, refer_submission, group_submissions, ungroup_submission, send_to_council,
  close_submission, publish_submission (`redacted_texts` previews the redaction), decide_contest,
  hide_submission, unhide_submission, pin_submission.
- `actions_agency`: accept_submission, return_misrouted, pause_submission, resume_submission, add_note,
  save_answer, approve_answer, return_answer.
- `actions_settings`: save_answer_template, delete_answer_template, save_field, save_deadline_rule,
  save_holiday, delete_holiday.
"""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported for callers)

from .actions_agency import (accept_submission, add_note, approve_answer, pause_submission,  # noqa: F401
                             resume_submission, return_answer, return_misrouted, save_answer)
from .actions_base import answer_of  # noqa: F401
from .actions_public import (clean_submission, contest_answer, follow_submission, rate_answer,  # noqa: F401
                             reply_with_information, submission_for_key, submit_submission)
from .actions_settings import (delete_answer_template, delete_holiday, save_answer_template,  # noqa: F401
                               save_deadline_rule, save_field, save_holiday)
from .actions_triage import (close_submission, decide_contest, group_submissions, hide_submission,  # noqa: F401
                             pin_submission, publish_submission, redacted_texts, refer_submission,
                             route_submission, send_to_council, ungroup_submission, unhide_submission)
from .workflow import TransitionError  # noqa: F401

__all__ = [
    "PermissionDenied", "ValidationError", "TransitionError", "answer_of",
    "submit_submission", "submission_for_key", "clean_submission", "follow_submission", "reply_with_information",
    "rate_answer", "contest_answer",
    "route_submission", "refer_submission", "group_submissions", "ungroup_submission", "send_to_council",
    "close_submission", "publish_submission", "redacted_texts", "decide_contest", "hide_submission",
    "unhide_submission", "pin_submission",
    "accept_submission", "return_misrouted", "pause_submission", "resume_submission", "add_note", "save_answer",
    "approve_answer", "return_answer",
    "save_answer_template", "delete_answer_template", "save_field", "save_deadline_rule", "save_holiday",
    "delete_holiday",
]
