"""XLSX export of the staff lists (triage queue, agency inbox) as filtered on screen.

The approach of plans and indicators exports (`indicators.exports.table_response`): openpyxl in write-only
mode to a temporary file, real Excel dates (dd/mm/yyyy), text that looks like a formula neutralised.
Headers and labels follow the active language (Vietnamese unless the user switched). No personal data of
the submitter is exported: the list is for following the work, not for contacting people.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from nq57.core import workdays
from nq57.indicators.exports import table_response

from . import deadlines

MAX_ROWS = 100_000


def _columns():
    return [(_("Tracking code"), 18, ""), (_("Received"), 12, "date"), (_("Type"), 14, ""), (pgettext("feedback field", "Field"), 30, ""),
            (_("Title"), 60, ""), (_("Status"), 22, ""), (_("Intake"), 30, ""), (_("Lead agency"), 30, ""),
            (_("Due"), 12, "date"), (_("Clock"), 26, ""), (_("Times returned as misrouted"), 10, ""),
            (_("Group lead"), 18, ""), (_("Answered"), 12, "date"), (_("Answered on time"), 10, ""),
            (_("Working days to answer"), 10, "")]


def _day(moment):
    return timezone.localtime(moment).date() if moment else None


def _yes_no(flag):
    if flag is None:
        return ""
    return _("yes") if flag else _("no")


def submissions_xlsx(submissions, today, filename):
    """One row per submission, in the list's order, with the clock of its current stage."""
    from .views.staff import describe_clock

    calendar, rules = workdays.current(), deadlines.rules()
    rows = submissions.select_related("field", "intake", "lead_agency", "group__lead")

    def lines():
        for s in rows.iterator(chunk_size=2000):
            clock = describe_clock(deadlines.clock(s, today, calendar, rules))
            yield [s.code, _day(s.received_at), s.get_kind_display(),
                   s.field.label(), s.title, s.get_state_display(), s.intake.name,
                   s.lead_agency.name if s.lead_agency else "", s.due_date, clock["text"], s.misroute_count,
                   s.group.lead.code if s.group_id else "", _day(s.answered_at),
                   _yes_no(s.answered_on_time), s.days_to_answer]

    return table_response("xlsx", filename=filename, sheet_title=_("Submissions"), columns=_columns(),
                          rows=lines())
