"""Periodic jobs: a registry of (name, task path, interval) and the loop that enqueues due ones.

Several workers may run; each due run is claimed by a conditional UPDATE on its
`next_run_at`, which is safe on SQLite and PostgreSQL, so a job is enqueued once.
"""

import datetime
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Later issues append here: ("deadline_reminders", "nq57.plans.tasks.send_reminders", timedelta(hours=1)).
SCHEDULE = [
    ("housekeeping", "nq57.core.tasks.housekeeping", datetime.timedelta(hours=6)),
    ("deadline_reminders", "nq57.plans.tasks.send_reminders", datetime.timedelta(hours=1)),
    ("overdue_escalation", "nq57.plans.tasks.escalate_overdue", datetime.timedelta(hours=1)),
    ("timeliness_refresh", "nq57.plans.tasks.refresh_all_timeliness", datetime.timedelta(hours=6)),
    ("kpi_value_reminders", "nq57.indicators.tasks.send_value_reminders", datetime.timedelta(hours=1)),
    ("feedback_deadlines", "nq57.feedback.tasks.process_feedback_deadlines", datetime.timedelta(hours=1)),
    ("report_schedules", "nq57.reports.tasks.run_report_schedules", datetime.timedelta(hours=1)),
    # The worker keeps the leaders' dashboards computed (see settings.NQ57_DASHBOARD_REFRESH_MINUTES).
    ("dashboard_refresh", "nq57.dashboards.tasks.refresh_dashboards",
     datetime.timedelta(minutes=settings.NQ57_DASHBOARD_REFRESH_MINUTES)),
]


def enqueue_due(now=None):
    """Enqueue every job whose time has come; returns the names enqueued."""
    from .models import ScheduledJob

    now = now or timezone.now()
    enqueued = []
    for name, task_path, interval in SCHEDULE:
        job, _ = ScheduledJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
        if job.next_run_at > now:
            continue
        claimed = ScheduledJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
            next_run_at=now + interval, last_enqueued_at=now
        )
        if claimed:
            import_string(task_path).enqueue()
            enqueued.append(name)
    return enqueued


def run_forever(stop_event: threading.Event, every_seconds=30):
    while not stop_event.is_set():
        try:
            names = enqueue_due()
            if names:
                log.info("scheduled jobs enqueued: %s", ", ".join(names))
        except Exception:  # keep the scheduler alive; the error is logged with its traceback
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop_event.wait(every_seconds)
