"""Background tasks of the foundation. Later issues add reminders, escalations, reports, imports."""

import datetime

from django.tasks import task
from django.utils import timezone


@task()
def housekeeping():
    """Forget login failures older than a day (lockouts last minutes; the audit trail keeps the rest)."""
    from nq57.accounts.models import LoginFailure

    cutoff = timezone.now() - datetime.timedelta(days=1)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return {"login_failures_deleted": deleted}


@task()
def send_mail_task(subject, body, recipients):
    """Send one e-mail from the worker so a slow mail server never blocks a page."""
    from django.core.mail import send_mail

    return send_mail(subject, body, None, recipients)
