"""Background work of reports: generate one report (Word, PDF, Excel), and run the report schedules.

`run_report` does the whole generation synchronously and is what tests call; `generate_report` is the task
the worker runs. A report is claimed with a conditional UPDATE (queued → running), so two workers never
generate the same report, on SQLite as on PostgreSQL. Progress is written with UPDATEs of its own columns
(committed at once: the worker runs outside any transaction) so the page polling it sees it move.
"""

import datetime
import decimal
import importlib
import io
import json
import logging
import time

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import periods
from .mail import report_title, send_report
from .models import Report, ReportSchedule

log = logging.getLogger(__name__)

# (format, writer module, progress when it starts, what the page says meanwhile). build() takes 0–80 %.
WRITERS = [
    ("docx", "nq57.reports.docx_writer", 80, gettext_noop("Writing the Word document")),
    ("pdf", "nq57.reports.pdf_writer", 88, gettext_noop("Writing the PDF")),
    ("xlsx", "nq57.reports.xlsx_writer", 95, gettext_noop("Writing the Excel tables")),
]
SAVING = 99
PROGRESS_EVERY = 1.0  # seconds between two progress writes, unless the step changes


class ProgressRecorder:
    """The `progress(percent, step)` callback given to build(): an UPDATE of progress and step, throttled."""

    def __init__(self, report_id, started_at, every=PROGRESS_EVERY):
        self.report_id, self.started_at, self.every = report_id, started_at, every
        self.percent, self.step, self.saved_at = 0, None, 0.0

    def __call__(self, percent, step=None):
        percent = max(self.percent, min(int(percent), SAVING))  # never backwards, 100 only when done
        step = self.step if step is None else str(step)[:200]
        now = time.monotonic()
        if step == self.step and (percent == self.percent or now - self.saved_at < self.every):
            self.percent = percent
            return
        self.percent, self.step, self.saved_at = percent, step, now
        self.save(percent, step or "")

    def save(self, percent, step):
        Report.objects.filter(pk=self.report_id, status=Report.Status.RUNNING,
                              started_at=self.started_at).update(progress=percent, step=step)


def claim(report_id, now=None):
    """Mark a queued report running; returns the time it was claimed at, or None if another run has it."""
    now = now or timezone.now()
    claimed = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(
        status=Report.Status.RUNNING, started_at=now, progress=0, step="", error="", finished_at=None)
    return now if claimed else None


def _writer(module_path):
    return importlib.import_module(module_path)


class _FiguresEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


def _plain(figures):
    # Decimals as numbers, dates as ISO strings: the figures are the report's machine-readable record.
    return json.loads(json.dumps(figures or {}, cls=_FiguresEncoder))


def _user_language(user, default):
    return getattr(user, "language", "") or default


def failure_message(exc, language):
    """What the page says about a failure: the service's own message for a refusal, else a plain sentence
    (the traceback is in the log, not shown)."""
    with translation.override(language):
        if isinstance(exc, ValidationError):
            return " ".join(exc.messages)
        return _("The report could not be generated because of an error on the server. The error was recorded "
                 "for the administrators; try again later.")


def run_report(report_id):
    """Generate report `report_id` now: content, three files, figures; returns the Report, or None when it
    was not waiting (another worker has it, or it is done)."""
    from . import content

    started_at = claim(report_id)
    if started_at is None:
        log.info("report %s not claimed: not waiting", report_id)
        return None
    report = Report.objects.select_related("scope", "requested_by", "schedule").get(pk=report_id)
    progress = ProgressRecorder(report.pk, started_at)
    stored = []
    try:
        with translation.override(report.language):
            progress(0, _("Gathering the figures"))
        result = content.build(report, progress)
        files = {}
        for fmt, module_path, percent, step in WRITERS:
            with translation.override(report.language):
                progress(percent, _(step))
            stream = io.BytesIO()
            _writer(module_path).write(result, stream)
            files[fmt] = stream.getvalue()
        with translation.override(report.language):
            progress(SAVING, _("Saving the files"))
        names = {}
        for fmt, data in files.items():
            field = getattr(report, fmt)
            names[fmt] = field.storage.save(field.field.generate_filename(report, f"report.{fmt}"),
                                            ContentFile(data))
            stored.append((field.storage, names[fmt]))
        figures = _plain(result.figures)
        with transaction.atomic():
            # Conditional on our claim: a run declared lost and started again must not be overwritten.
            finished = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING, started_at=started_at).update(
                status=Report.Status.DONE, progress=100, step="", error="", figures=figures,
                finished_at=timezone.now(), **names)
            if finished:
                report.refresh_from_db()
                _tell_requester(report, done=True)
        if not finished:
            _delete(stored)
            return None
    except Exception as exc:  # any failure ends the run as failed; the worker keeps going
        log.exception("report %s failed", report_id)
        _delete(stored)
        language = _user_language(report.requested_by, report.language)
        with transaction.atomic():
            failed = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING, started_at=started_at).update(
                status=Report.Status.FAILED, step="", error=failure_message(exc, language), finished_at=timezone.now())
            if failed:
                report.refresh_from_db()
                _tell_requester(report, done=False)
        return report
    if report.schedule_id:
        _email_schedule(report)
    return report


