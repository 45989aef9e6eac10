"""Writes to reports and report schedules: request a report, generate it again, manage schedules.

Every function takes a keyword-only `actor` (None for the system: the scheduler), runs in one transaction,
checks permission through `can()` first, validates with translatable messages, writes an audit row and
enqueues the generation after commit, so the worker never looks for a row that is not there yet.

Who may do what: anyone holding VIEW on a scope may request its report (the report shows nothing the
person could not already open). Schedules e-mail the report outside the platform, to any address, every
period: creating, changing or deleting one takes APPROVE on the scope (leaders, standing offices, agency
heads), the people who answer for what leaves the organisation.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action

from . import periods
from .models import PeriodKind, Report, ReportSchedule

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE
FIRST_YEAR = 2020  # reports cover Resolution 57's time (2024 on) and a little before, for comparisons
MAX_EMAILS = 50
MAX_DAYS_AFTER = 60
# A report still waiting or running after this long lost its worker (a restart): it may be asked again.
STUCK_AFTER = datetime.timedelta(hours=1)
SCHEDULE_FIELDS = ("scope", "period_kind", "language", "emails", "recipients", "days_after", "active")


def _require(actor, action, obj):
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def _text(value):
    return (value or "").strip()


def _lines(value):
    """Non-empty stripped lines of a textarea."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _languages():
    from django.conf import settings

    return {code for code, _name in settings.LANGUAGES}


def _enqueue(report):
    from .tasks import generate_report

    report_id = report.pk
    transaction.on_commit(lambda: generate_report.enqueue(report_id), robust=True)


def period_bounds(kind, year, number, *, today=None):
    """(start, end) of a requested period, or ValidationError with messages for the form's fields."""
    today = today or timezone.localdate()
    if kind not in PeriodKind.values:
        raise ValidationError({"period_kind": _("Choose monthly, quarterly, six-monthly or yearly.")})
    if kind == PeriodKind.YEAR:
        number = 1
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise ValidationError({"year": _("Enter a year from %(first)d to %(last)d.")
                               % {"first": FIRST_YEAR, "last": today.year}})
    if not isinstance(number, int) or not 1 <= number <= periods.count(kind):
        raise ValidationError({"period_number": _("Enter a number from 1 to %(last)d for this kind of period.")
                               % {"last": periods.count(kind)}})
    start, end = periods.bounds(kind, year, number)
    if start > today:
        raise ValidationError({"period_number": _("This period has not started yet.")})
    return start, end


# --- Reports -----------------------------------------------------------------------------------------------


@transaction.atomic
def request_report(*, actor, scope, period_kind, year, period_number, language="vi", document_number="",
                   place="", recipients="", signer_title="", signer_name="", schedule=None):
    """Queue the report of `scope` for one period; the worker generates it (see tasks.generate_report)."""
    _require(actor, Action.VIEW, scope)
    start, end = period_bounds(period_kind, year, period_number)
    if language not in _languages():
        raise ValidationError({"language": _("Choose a language.")})
    report = Report.objects.create(
        scope=scope, period_kind=period_kind, period_start=start, period_end=end, language=language,
        number=_text(document_number)[:60], place=_text(place)[:100], recipients="\n".join(_lines(recipients)),
        signer_title=(signer_title or "").strip()[:200], signer_name=_text(signer_name)[:200],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None, schedule=schedule,
    )
    record(actor=actor, obj=report, action=CREATE, after=snapshot(report, fields=_REPORT_AUDIT),
           verb="report_requested")
    _enqueue(report)
    return report


_REPORT_AUDIT = ("scope", "period_kind", "period_start", "period_end", "language", "number", "place",
                 "recipients", "signer_title", "signer_name", "status", "schedule")


def is_stuck(report, now=None):
    """Waiting or running for longer than any report takes: its worker was lost."""
    now = now or timezone.now()
    if report.status == Report.Status.RUNNING:
        return report.started_at is None or now - report.started_at > STUCK_AFTER
    if report.status == Report.Status.QUEUED:
        return now - report.created_at > STUCK_AFTER
    return False


def may_retry(report, now=None):
    return report.status == Report.Status.FAILED or is_stuck(report, now)


