"""Scheduled jobs of the monitoring workflow: reminders, escalations and the daily timeliness refresh.

Registered in nq57.core.scheduler.SCHEDULE. Each notification carries a dedupe key naming the
assignment, the step and the deadline or period, so a job can run every hour (or twice at once)
without telling anyone twice, and an approved extension starts a fresh series. Assignments are
read in primary-key batches with their related rows joined, and the people to tell are looked up
once per batch, so a run over 150,000 assignments costs a number of queries proportional to the
batches, never to the rows. Each person gets one e-mail per run listing what is new.
"""

import calendar
import datetime
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import timezone
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from nq57.core.roles import Action
from nq57.notifications.services import Message, notify_many, send_notification_emails

from .actions import agency_label, lazy_date, page_url, people_by_organisation
from .models import Assignment, ProgressReport
from .timeliness import refresh_timeliness

OPEN_STATUSES = (Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS)
DEADLINE_REMINDER_DAYS = (7, 1)  # tell the agency a week before its deadline, then the day before
REPORT_REMINDER_DAYS = 7  # tell the agency a week before a reporting period ends
ESCALATE_TO_ASSIGNING_BODY_AFTER = 7  # days overdue before the assigning body is told
BATCH_SIZE = 2000
# The columns a reminder needs: tens of thousands of full rows would cost more to build than to read.
LEAN = ("id", "title", "organisation", "parent", "original_deadline", "revised_deadline", "task", "task__code",
        "task__title", "organisation__path", "organisation__name", "organisation__short_name")


