"""Who is told what about a submission: staff through in-app notifications (e-mailed by the notifications app),
the submitter by e-mail after commit (and in-app when they were signed in), followers and group members when
the answer is approved. Texts are rendered in the submitter's language of the form.
"""

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.notifications.services import notify

from .models import State
from .replay import active as replaying


def _url(name, *args, fallback=""):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the public pages are mounted by another module; never fail a write over a link
        return fallback


def status_url(submission):
    return _url("feedback:status", submission.code, fallback=f"/feedback/track/{submission.code}/")


def private_url(submission, key):
    return _url("feedback:private", submission.code, key, fallback=f"/feedback/p/{submission.code}/{key}/")


def staff_url(submission):
    return _url("feedback:detail", submission.pk, fallback=f"/feedback/s/{submission.pk}/")


def _absolute(url):
    from django.conf import settings

    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def others(users, actor):
    """`users` without duplicates, without the actor (no one is told of their own step)."""
    seen, kept = set(), []
    for user in users:
        if user is None or user.pk in seen or (getattr(actor, "pk", None) is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        kept.append(user)
    return kept


def tell_people(users, *, actor, kind, title, body="", url=""):
    """Notify these people (not the actor)."""
    if replaying():  # history written in bulk: nobody is told about the past
        return []
    return notify(others(users, actor), kind=kind, title=title, body=body, url=url)


def tell_staff(action, organisations, *, actor, kind, title, body="", submission=None, dedupe_key=""):
    """Notify the people holding `action` on any of `organisations` (the nearest level that has someone)."""
    if replaying():  # history written in bulk: nobody is told about the past
        return []
    from nq57.plans.actions import people_by_organisation

    by_org = people_by_organisation(action, [o for o in organisations if o is not None])
    people = [u for users in by_org.values() for u in users]
    url = staff_url(submission) if submission is not None else ""
    return notify(others(people, actor), kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key)


def _mail(subject, body, recipients):
    from nq57.core.tasks import send_mail_task

    recipients = [r for r in recipients if r]
    if recipients:
        transaction.on_commit(lambda: send_mail_task.enqueue(subject, body, recipients), robust=True)


def _status_text(submission, note):
    lines = [_("Your submission %(code)s is now: %(state)s.") % {
        "code": submission.code, "state": State(submission.state).label}]
    if note:
        lines += ["", str(note)]
    if submission.due_date and submission.state not in (State.ANSWERED, State.PUBLISHED):
        from django.utils.formats import date_format

        lines += ["", _("Next deadline: %(date)s.") % {"date": date_format(submission.due_date, "SHORT_DATE_FORMAT")}]
    lines += ["", _("Follow it here: %(url)s") % {"url": _absolute(status_url(submission))}]
    return "\n".join(lines)


def tell_followers(submission, emails):
    """People who chose to follow the submission instead of repeating it: told once it is answered."""
    if replaying():  # history written in bulk: nobody is told about the past
        return
    if not emails:
        return
    with translation.override(submission.language or "vi"):
        subject = _("[NQ57] A submission you follow was answered: %(code)s") % {"code": submission.code}
        body = "\n\n".join([
            _("The submission %(code)s (“%(title)s”) that you follow has been answered.") % {
                "code": submission.code, "title": submission.public_title or submission.code},
            _("Follow it here: %(url)s") % {"url": _absolute(status_url(submission))},
        ])
    for email in emails:  # one message each: followers do not see one another's addresses
        _mail(subject, body, [email])


def tell_submitter(submission, *, note="", kind="feedback_status", subject=None, extra_emails=()):
    """E-mail the submitter (and `extra_emails`) about the submission's new status; in-app too when signed in."""
    if replaying():  # history written in bulk: nobody is told about the past
        return
    language = submission.language or "vi"
    with translation.override(language):
        subject_text = str(subject) if subject else _("[NQ57] %(code)s: %(state)s") % {
            "code": submission.code, "state": State(submission.state).label}
        body = _status_text(submission, note)
    _mail(subject_text, body, [submission.email, *extra_emails])
    if submission.submitted_by_id:
        title = format_lazy(gettext_lazy("Your submission {code}: {state}"), code=submission.code,
                            state=State(submission.state).label)
        notify(submission.submitted_by, kind=kind, title=title, body=str(note or ""), url=status_url(submission),
               email=False)  # the e-mail above already tells them


def send_receipt(submission, key):
    """The confirmation e-mail: the tracking code, the private link (shown once) and, if confidential, the
    fingerprint that proves the content and time of sending."""
    if replaying():  # history written in bulk: nobody is told about the past
        return
    language = submission.language or "vi"
    with translation.override(language):
        subject = _("[NQ57] Received: %(code)s") % {"code": submission.code}
        lines = [
            _("We have received your submission “%(title)s”.") % {"title": submission.title},
            _("Tracking code: %(code)s") % {"code": submission.code},
            _("Private link (keep it: it shows the full content and the answer): %(url)s") % {
                "url": _absolute(private_url(submission, key))},
            _("Public status page: %(url)s") % {"url": _absolute(status_url(submission))},
        ]
        if submission.fingerprint:
            lines.append(_("SHA-256 fingerprint of the content and time of sending: %(fingerprint)s") % {
                "fingerprint": submission.fingerprint})
        body = "\n\n".join(lines)
    _mail(subject, body, [submission.email])
    if submission.submitted_by_id:
        notify(submission.submitted_by, kind="feedback_received",
               title=format_lazy(gettext_lazy("Your submission {code} was received"), code=submission.code),
               url=status_url(submission), email=False)  # never the key: it is only ever e-mailed
