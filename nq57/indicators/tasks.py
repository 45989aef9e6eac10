"""Scheduled jobs of KPI reporting: reminders before a value is due and escalation when it is late.

Registered in nq57.core.scheduler.SCHEDULE (hourly). People get one notification per organisation and due
date, listing how many values are owed, not one per indicator; each carries a dedupe key naming the
organisation, the step and the due date, so a run can repeat without telling anyone twice.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from nq57.core.roles import Action
from nq57.notifications.services import Message, notify_many, send_notification_emails
from nq57.orgs.models import Organisation
from nq57.plans.actions import lazy_date, people_by_organisation
from nq57.plans.tasks import _as_date

from .calendar import owed_by

REMIND_DAYS_BEFORE = 3  # tell the reporters three days before a value is due
LOOKBACK_DAYS = 120  # periods that ended longer ago were reminded and escalated already


def outstanding(today):
    """{(organisation, due_on): [Owed, …]} of values not yet submitted or approved, for recent periods."""
    since = today - datetime.timedelta(days=LOOKBACK_DAYS)
    groups = defaultdict(list)
    for root in Organisation.objects.filter(parent__isnull=True):
        for owed in owed_by(root, today, since=since):
            if owed.value is None or owed.value.status in ("draft", "returned"):
                groups[(owed.organisation, owed.due_on)].append(owed)
    return groups


def remind_and_escalate(today):
    """Reminders to the reporters before the due date; after the grace days, the agency's approvers are told.
    Returns the ids of the new notifications."""
    groups = outstanding(today)
    soon = {key: rows for key, rows in groups.items()
            if 0 <= (key[1] - today).days <= REMIND_DAYS_BEFORE}
    late = {key: rows for key, rows in groups.items()
            if (today - key[1]).days > rows[0].indicator.grace_days}
    organisations = {org for org, _due in soon} | {org for org, _due in late}
    reporters = people_by_organisation(Action.REPORT, organisations)
    heads = people_by_organisation(Action.APPROVE, organisations)
    url = reverse("indicators:inbox")
    messages = []
    for (org, due), rows in soon.items():
        title = format_lazy(gettext_lazy("{count} KPI values of {agency} are due on {date}"), count=len(rows),
                            agency=org.short_name or org.name, date=lazy_date(due))
        messages += [Message(user=u, kind="kpi_reminder", title=title, url=url,
                             dedupe_key=f"kpi_due:{org.pk}:{due.isoformat()}") for u in reporters.get(org.pk, [])]
    for (org, due), rows in late.items():
        title = format_lazy(gettext_lazy("{count} KPI values of {agency} are late: they were due on {date}"),
                            count=len(rows), agency=org.short_name or org.name, date=lazy_date(due))
        messages += [Message(user=u, kind="kpi_late", title=title, url=url,
                             dedupe_key=f"kpi_late:{org.pk}:{due.isoformat()}") for u in heads.get(org.pk, [])]
    with transaction.atomic():
        return [n.pk for n in notify_many(messages, email=False)]


@task()
def send_value_reminders(today=None):
    """KPI value reminders and escalations (runs hourly; each is sent once per organisation and due date)."""
    created = remind_and_escalate(_as_date(today))
    return {"kpi_notifications": len(created), "emails": send_notification_emails(created)}
