"""A task's timeline in human words: one sentence per TaskEvent kind written by plans.actions."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nq57.orgs.models import Organisation

from ..models import Assignment, ProgressReport


def _date(value):
    if not value:
        return "—"
    try:
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return date_format(day, "SHORT_DATE_FORMAT")


def _label(choices, value):
    return str(dict(choices).get(value, value or "—"))


def _sentence(event, agency, names):
    """The sentence for one event; `agency` is the assignee's name, `names` maps codes to names."""
    data = event.data or {}
    kind = event.kind
    values = {"agency": agency, "period": _date(data.get("period_end")), "progress": data.get("progress", "—")}
    if kind == "task_created":
        return _("Task created; completion time as written: %(text)s") % {"text": data.get("deadline_text") or "—"}
    if kind == "assigned":
        return _("Assigned to %(agency)s (%(role)s)") % {
            "agency": names.get(data.get("organisation"), agency), "role": _label(Assignment.Role.choices,
                                                                                 data.get("role"))}
    if kind == "subtask_created":
        return _("%(agency)s gave a sub-task to %(unit)s, due %(date)s") % {
            **values, "unit": names.get(data.get("organisation"), data.get("organisation", "—")),
            "date": _date(data.get("deadline"))}
    if kind == "status_changed":
        return _("%(agency)s: status changed from “%(before)s” to “%(after)s”") % {
            **values, "before": _label(Assignment.Status.choices, data.get("before")),
            "after": _label(Assignment.Status.choices, data.get("after"))}
    if kind == "report_submitted":
        if data.get("completion"):
            files = data.get("evidence", 0)
            return ngettext("%(agency)s submitted a report that the task is done (%(files)s file), for approval by "
                            "its head",
                            "%(agency)s submitted a report that the task is done (%(files)s files), for approval by "
                            "its head", files) % {**values, "files": files}
        return _("%(agency)s submitted a progress report for the period ending %(period)s: %(progress)s%% "
                 "(self-assessment: %(rating)s)") % {
            **values, "rating": _label(ProgressReport.Rating.choices, data.get("self_rating"))}
    if kind == "report_approved":
        timing = _("on time") if data.get("on_time") else _("late")
        return _("The head of %(agency)s approved the report for the period ending %(period)s "
                 "(%(progress)s%%, %(timing)s)") % {**values, "timing": timing}
    if kind == "report_returned":
        return _("The report of %(agency)s was returned for correction") % values
    if kind == "completion_reported":
        return _("%(agency)s reported the task done; awaiting verification by the assigning body") % values
    if kind == "completion_verified":
        return _("The assigning body verified the completion by %(agency)s (completed on %(date)s: %(timing)s)") % {
            **values, "date": _date(data.get("completed_on")),
            "timing": _label(Assignment.Timeliness.choices, data.get("timeliness"))}
    if kind == "completion_returned":
        return _("The assigning body did not accept the completion reported by %(agency)s") % values
    if kind == "extension_requested":
        return _("%(agency)s asked to move the deadline from %(current)s to %(requested)s") % {
            **values, "current": _date(data.get("current_deadline")),
            "requested": _date(data.get("requested_deadline"))}
    if kind == "extension_approved":
        return _("Extension for %(agency)s approved: new deadline %(revised)s (original deadline %(original)s "
                 "kept)") % {**values, "revised": _date(data.get("revised_deadline")),
                             "original": _date(data.get("original_deadline"))}
    if kind == "extension_refused":
        return _("Extension to %(requested)s for %(agency)s refused") % {
            **values, "requested": _date(data.get("requested_deadline"))}
    if kind == "recommendation_answered":
        return _("The assigning body answered a recommendation of %(agency)s") % values
    if kind == "recommendation_closed":
        return _("A recommendation of %(agency)s was closed") % values
    return _("%(what)s (%(agency)s)") % {"what": kind.replace("_", " ").capitalize(), "agency": agency or "—"}


NOTE_KEYS = ("reason", "comment", "note", "answer", "title")


def describe_events(events):
    """Timeline rows for a list of TaskEvents (with actor and assignment__organisation loaded): one query
    for the names of organisations the events mention by code."""
    codes = {e.data.get("organisation") for e in events if isinstance(e.data, dict) and e.data.get("organisation")}
    names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    rows = []
    for event in events:
        agency = event.assignment.organisation.name if event.assignment_id else ""
        data = event.data if isinstance(event.data, dict) else {}
        rows.append({
            "at": event.at, "actor": event.actor, "kind": event.kind, "assignment_id": event.assignment_id,
            "text": _sentence(event, agency, names),
            "note": next((str(data[key]) for key in NOTE_KEYS if data.get(key)), ""),
        })
    return rows
