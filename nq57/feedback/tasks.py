"""The scheduled job of feedback deadlines (hourly, nq57.core.scheduler.SCHEDULE): reminders before a stage's
due date, escalation after it to the agency head (level 1) and, `escalate_after` working days later, to the
standing office of the intake (level 2).

Each submission is reminded once per due date (`reminded_for`) and escalated once per level
(`escalation_level`, reset when a stage starts). Everyone concerned gets one notification per run listing the
submissions. The work is a constant number of queries whatever the number of submissions: one read of the open
clocks (values()), one read of the organisations and one per right for the people, bulk inserts and updates.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nq57.core.roles import Action
from nq57.plans.tasks import _as_date
from nq57.core.workdays import current as current_calendar
from nq57.notifications.services import Message, notify_many, send_notification_emails

from . import deadlines
from .models import OPEN_STATES, Event, Stage, Submission

CHUNK = 1000
LISTED = 15  # codes listed in one notification; the rest are counted
# Whose turn it is at each stage: (right, where) — "intake" is the standing office, "holder" the agency.
RESPONSIBLE = {
    Stage.TRIAGE: (Action.ASSIGN, "intake_id"),
    Stage.ACCEPT: (Action.REPORT, "holder_id"),
    Stage.ANSWER: (Action.REPORT, "holder_id"),
    Stage.APPROVE: (Action.APPROVE, "holder_id"),
    Stage.PUBLISH: (Action.ASSIGN, "intake_id"),
    Stage.REVIEW: (Action.ASSIGN, "intake_id"),
    Stage.CONTEST: (Action.ASSIGN, "intake_id"),
}
FIELDS = ("pk", "code", "kind", "state", "stage", "due_date", "reminded_for", "escalation_level", "holder_id",
          "intake_id")


@dataclass
class Plan:
    """What a run does: submissions to remind, to escalate to the head (1) and to the standing office (2)."""

    remind: list = field(default_factory=list)
    head: list = field(default_factory=list)
    office: list = field(default_factory=list)


def plan(rows, today, calendar, rules):
    """Decide, for rows of open clocks (dicts with FIELDS), who needs a reminder or an escalation today. Pure."""
    result = Plan()
    ahead, behind = {}, {}  # working days, cached per due date: a million rows share a few hundred dates
    for row in rows:
        due = row["due_date"]
        _days, remind_before, escalate_after = deadlines.rule_for(row["kind"], row["stage"], rules)
        if today <= due:
            if row["reminded_for"] != due:
                if due not in ahead:
                    ahead[due] = calendar.between(today, due)
                if ahead[due] <= remind_before:
                    result.remind.append(row)
            continue
        if due not in behind:
            behind[due] = calendar.between(due, today)
        level = row["escalation_level"]
        if level < 1:
            result.head.append(row)
        if level < 2 and behind[due] > escalate_after:
            result.office.append(row)
    return result


def _open_clocks(today, rules):
    horizon_days = max([r[1] for r in rules.values()] + [deadlines.FALLBACK_RULE[1]])
    # Calendar days are an upper bound of working days: nothing later can be due for a reminder.
    horizon = today + datetime.timedelta(days=horizon_days * 2 + 14)
    return list(Submission.objects.filter(state__in=OPEN_STATES, due_date__isnull=False, due_date__lte=horizon,
                                          escalation_level__lt=2).order_by("pk").values(*FIELDS))


def _inbox_url():
    try:
        return reverse("feedback:inbox")
    except NoReverseMatch:
        return "/feedback/inbox/"


def _summary(counts, codes):
    """The notification's title and body, rendered in the recipient's language (called by notify_many)."""
    parts = []
    if counts["remind"]:
        parts.append(ngettext("%(count)d submission is due soon", "%(count)d submissions are due soon",
                              counts["remind"]) % {"count": counts["remind"]})
    late = counts["head"] + counts["office"]
    if late:
        parts.append(ngettext("%(count)d submission is overdue", "%(count)d submissions are overdue",
                              late) % {"count": late})
    title = _("Feedback deadlines: %(parts)s") % {"parts": "; ".join(parts)}
    shown = sorted(codes)[:LISTED]
    body = ", ".join(shown)
    if len(codes) > LISTED:
        body += " " + ngettext("and %(count)d more", "and %(count)d more", len(codes) - LISTED) % {
            "count": len(codes) - LISTED}
    return title, body


def _messages(work, organisations, today):
    from nq57.plans.actions import people_by_organisation

    wanted = defaultdict(set)  # action → organisation ids
    for row in work.remind:
        action, where = RESPONSIBLE.get(row["stage"], (Action.ASSIGN, "intake_id"))
        wanted[action].add(row[where])
    for row in work.head:
        wanted[Action.APPROVE].add(row["holder_id"])
    for row in work.office:
        wanted[Action.ASSIGN].add(row["intake_id"])
    people = {action: people_by_organisation(action, [organisations[i] for i in ids if i in organisations])
              for action, ids in wanted.items()}
    per_person = defaultdict(lambda: {"user": None, "counts": defaultdict(int), "codes": set()})

    def add(user, what, code):
        entry = per_person[user.pk]
        entry["user"] = user
        if code not in entry["codes"]:
            entry["counts"][what] += 1
            entry["codes"].add(code)

    for row in work.remind:
        action, where = RESPONSIBLE.get(row["stage"], (Action.ASSIGN, "intake_id"))
        for user in people[action].get(row[where], []):
            add(user, "remind", row["code"])
    for row in work.head:
        for user in people[Action.APPROVE].get(row["holder_id"], []):
            add(user, "head", row["code"])
    for row in work.office:
        for user in people[Action.ASSIGN].get(row["intake_id"], []):
            add(user, "office", row["code"])
    url = _inbox_url()
    messages = []
    for entry in per_person.values():
        counts, codes = dict(entry["counts"]), frozenset(entry["codes"])
        counts.setdefault("remind", 0), counts.setdefault("head", 0), counts.setdefault("office", 0)
        digest = hashlib.sha256(",".join(sorted(codes)).encode()).hexdigest()[:16]
        kind = "feedback_overdue" if counts["head"] or counts["office"] else "feedback_due_soon"
        messages.append(Message(
            user=entry["user"], kind=kind, url=url, dedupe_key=f"fb_deadlines:{today.isoformat()}:{digest}",
            title=lambda c=counts, k=codes: _summary(c, k)[0], body=lambda c=counts, k=codes: _summary(c, k)[1]))
    return messages


def _update(pks, **values):
    for start in range(0, len(pks), CHUNK):
        Submission.objects.filter(pk__in=pks[start:start + CHUNK]).update(**values)


def remind_and_escalate(today, calendar=None, rules=None, now=None):
    """Run the reminders and escalations of `today`; returns (Plan, ids of the notifications created)."""
    from nq57.orgs.models import Organisation

    calendar = calendar or current_calendar()
    rules = rules if rules is not None else deadlines.rules()
    now = now or timezone.now()
    work = plan(_open_clocks(today, rules), today, calendar, rules)
    if not (work.remind or work.head or work.office):
        return work, []
    org_ids = {r["holder_id"] for r in work.remind + work.head} | {r["intake_id"] for r in work.remind + work.office}
    organisations = Organisation.objects.in_bulk(list(org_ids))
    with transaction.atomic():
        created = notify_many(_messages(work, organisations, today), email=False)
        _update([r["pk"] for r in work.remind], reminded_for=F("due_date"))
        office = {r["pk"] for r in work.office}
        _update(sorted(office), escalation_level=2)
        _update(sorted(r["pk"] for r in work.head if r["pk"] not in office), escalation_level=1)
        events = [Event(submission_id=r["pk"], kind="escalated_head", at=now, state=r["state"], stage=r["stage"],
                        due_date=r["due_date"], organisation_id=r["holder_id"], public=False,
                        note=_("Overdue: the agency head was told.")) for r in work.head]
        events += [Event(submission_id=r["pk"], kind="escalated_office", at=now, state=r["state"], stage=r["stage"],
                         due_date=r["due_date"], organisation_id=r["intake_id"], public=False,
                         note=_("Overdue: the standing office was told.")) for r in work.office]
        Event.objects.bulk_create(events, batch_size=CHUNK)
    return work, [n.pk for n in created]




@task()
def process_feedback_deadlines(today=None):
    """Feedback reminders and escalations (hourly; each happens once per due date and level)."""
    work, created = remind_and_escalate(_as_date(today))
    return {"feedback_reminded": len(work.remind), "feedback_escalated_head": len(work.head),
            "feedback_escalated_office": len(work.office), "notifications": len(created),
            "emails": send_notification_emails(created) if created else 0}

