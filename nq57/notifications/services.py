"""Creating notifications: an in-app row per person, and an e-mail sent by the worker after commit.

Titles and bodies may be lazy strings (gettext_lazy, format_lazy) or callables: they are rendered
in each recipient's own language, and only for notifications actually stored (a URL may be a
callable for the same reason). A `dedupe_key` makes a notification happen once per person,
however often a scheduled job runs.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Notification

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
EMAIL_LIST_LIMIT = 20  # titles listed in one digest e-mail; the rest are counted


@dataclass
class Message:
    """One notification for one person, before it is rendered and stored."""

    user: object
    kind: str
    title: object
    body: object = ""
    url: str = ""
    dedupe_key: str = ""


def _render(value):
    if callable(value):
        value = value()
    return str(value) if value is not None else ""


def _language(user):
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify(users, *, kind, title, body="", url="", email=True, dedupe_key=""):
    """Notify each of `users` (a User, or an iterable of them); returns the notifications created.

    With a `dedupe_key`, a person who already has a notification with that key gets nothing new.
    """
    if users is None:
        return []
    if hasattr(users, "pk"):
        users = [users]
    messages = [Message(user=u, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key) for u in users]
    return notify_many(messages, email=email)


def notify_many(messages, *, email=True):
    """Store many notifications with a fixed number of queries per batch; e-mail each person once on commit."""
    messages = _unique(messages)
    messages = _drop_existing(messages)
    if not messages:
        return []
    rows = []
    by_language = defaultdict(list)
    for message in messages:
        by_language[_language(message.user)].append(message)
    for language, group in by_language.items():
        with translation.override(language):
            for m in group:
                rows.append(Notification(user=m.user, kind=m.kind[:40], title=_render(m.title)[:300],
                                         body=_render(m.body), url=_render(m.url)[:500],
                                         dedupe_key=(m.dedupe_key or "")[:200]))
    created = _insert(rows)
    if email and created:
        ids = [n.pk for n in created if getattr(n.user, "email", "")]
        if ids:
            transaction.on_commit(lambda: send_notification_emails(ids), robust=True)
    return created


def _unique(messages):
    seen = set()
    kept = []
    for m in messages:
        if m.user is None or not getattr(m.user, "is_active", True):
            continue
        key = (m.user.pk, m.dedupe_key) if m.dedupe_key else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        kept.append(m)
    return kept


def _drop_existing(messages):
    keyed = [m for m in messages if m.dedupe_key]
    if not keyed:
        return messages
    existing = set()
    for start in range(0, len(keyed), BATCH_SIZE):
        batch = keyed[start:start + BATCH_SIZE]
        existing.update(Notification.objects.filter(
            user_id__in={m.user.pk for m in batch}, dedupe_key__in={m.dedupe_key for m in batch},
        ).values_list("user_id", "dedupe_key"))
    return [m for m in messages if not m.dedupe_key or (m.user.pk, m.dedupe_key) not in existing]


def _insert(rows):
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    except IntegrityError:
        # Another process stored some of the same keyed notifications meanwhile: keep only the new ones.
        keys = {(r.user.pk, r.dedupe_key) for r in rows if r.dedupe_key}
        taken = set(Notification.objects.filter(
            user_id__in={k[0] for k in keys}, dedupe_key__in={k[1] for k in keys},
        ).values_list("user_id", "dedupe_key"))
        rows = [r for r in rows if not r.dedupe_key or (r.user.pk, r.dedupe_key) not in taken]
        for r in rows:
            r.pk = None
        return Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def send_notification_emails(notification_ids):
    """Enqueue one e-mail per person for the given notifications (a digest when there are several)."""
    from nq57.core.tasks import send_mail_task

    notifications = (Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
                     .select_related("user").order_by("user_id", "created_at", "id"))
    by_user = defaultdict(list)
    for n in notifications:
        if n.user.email and n.user.is_active:
            by_user[n.user].append(n)
    sent = []
    for user, items in by_user.items():
        with translation.override(_language(user)):
            subject, body = _email_text(items)
        send_mail_task.enqueue(subject, body, [user.email])
        sent.extend(n.pk for n in items)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(by_user)


def _absolute(url):
    if not url:
        return ""
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def _email_text(items):
    if len(items) == 1:
        n = items[0]
        parts = [n.body, _absolute(n.url)]
        return f"[NQ57] {n.title}", "\n\n".join(p for p in parts if p)
    subject = "[NQ57] " + ngettext("%(count)d new notification", "%(count)d new notifications",
                                   len(items)) % {"count": len(items)}
    lines = []
    for n in items[:EMAIL_LIST_LIMIT]:
        lines.append(f"- {n.title}")
        if n.url:
            lines.append(f"  {_absolute(n.url)}")
    if len(items) > EMAIL_LIST_LIMIT:
        more = len(items) - EMAIL_LIST_LIMIT
        lines.append(ngettext("… and %(count)d more.", "… and %(count)d more.", more) % {"count": more})
    lines.append("")
    lines.append(_("All your notifications: %(url)s") % {"url": _absolute(reverse("notifications:list"))})
    return subject, "\n".join(lines)


@transaction.atomic
def mark_read(*, actor, notification_ids=None):
    """Mark the actor's own notifications read (all unread ones when no ids are given); returns how many."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
