"""Audit writes. Service functions call these inside their own transaction."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from nq57.core import context as request_context

from .models import AuditEvent


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


SECRET_FIELDS = {"password", "key", "token", "secret"}


def snapshot(obj, fields=None):
    """The concrete field values of a model instance, JSON-ready; secrets are masked."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        name = field.attname if isinstance(field, models.ForeignKey) else field.name
        value = getattr(obj, name)
        if field.name in SECRET_FIELDS and value:
            value = "••••"
        data[field.name] = _plain(value)
    return data


def record(*, actor, obj, action, before=None, after=None, verb="", organisation=None, source=None, buffer=None):
    """Write one audit row for `obj`; must run inside the caller's transaction.

    With a `buffer` (a list), the row is built and appended instead of inserted: a bulk write (an upload
    of 10,000 values) inserts the rows with `flush_buffer` before its transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the write's transaction")
    ctx = request_context.current()
    if organisation is None:
        organisation = getattr(obj, "scope_organisation", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        actor=actor,
        actor_label=(actor.get_username() if actor else (ctx.get("actor_label") or "system"))[:200],
        source=source or ctx.get("source") or AuditEvent.Source.SYSTEM,
        action=action,
        verb=verb[:60],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        organisation=organisation,
        before=before,
        after=after,
        ip_address=ctx.get("ip"),
    )
    if buffer is not None:
        buffer.append(event)
    else:
        event.save(force_insert=True)
    return event


def flush_buffer(buffer):
    """Insert the audit rows collected by `record(..., buffer=…)`; call it inside the same transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.flush_buffer must be called inside the write's transaction")
    AuditEvent.objects.bulk_create(buffer, batch_size=500)
    buffer.clear()


def history_for(obj):
    """Audit rows for one object, newest first."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
