"""Every write on feedback: one transaction each, an explicit actor, an audit row, a timeline Event, side
effects (notifications, e-mail to the submitter) on commit. Views, the demo and the tests all call these.

CONTRACT (written before the implementation; keep the signatures):
- Errors the user can fix raise `django.core.exceptions.ValidationError` (field-keyed where a form field is
  at fault) or `workflow.TransitionError`; a missing permission raises `django.core.exceptions.PermissionDenied`.
- `now=` (a datetime) lets the demo and the tests write history in the past; default `timezone.now()`.
- Each step sets `state`, `stage`, `stage_started_on`, `due_date` (via `deadlines`), resets `reminded_for` and
  `escalation_level` when the stage changes, and writes one `Event` (public unless said otherwise).
"""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported for callers)


# --- Public side (actor may be None or an anonymous user) -----------------------------------------------------

def submit_submission(*, actor, data, files=(), client_ip="", intake=None, now=None):
    """Receive a submission from the public form (or the demo/bench). `data` holds the form's cleaned fields:
    kind, field (Field), title, content, related_document, related_article, submitter_kind, submitter_name,
    submitter_organisation, address, phone, email, citizen_id, consent_publish, confidential, language.
    `files` are UploadedFiles (checked by `attachments.check_upload`). Validates required contact (phone or
    e-mail), the citizen ID (12 digits), rate limits (`ratelimit`), then creates the Submission with its code
    PAKN-YYYY-NNNNNN (from CodeSequence), the search text, the SHA-256 fingerprint when confidential, the triage
    clock, and the "received" Event; e-mails the receipt on commit when an e-mail was given.
    Returns (submission, access_key): the key of the private link, shown once and e-mailed."""
    raise NotImplementedError


def submission_for_key(code, key):
    """The submission whose code and private key match (constant-time compare), or None."""
    raise NotImplementedError


def follow_submission(*, submission, email, now=None):
    """Someone follows an existing public (or consented) submission instead of repeating it."""
    raise NotImplementedError


def reply_with_information(*, submission, text, files=(), now=None):
    """The submitter answers the agency's question (private link): the clock resumes (`reply`)."""
    raise NotImplementedError


def rate_answer(*, submission, satisfied, comment="", now=None):
    """The submitter rates the answer (private link); the latest rating counts."""
    raise NotImplementedError


def contest_answer(*, submission, reason, now=None):
    """The submitter contests the answer with a reason: to the standing office (stage CONTEST)."""
    raise NotImplementedError


# --- Standing office: triage (ASSIGN on the submission's intake) ----------------------------------------------

def route_submission(*, actor, submission, lead, cohandlers=(), kind=None, field=None, related_task=None,
                     related_indicator=None, note="", now=None):
    """Confirm type and field, link a task or indicator, route to a lead agency (+ co-handling agencies)."""
    raise NotImplementedError


def refer_submission(*, actor, submission, referral, now=None):
    """Close as out of scope; `referral` tells the submitter which body is competent (shown publicly to them)."""
    raise NotImplementedError


def group_submissions(*, actor, lead, members, now=None):
    """Group near-duplicates under `lead`: members wait in GROUPED and receive the lead's answer."""
    raise NotImplementedError


def ungroup_submission(*, actor, submission, now=None):
    """Take a member out of its group: back to triage."""
    raise NotImplementedError


def send_to_council(*, actor, submission, note="", now=None):
    """An initiative or solution goes to the advisory council (stage REVIEW)."""
    raise NotImplementedError


def close_submission(*, actor, submission, reason, now=None):
    """Close without an answer (empty, spam, withdrawn), with a reason."""
    raise NotImplementedError


def publish_submission(*, actor, submission, public_title=None, public_content=None, public_answer=None,
                       now=None):
    """Publish an answered submission with personal data removed (`redaction`) unless the submitter consented;
    the texts default to the automatic redaction and may be corrected by the publisher. Never a confidential
    or hidden one. ASSIGN on the intake or APPROVE on the lead agency."""
    raise NotImplementedError


def decide_contest(*, actor, contest, outcome, note="", escalate_to=None, now=None):
    """Reopen (the lead agency answers again), escalate (route to `escalate_to`, default the lead agency's
    parent) or uphold the answer."""
    raise NotImplementedError


def hide_submission(*, actor, submission, reason, now=None):
    """Moderation: hide abusive content from public pages; the original stays (audit trail)."""
    raise NotImplementedError


def unhide_submission(*, actor, submission, now=None):
    raise NotImplementedError


def pin_submission(*, actor, submission, pinned=True):
    """Put a published answer in the FAQ (or take it out)."""
    raise NotImplementedError


# --- Lead agency (REPORT on it) -------------------------------------------------------------------------------

def accept_submission(*, actor, submission, now=None):
    raise NotImplementedError


def return_misrouted(*, actor, submission, reason, now=None):
    """Back to triage with a reason; counted in `misroute_count`."""
    raise NotImplementedError


def pause_submission(*, actor, submission, question, now=None):
    """Ask the submitter for information: the clock stops (remaining working days kept)."""
    raise NotImplementedError


def resume_submission(*, actor, submission, note="", now=None):
    """Staff resume a paused submission (the submitter did not answer, or answered by phone)."""
    raise NotImplementedError


def add_note(*, actor, submission, text, now=None):
    """An internal note of the lead or a co-handling agency."""
    raise NotImplementedError


def save_answer(*, actor, submission, text, template=None, submit=False, now=None):
    """Create or update the draft answer; with submit=True it goes to the agency head (stage APPROVE)."""
    raise NotImplementedError


# --- Agency head (APPROVE on the lead agency) -----------------------------------------------------------------

def approve_answer(*, actor, answer, now=None):
    """Approve: the submission is answered (on time or not is recorded), the submitter, every member of its
    group and every follower are told; then stage PUBLISH (unless confidential)."""
    raise NotImplementedError


def return_answer(*, actor, answer, comment, now=None):
    raise NotImplementedError


# --- Templates, taxonomy, rules, holidays ---------------------------------------------------------------------

def save_answer_template(*, actor, organisation, title, body, field=None, template=None):
    raise NotImplementedError


def delete_answer_template(*, actor, template):
    raise NotImplementedError


def save_field(*, actor, code, name, name_en="", group="other", description="", active=True, sort_order=0,
               instance=None):
    """Create or edit a field of the taxonomy (ASSIGN on the root)."""
    raise NotImplementedError


def save_deadline_rule(*, actor, kind, stage, working_days, remind_before=2, escalate_after=3):
    raise NotImplementedError


def save_holiday(*, actor, date, kind, name, note=""):
    """Add or change a day of the working-day calendar (ASSIGN or CHANGE_ORG on the root)."""
    raise NotImplementedError


def delete_holiday(*, actor, holiday):
    raise NotImplementedError