@transaction.atomic
def retry_report(*, actor, report):
    """Generate a failed (or lost) report again, in place: the same request, a fresh run."""
    _require(actor, Action.VIEW, report)
    before = snapshot(report, fields=("status", "progress", "step", "error"))
    if not may_retry(report):
        raise ValidationError(_("This report is not waiting to be generated again."))
    # Conditional: two people pressing "Generate again" at once queue one run.
    reset = Report.objects.filter(pk=report.pk, status=report.status, started_at=report.started_at).update(
        status=Report.Status.QUEUED, progress=0, step="", error="", started_at=None, finished_at=None)
    if not reset:
        raise ValidationError(_("This report is not waiting to be generated again."))
    report.refresh_from_db()
    record(actor=actor, obj=report, action=UPDATE, before=before,
           after=snapshot(report, fields=("status", "progress", "step", "error")), verb="report_retried")
    _enqueue(report)
    return report


# --- Schedules ---------------------------------------------------------------------------------------------


def clean_emails(value):
    """The addresses of a textarea (one per line, also separated by commas or semicolons), checked."""
    text = (value or "").replace(",", "\n").replace(";", "\n")
    addresses, seen, bad = [], set(), []
    for line in _lines(text):
        try:
            validate_email(line)
        except ValidationError:
            bad.append(line)
            continue
        if line.lower() not in seen:
            seen.add(line.lower())
            addresses.append(line)
    if bad:
        raise ValidationError({"emails": _("These are not e-mail addresses: %(list)s") % {"list": ", ".join(bad[:5])}})
    if not addresses:
        raise ValidationError({"emails": _("Enter at least one e-mail address.")})
    if len(addresses) > MAX_EMAILS:
        raise ValidationError({"emails": _("Enter at most %(max)d addresses.") % {"max": MAX_EMAILS}})
    return addresses


def first_run_on(kind, days_after, today=None):
    """When a new (or changed) schedule first runs: after the period just ended when that is still ahead,
    else after the current period ends."""
    today = today or timezone.localdate()
    delay = datetime.timedelta(days=days_after)
    _start, last_end = periods.last_ended(kind, today)
    if last_end + delay >= today:
        return last_end + delay
    _start, current_end = periods.containing(kind, today)
    return current_end + delay


def _schedule_values(scope, period_kind, language, emails, recipients, days_after, active):
    errors = {}
    if period_kind not in PeriodKind.values:
        errors["period_kind"] = _("Choose monthly, quarterly, six-monthly or yearly.")
    if language not in _languages():
        errors["language"] = _("Choose a language.")
    if not isinstance(days_after, int) or not 0 <= days_after <= MAX_DAYS_AFTER:
        errors["days_after"] = _("Enter a number of days from 0 to %(max)d.") % {"max": MAX_DAYS_AFTER}
    try:
        addresses = clean_emails(emails)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        addresses = []
    if errors:
        raise ValidationError(errors)
    return {"scope": scope, "period_kind": period_kind, "language": language, "emails": "\n".join(addresses),
            "recipients": "\n".join(_lines(recipients)), "days_after": days_after, "active": bool(active)}


@transaction.atomic
def create_schedule(*, actor, scope, period_kind, emails, language="vi", recipients="", days_after=3, active=True):
    """E-mail the report of `scope` after each period of `period_kind` ends, `days_after` days later."""
    _require(actor, Action.APPROVE, scope)
    values = _schedule_values(scope, period_kind, language, emails, recipients, days_after, active)
    schedule = ReportSchedule.objects.create(
        **values, next_run_on=first_run_on(period_kind, days_after),
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record(actor=actor, obj=schedule, action=CREATE, after=snapshot(schedule), verb="report_schedule_created")
    return schedule


@transaction.atomic
def update_schedule(*, actor, schedule, scope, period_kind, emails, language="vi", recipients="", days_after=3,
                    active=True):
    """Change a schedule; its next run is worked out again when its period or delay changes."""
    _require(actor, Action.APPROVE, schedule)
    _require(actor, Action.APPROVE, scope)
    values = _schedule_values(scope, period_kind, language, emails, recipients, days_after, active)
    before = snapshot(schedule)
    retimed = (period_kind != schedule.period_kind or days_after != schedule.days_after
               or (values["active"] and not schedule.active))
    for name, value in values.items():
        setattr(schedule, name, value)
    if retimed:
        schedule.next_run_on = first_run_on(period_kind, days_after)
    schedule.save()
    after = snapshot(schedule)
    if after != before:
        record(actor=actor, obj=schedule, action=UPDATE, before=before, after=after, verb="report_schedule_updated")
    return schedule


@transaction.atomic
def delete_schedule(*, actor, schedule):
    """Stop a schedule; the reports it made stay (their link to it is cleared)."""
    _require(actor, Action.APPROVE, schedule)
    record(actor=actor, obj=schedule, action=DELETE, before=snapshot(schedule), verb="report_schedule_deleted",
           organisation=schedule.scope)
    schedule.delete()