def _as_date(value):
    if value is None:
        return timezone.localdate()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def period_end(frequency, day):
    """Last day of the reporting period (month, quarter, half or year) that contains `day`."""
    last_month = {"month": day.month, "quarter": 3 * ((day.month - 1) // 3 + 1),
                  "half": 6 if day.month <= 6 else 12, "year": 12}[frequency]
    return datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def previous_period_end(frequency, day):
    """Last day of the period before the one that contains `day`."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[frequency]
    end = period_end(frequency, day)
    first_month = end.month - months + 1
    return datetime.date(end.year, first_month, 1) - datetime.timedelta(days=1)


def _batches(queryset):
    """The rows of `queryset` in primary-key batches: one query finds them all, one per batch loads them."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        yield list(queryset.filter(pk__in=ids[start:start + BATCH_SIZE]).order_by("pk"))


def _store(messages):
    """Store one batch of messages in its own transaction; returns the ids of the new notifications."""
    with transaction.atomic():
        return [n.pk for n in notify_many(messages, email=False)]


def _with_deadline(queryset):
    return queryset.annotate(due=Coalesce("revised_deadline", "original_deadline"))


def remind_deadlines(today):
    """Tell the agency's reporters about deadlines a week ahead and the day before; returns new notification ids."""
    horizon = today + datetime.timedelta(days=max(DEADLINE_REMINDER_DAYS))
    assignments = (_with_deadline(Assignment.objects.filter(status__in=OPEN_STATUSES, task__removed=False))
                   .filter(due__gte=today, due__lte=horizon).select_related("task", "organisation").only(*LEAN))
    created = []
    for rows in _batches(assignments):
        people = people_by_organisation(Action.REPORT, {a.organisation for a in rows})
        messages = []
        for a in rows:
            step = min(d for d in DEADLINE_REMINDER_DAYS if (a.due - today).days <= d)
            title = format_lazy(gettext_lazy("Task {code} for {agency} is due on {date}"), code=a.task.code,
                                agency=agency_label(a), date=lazy_date(a.due))
            key = f"due{step}:{a.pk}:{a.due.isoformat()}"
            messages += [Message(user=u, kind="deadline_reminder", title=title, body=a.title or a.task.title,
                                 url=partial(page_url, a), dedupe_key=key) for u in people.get(a.organisation_id, [])]
        created += _store(messages)
    return created


def remind_reports(today):
    """Tell the agency's reporters that a reporting period is ending and its report is not in yet."""
    created = []
    for frequency in ("month", "quarter", "half", "year"):
        end = period_end(frequency, today)
        if (end - today).days > REPORT_REMINDER_DAYS:
            continue
        reported = ProgressReport.objects.filter(
            assignment=OuterRef("pk"), period_end__gt=previous_period_end(frequency, today),
            status__in=[ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED])
        assignments = (Assignment.objects.filter(status__in=OPEN_STATUSES, task__removed=False,
                                                 task__plan__reporting_frequency=frequency)
                       .filter(~Exists(reported)).select_related("task", "organisation").only(*LEAN))
        for rows in _batches(assignments):
            people = people_by_organisation(Action.REPORT, {a.organisation for a in rows})
            messages = []
            for a in rows:
                title = format_lazy(gettext_lazy("Progress report on task {code} for {agency}: the period ends on "
                                                 "{date}"), code=a.task.code, agency=agency_label(a),
                                    date=lazy_date(end))
                key = f"report_due:{a.pk}:{end.isoformat()}"
                messages += [Message(user=u, kind="report_reminder", title=title, url=partial(page_url, a),
                                     dedupe_key=key) for u in people.get(a.organisation_id, [])]
            created += _store(messages)
    return created


def escalate(today):
    """Overdue work goes to the agency's approvers, then after a week to the assigning body; once each.

    The assigning body of a national plan may face tens of thousands of overdue assignments: it gets one
    digest per plan and week (with a link to the overdue list), not one message per assignment.
    """
    assignments = (_with_deadline(Assignment.objects.filter(status__in=OPEN_STATUSES, task__removed=False))
                   .filter(due__lt=today).select_related("task__plan__owner", "organisation", "parent__organisation")
                   .only(*LEAN, "task__plan", "task__plan__owner", "task__plan__owner__path", "task__plan__title",
                         "task__plan__number", "parent__organisation", "parent__organisation__path"))
    created = []
    late_by_plan = {}
    for rows in _batches(assignments):
        late = [a for a in rows if (today - a.due).days > ESCALATE_TO_ASSIGNING_BODY_AFTER]
        heads = people_by_organisation(
            Action.APPROVE, {a.organisation for a in rows} | {a.parent.organisation for a in late if a.parent_id})
        messages = []
        for a in rows:
            days = (today - a.due).days
            title = format_lazy(gettext_lazy("Task {code} for {agency} is overdue: the deadline was {date}"),
                                code=a.task.code, agency=agency_label(a), date=lazy_date(a.due))
            messages += [Message(user=u, kind="overdue", title=title, url=partial(page_url, a),
                                 dedupe_key=f"overdue1:{a.pk}:{a.due.isoformat()}")
                         for u in heads.get(a.organisation_id, [])]
            if days <= ESCALATE_TO_ASSIGNING_BODY_AFTER:
                continue
            if a.parent_id:
                # A sub-task escalates to the heads of the agency that delegated it.
                title = format_lazy(gettext_lazy("Escalation: task {code} for {agency} is {days} days overdue"),
                                    code=a.task.code, agency=agency_label(a), days=days)
                messages += [Message(user=u, kind="escalation", title=title, url=partial(page_url, a),
                                     dedupe_key=f"overdue2:{a.pk}:{a.due.isoformat()}")
                             for u in heads.get(a.parent.organisation_id, [])]
            else:
                plan = a.task.plan
                late_by_plan.setdefault(plan.pk, [plan, 0])[1] += 1
        created += _store(messages)
    if late_by_plan:
        owners = people_by_organisation(Action.ASSIGN, {plan.owner for plan, _count in late_by_plan.values()})
        year, week, _weekday = today.isocalendar()
        messages = []
        for plan, count in late_by_plan.values():
            title = format_lazy(
                gettext_lazy("Escalation: {count} assignments of {plan} are more than {days} days overdue"),
                count=count, plan=plan.number or plan.title, days=ESCALATE_TO_ASSIGNING_BODY_AFTER)
            url = reverse("plans:tasks", args=[plan.pk]) + "?view=assignments&timeliness=overdue"
            messages += [Message(user=u, kind="escalation", title=title, url=url,
                                 dedupe_key=f"overdue2:plan{plan.pk}:{year}-W{week:02d}")
                         for u in owners.get(plan.owner_id, [])]
        created += _store(messages)
    return created


@task()
def send_reminders(today=None):
    """Deadline and reporting reminders (runs hourly; each reminder is sent once)."""
    today = _as_date(today)
    deadlines = remind_deadlines(today)
    reports = remind_reports(today)
    emails = send_notification_emails(deadlines + reports)
    return {"deadline_reminders": len(deadlines), "report_reminders": len(reports), "emails": emails}


@task()
def escalate_overdue(today=None):
    """Escalations of overdue assignments (runs hourly; each step is sent once per deadline)."""
    today = _as_date(today)
    created = escalate(today)
    return {"escalations": len(created), "emails": send_notification_emails(created)}


@task()
def refresh_all_timeliness(today=None):
    """Recompute every assignment's timeliness: it changes with the calendar even when nothing is reported."""
    return {"changed": refresh_timeliness(today=_as_date(today))}