def _delete(stored):
    for storage, name in stored:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete %s", name)


def _tell_requester(report, *, done):
    """An in-app notification (and its e-mail) to whoever asked for the report; for a scheduled report,
    to the schedule's author when it failed."""
    from nq57.notifications.services import notify

    user = report.requested_by
    if user is None and not done and report.schedule_id:
        user = report.schedule.created_by
    if user is None:
        return

    def title():
        values = {"title": report_title(report, translation.get_language())}
        return (_("Your report is ready: %(title)s") if done else _("Your report could not be generated: %(title)s")) \
            % values

    notify(user, kind="report_ready" if done else "report_failed", title=title,
           body=report.error if not done else "", url=report.get_absolute_url())


def _email_schedule(report):
    addresses = [line.strip() for line in report.schedule.emails.splitlines() if line.strip()]
    try:
        send_report(report, addresses)
    except Exception:  # the report is done; a mail server's refusal is logged, not a failed report
        log.exception("report %s: sending to the schedule's addresses failed", report.pk)


@task()
def generate_report(report_id):
    """Generate one report (the worker's side of reports:new and of the schedules)."""
    report = run_report(report_id)
    return {"report": report_id, "status": report.status if report else "skipped"}


# --- Schedules ---------------------------------------------------------------------------------------------


def due_period(schedule, today):
    """(start, end) of the latest period whose report is due by `today` (its end plus the schedule's delay)."""
    last_day = today - datetime.timedelta(days=schedule.days_after)
    start, end = periods.containing(schedule.period_kind, last_day)
    if end > last_day:
        start, end = periods.previous(schedule.period_kind, start)
    return start, end


def next_run_after(schedule, period_end):
    """The day the report of the period after the one ending `period_end` is due."""
    _start, end = periods.containing(schedule.period_kind, period_end + datetime.timedelta(days=1))
    return end + datetime.timedelta(days=schedule.days_after)


def run_schedule(schedule, today):
    """Queue the due report of one schedule and move its next run on; returns the Report, or None when
    another run claimed it or the report of that period exists already."""
    from .actions import request_report

    start, end = due_period(schedule, today)
    with transaction.atomic():
        # The claim: whoever moves next_run_on from the value read creates the report.
        claimed = ReportSchedule.objects.filter(pk=schedule.pk, active=True, next_run_on=schedule.next_run_on).update(
            next_run_on=next_run_after(schedule, end))
        if not claimed:
            return None
        if Report.objects.filter(schedule=schedule, period_kind=schedule.period_kind, period_start=start).exists():
            return None
        try:
            return request_report(actor=None, scope=schedule.scope, period_kind=schedule.period_kind,
                                  year=start.year, period_number=periods.number_of(schedule.period_kind, start),
                                  language=schedule.language, recipients=schedule.recipients, schedule=schedule)
        except ValidationError:
            log.exception("report schedule %s: the due report could not be requested", schedule.pk)
            return None


def run_schedules(today=None):
    """Queue the reports of every active schedule that is due; returns the ids of the reports queued."""
    today = today or timezone.localdate()
    queued = []
    for schedule in ReportSchedule.objects.filter(active=True, next_run_on__lte=today).select_related("scope"):
        report = run_schedule(schedule, today)
        if report is not None:
            queued.append(report.pk)
    return queued


@task()
def run_report_schedules():
    """The scheduler's hourly job: queue the due scheduled reports (each is generated and e-mailed by
    generate_report)."""
    return {"queued": run_schedules()}
