"""Rate limits on public submissions: per client address and per contact (e-mail or phone), over the last hour
and the last day. Counted in the database (`client_hash`, `contact_key` and `received_at` are indexed), so every
worker process agrees without a shared cache.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def client_hash(client_ip):
    """sha256 of the client address with the secret key: enough to count, useless to identify someone."""
    if not client_ip:
        return ""
    return hashlib.sha256(f"{client_ip}{settings.SECRET_KEY}".encode()).hexdigest()


def limits():
    """[(lookup field, window, allowed)] from the settings."""
    return [
        ("client_hash", HOUR, getattr(settings, "FEEDBACK_RATE_PER_HOUR", 5)),
        ("client_hash", DAY, getattr(settings, "FEEDBACK_RATE_PER_DAY", 20)),
        ("contact_key", HOUR, getattr(settings, "FEEDBACK_CONTACT_RATE_PER_HOUR", 3)),
        ("contact_key", DAY, getattr(settings, "FEEDBACK_CONTACT_RATE_PER_DAY", 10)),
    ]


def check(*, client_hash="", contact_key="", now=None):
    """Raise ValidationError (saying when to try again) if one more submission would pass a limit."""
    from .models import Submission

    now = now or timezone.now()
    values = {"client_hash": client_hash, "contact_key": contact_key}
    for field, window, allowed in limits():
        value = values[field]
        if not value:
            continue
        recent = list(Submission.objects.filter(**{field: value, "received_at__gt": now - window})
                      .order_by("-received_at").values_list("received_at", flat=True)[:max(allowed, 0) + 1])
        if len(recent) >= allowed:
            # The oldest of the counted submissions leaves the window first: then one more is accepted.
            oldest = recent[allowed - 1] if allowed > 0 else now
            wait = max(oldest + window - now, datetime.timedelta(minutes=1))
            raise ValidationError(_wait_message(field, wait), code="rate_limited")


def _wait_message(field, wait):
    minutes = int(wait.total_seconds() // 60) + (1 if wait.total_seconds() % 60 else 0)
    if minutes < 60:
        when = ngettext("in %(count)d minute", "in %(count)d minutes", minutes) % {"count": minutes}
    else:
        hours = (minutes + 59) // 60
        when = ngettext("in %(count)d hour", "in %(count)d hours", hours) % {"count": hours}
    if field == "client_hash":
        return _("Too many submissions have been sent from this connection. Please try again %(when)s.") % {
            "when": when}
    return _("Too many submissions have been sent with this e-mail address or phone number. "
             "Please try again %(when)s.") % {"when": when}
