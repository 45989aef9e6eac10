"""Logins and logouts are writes too (last_login changes): record them in the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from nq57.audit.models import AuditEvent
from nq57.audit.services import record
from nq57.core import context as write_context


def _ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in, dispatch_uid="nq57_audit_login")
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic(), write_context.using(ip=_ip(request)):
        record(actor=user, obj=user, action=AuditEvent.Action.UPDATE, verb="logged_in",
               after={"last_login": user.last_login.isoformat() if user.last_login else None})


@receiver(user_logged_out, dispatch_uid="nq57_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    with transaction.atomic(), write_context.using(ip=_ip(request)):
        record(actor=user, obj=user, action=AuditEvent.Action.UPDATE, verb="logged_out")
