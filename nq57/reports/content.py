"""What a periodic report says, built from the plans, indicators and feedback of one scope and one period.

`build()` gathers the figures and lists into a ReportContent; the writers (`docx_writer`, `pdf_writer`,
`xlsx_writer`) only lay it out, so the three files always carry the same figures. Everything a reader sees is
translated under `translation.override(language)`; the writers add no wording of their own except the fixed
parts of the administrative layout (national header, "Nơi nhận", page numbers).
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.dashboards.figures import scope_figures
from nq57.indicators.models import Indicator, Rag
from nq57.indicators.periods import period_containing
from nq57.indicators.queries import progress_label, target_label
from nq57.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, Kind, Organisation
from nq57.plans.models import Recommendation

from . import periods, queries


@dataclass
class Table:
    """A table of the report; the same table is a Word table, a PDF table and an Excel sheet."""

    key: str  # stable id: "summary", "completed", "overdue", "indicators", "recommendations", "feedback", "change"
    title: str
    columns: list  # header labels (translated)
    rows: list  # list of rows; a cell is str, int, float, datetime.date or None
    number_columns: tuple = ()  # indexes of columns holding numbers (right-aligned, numeric in Excel)
    note: str = ""  # a line under the table: the definition of a rate, the source, "first 200 of 1,234"…
    short_title: str = ""  # a short name (the Excel sheet's, at most 31 characters); the title when empty


@dataclass
class Section:
    """A numbered part of the report: a heading, paragraphs of text, tables."""

    heading: str
    paragraphs: list = field(default_factory=list)
    tables: list = field(default_factory=list)


@dataclass
class ReportContent:
    """Everything the writers need. Header fields follow Decree 30/2020/NĐ-CP on administrative documents."""

    language: str
    parent_body: str  # upper line of the issuing body (e.g. "BAN CHỈ ĐẠO TRUNG ƯƠNG"), may be ""
    issuing_body: str  # the body issuing the report (e.g. "VĂN PHÒNG THƯỜNG TRỰC"), upper case in the header
    number: str  # "Số: 15/BC-BCĐ" is written by the writer from this ("15/BC-BCĐ"; "" → "…/BC")
    place: str  # "Hà Nội"
    date: datetime.date  # date of the document
    title: str  # "BÁO CÁO"
    subtitle: str  # "Kết quả thực hiện Nghị quyết số 57-NQ/TW … 6 tháng đầu năm 2025 của tỉnh Lạng Sơn"
    scope_name: str
    period_label: str  # "6 tháng đầu năm 2025" / "first half of 2025"
    period_start: datetime.date
    period_end: datetime.date
    sections: list  # [Section]
    recipients: list  # lines under "Nơi nhận:" (the writer prints "- " before each and ends with "- Lưu: VT.")
    signer_title: str  # "TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN" (lines separated by \n)
    signer_name: str
    figures: dict  # machine-readable summary: {"current": {...}, "previous": {...}} (see build())

    def tables(self):
        return [table for section in self.sections for table in section.tables]


# --- measures of the summary --------------------------------------------------------------------------------

# (key in figures, label, is a rate in %, better when "higher"/"lower"/None). Labels are marked for translation
# here and translated when the report is built.
MEASURES = (
    ("assignments", gettext_lazy("Assignments in force"), False, None),
    ("completed", gettext_lazy("Assignments completed in the period"), False, "higher"),
    ("completed_on_time", gettext_lazy("of which completed on time"), False, "higher"),
    ("completed_on_time_rate", gettext_lazy("Share of completions on time (%)"), True, "higher"),
    ("due", gettext_lazy("Assignments due in the period"), False, None),
    ("due_on_time", gettext_lazy("of which completed by the deadline"), False, "higher"),
    ("on_time_rate", gettext_lazy("On-time completion rate (%)"), True, "higher"),
    ("overdue", gettext_lazy("Overdue at the end of the period"), False, "lower"),
    ("at_risk", gettext_lazy("At risk (today)"), False, "lower"),
    ("reports_expected", gettext_lazy("Progress reports expected"), False, None),
    ("reports_on_time", gettext_lazy("Progress reports received on time"), False, "higher"),
    ("reports_on_time_rate", gettext_lazy("On-time reporting rate (%)"), True, "higher"),
    ("kpi_assessed", gettext_lazy("Indicators assessed"), False, None),
    ("kpi_green", gettext_lazy("Indicators on track (green)"), False, "higher"),
    ("kpi_amber", gettext_lazy("Indicators with some concern (amber)"), False, "lower"),
    ("kpi_red", gettext_lazy("Indicators off track (red)"), False, "lower"),
    ("recommendations_raised", gettext_lazy("Recommendations raised"), False, None),
    ("recommendations_answered", gettext_lazy("of which answered"), False, "higher"),
    ("feedback_received", gettext_lazy("Feedback received"), False, None),
    ("feedback_answered", gettext_lazy("Feedback answered"), False, "higher"),
    ("feedback_on_time", gettext_lazy("Feedback answered on time"), False, "higher"),
    ("feedback_on_time_rate", gettext_lazy("Feedback answered on time (%)"), True, "higher"),
)
# The measures of the "change" table (section VII): the ones a reader compares between periods.
CHANGE_MEASURES = ("completed", "on_time_rate", "overdue", "reports_on_time_rate", "kpi_green", "kpi_red",
                   "recommendations_raised", "feedback_received", "feedback_on_time_rate")

DOCUMENT_WORDS = {
    # Part of the administrative form (like the national header in `layout`), not of the interface.
    "vi": {"title": "BÁO CÁO", "on_behalf": "TM. %s", "default_place": "Hà Nội"},
    "en": {"title": "REPORT", "on_behalf": "ON BEHALF OF %s", "default_place": "Hà Nội"},
}
LOCAL_PREFIXES = ("Thành phố ", "Tỉnh ")


def _words(language):
    return DOCUMENT_WORDS["en"] if (language or "").startswith("en") else DOCUMENT_WORDS["vi"]


def rate(part, whole):
    """A percentage rounded to one decimal, or None when nothing was expected."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def change(previous, current):
    """current − previous (percentage points for rates), or None when either is unknown."""
    if previous is None or current is None:
        return None
    difference = current - previous
    return round(difference, 1) if isinstance(difference, float) else difference


def _number(value, decimals=0):
    if value is None:
        return "—"
    if isinstance(value, float) and decimals == 0 and value != int(value):
        decimals = 1
    return number_format(value, decimals, force_grouping=True)


def _signed(value):
    if value is None:
        return "—"
    text = _number(abs(value))
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else "0")


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def _bare(name):
    for prefix in LOCAL_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _name(organisation, language, short=False):
    if (language or "").startswith("en") and organisation.name_en:
        return organisation.name_en
    return (short and organisation.short_name) or organisation.name


def _as_of(report, today):
    """The day "at the end of the period" means: its last day, or today while the period runs."""
    return min(report.period_end, today)


# --- the header -------------------------------------------------------------------------------------------


def _header(report, language, today):
    """(parent body, issuing body, place, recipients, signer title, signer name, scope's name in the subtitle)."""
    scope = report.scope
    ancestors = scope.ancestors()
    office = (Organisation.objects.active(today).filter(parent=scope, kind=Kind.STANDING_OFFICE)
              .order_by("sort_order", "pk").first())
    parent = next((o for o in reversed(ancestors) if o.kind != Kind.CATEGORY), None)
    if office is not None:
        issuing, upper = _name(office, language), _name(scope, language, short=True)
    else:
        issuing = _name(scope, language)
        # A province sits under a category of the map ("local authorities"), which heads no document.
        upper = _name(parent, language, short=True) if parent is not None and ancestors[-1] is parent else ""
    words = _words(language)
    place = report.place.strip()
    if not place:
        # The province the scope is in (or is); central bodies sit in the capital.
        local = next((o for o in [scope, *reversed(ancestors)] if o.kind in PROVINCE_KINDS), None)
        place = _bare(local.name) if local is not None else words["default_place"]
    recipients = [line.strip() for line in report.recipients.splitlines() if line.strip()]
    if not recipients:
        root = ancestors[0] if ancestors else None
        if root is not None:
            recipients.append(_("%(body)s (to report)") % {"body": _name(root, language, short=True)})
        else:
            recipients.append(_("Members of the Steering Committee"))
        recipients.append(_("Agencies concerned"))
    signer_title = report.signer_title.strip() or words["on_behalf"] % issuing.upper()
    subject = _name(scope, language)
    if not language.startswith("en") and scope.kind in PROVINCE_KINDS | COMMUNE_KINDS:
        subject = subject[:1].lower() + subject[1:]  # "của tỉnh Lạng Sơn"
    return upper.upper(), issuing.upper(), place, recipients, signer_title, report.signer_name.strip(), subject


# --- the sections -----------------------------------------------------------------------------------------


def _capped_note(shown, total):
    if total > shown:
        return _("First %(shown)s of %(total)s.") % {"shown": _number(shown), "total": _number(total)}
    return ""


def _yes_no(value):
    return _("Yes") if value else _("No")


def _summary_table(current, previous):
    rows = []
    for key, label, _is_rate, _better in MEASURES:
        rows.append([str(label), previous.get(key), current.get(key), change(previous.get(key), current.get(key))])
    return Table(key="summary", title=_("Summary figures"), short_title=_("Summary"),
                 columns=[_("Measure"), _("Previous period"), _("This period"), _("Change")], rows=rows,
                 number_columns=(1, 2, 3),
                 note=_("Rates in %; their change in percentage points. The on-time completion rate counts the "
                        "assignments whose deadline in force fell in the period and were completed by it. At "
                        "risk: as computed today."))


def _completed_section(scope, start, end, figures):
    rows = queries.completed_rows(scope, start, end)
    table_rows = []
    for number, row in enumerate(rows, start=1):
        deadline = row["deadline_in_force"]
        on_time = deadline is None or row["completed_on"] <= deadline
        table_rows.append([number, row["task__plan__number"], row["task__code"], row["task__title"],
                           row["organisation__name"], deadline, row["completed_on"], _yes_no(on_time)])
    table = Table(key="completed", title=_("Tasks completed in the period"), short_title=_("Completed"),
                  columns=[_("No."), _("Document"), _("Task code"), _("Task"), _("Agency"), _("Deadline"),
                           _("Completed on"), _("On time")],
                  rows=table_rows, number_columns=(0,), note=_capped_note(len(rows), figures["completed"]))
    paragraph = _("%(completed)s assignments were completed in the period, %(on_time)s of them on time "
                  "(%(rate)s%%).") % {"completed": _number(figures["completed"]),
                                      "on_time": _number(figures["completed_on_time"]),
                                      "rate": _number(figures["completed_on_time_rate"])}
    return Section(heading=_("Tasks completed"), paragraphs=[paragraph], tables=[table])


def _overdue_section(scope, as_of, figures):
    rows = queries.overdue_rows(scope, as_of)
    agencies, agency_count = queries.overdue_by_agency(scope, as_of)
    table = Table(
        key="overdue", title=_("Overdue tasks by responsible agency"), short_title=_("Overdue"),
        columns=[_("No."), _("Agency"), _("Task code"), _("Task"), _("Deadline in force"), _("Days overdue"),
                 _("Progress %"), _("Reason")],
        rows=[[number, row["organisation__name"], row["task__code"], row["task__title"], row["deadline_in_force"],
               row["days_overdue"], row["progress"], row["reason"]] for number, row in enumerate(rows, start=1)],
        number_columns=(0, 5, 6),
        note=" ".join(filter(None, [
            _("Days overdue on %(date)s. Reason: the reason recorded with the status, else the difficulties of "
              "the latest report.") % {"date": date_format(as_of, "SHORT_DATE_FORMAT")},
            _capped_note(len(rows), figures["overdue"])])))
    per_agency = Table(
        key="overdue_agencies", title=_("Overdue assignments per agency"), short_title=_("Overdue per agency"),
        columns=[_("No."), _("Agency"), _("Overdue"), _("Most days overdue")],
        rows=[[number, row["organisation__name"], row["overdue"], (as_of - row["earliest"]).days]
              for number, row in enumerate(agencies, start=1)],
        number_columns=(0, 2, 3), note=_capped_note(len(agencies), agency_count))
    paragraph = _("%(overdue)s assignments of %(agencies)s agencies were overdue at the end of the period.") % {
        "overdue": _number(figures["overdue"]), "agencies": _number(agency_count)}
    return Section(heading=_("Overdue tasks"), paragraphs=[paragraph], tables=[table, per_agency])


def _indicator_section(scope, latest, end, language, is_root):
    off_track = [r for r in latest if r["rag"] in (Rag.AMBER, Rag.RED)]
    off_track.sort(key=lambda r: (r["rag"] != Rag.RED, r["indicator__sort_order"], r["indicator__code"]))
    sums = {r["indicator_id"] for r in latest if r["indicator__aggregation"] == Indicator.Aggregation.SUM}
    targets = queries.targets_for([r["indicator_id"] for r in off_track], scope, end.year,
                                  sum_ids=sums, is_root=is_root)
    english = language.startswith("en")
    rows = []
    for number, r in enumerate(off_track, start=1):
        target = targets.get(r["indicator_id"])
        value = float(r["value"]) if r["value"] is not None else (progress_label(r["progress"]) or None)
        rows.append([number, r["indicator__code"],
                     (r["indicator__name_en"] if english and r["indicator__name_en"] else r["indicator__name"]),
                     value, r["indicator__unit"], period_label_of(r), target_label(target) if target else "",
                     round(100 * r["attainment"], 1) if r["attainment"] is not None else None,
                     str(Rag(r["rag"]).label)])
    table = Table(key="indicators", title=_("Indicators off track"), short_title=_("Indicators off track"),
                  columns=[_("No."), _("Code"), _("Indicator"), _("Latest value"), _("Unit"), _("Period"),
                           _("Target"), _("Attainment %"), _("Status")],
                  rows=rows, number_columns=(0, 3, 7),
                  note=_("Indicators with some concern or off track at %(scope)s, latest period ending by "
                         "%(date)s (stored roll-ups).") % {"scope": scope.name,
                                                           "date": date_format(end, "SHORT_DATE_FORMAT")})
    counts = {rag: sum(1 for r in latest if r["rag"] == rag) for rag in Rag.values}
    paragraph = _("Of %(assessed)s indicators assessed, %(green)s are on track, %(amber)s show some concern and "
                  "%(red)s are off track.") % {"assessed": _number(len(latest)), "green": _number(counts["green"]),
                                               "amber": _number(counts["amber"]), "red": _number(counts["red"])}
    return Section(heading=_("Indicators"), paragraphs=[paragraph], tables=[table])


def period_label_of(rollup):
    """The roll-up's period as the KPI pages name it ("Q2/2025")."""
    return period_containing(rollup["period_end"], rollup["indicator__frequency"]).label


def _recommendation_section(scope, start, end, figures):
    difficulties, difficulty_count = queries.difficulty_rows(scope, start, end)
    difficulty_table = Table(
        key="difficulties", title=_("Difficulties reported in the period"), short_title=_("Difficulties"),
        columns=[_("No."), _("Agency"), _("Task code"), _("Task"), _("Report for the period ending"),
                 _("Difficulties")],
        rows=[[number, row["assignment__organisation__name"], row["assignment__task__code"],
               row["assignment__task__title"], row["period_end"], row["difficulties"]]
              for number, row in enumerate(difficulties, start=1)],
        number_columns=(0,), note=_capped_note(len(difficulties), difficulty_count))
    rows = queries.recommendation_rows(scope, start, end)
    status_labels = dict(Recommendation.Status.choices)
    table = Table(
        key="recommendations", title=_("Recommendations raised in the period and their answers"),
        short_title=_("Recommendations"),
        columns=[_("No."), _("Agency"), _("Task code"), _("Task"), _("Recommendation"), _("Status"), _("Answer"),
                 _("Answered on")],
        rows=[[number, row["assignment__organisation__name"], row["assignment__task__code"],
               row["assignment__task__title"], row["text"], str(status_labels.get(row["status"], row["status"])),
               row["answer"], _local_date(row["answered_at"])] for number, row in enumerate(rows, start=1)],
        number_columns=(0,), note=_capped_note(len(rows), figures["recommendations_raised"]))
    paragraph = _("%(difficulties)s approved reports stated difficulties; %(raised)s recommendations were raised "
                  "in the period and %(answered)s of them have been answered.") % {
        "difficulties": _number(difficulty_count), "raised": _number(figures["recommendations_raised"]),
        "answered": _number(figures["recommendations_answered"])}
    return Section(heading=_("Difficulties and recommendations"), paragraphs=[paragraph],
                   tables=[difficulty_table, table])


def _feedback_section(rows, total):
    def line(number, label, row):
        return [number, label, row.received, row.answered, row.on_time, rate(row.on_time, row.answered),
                row.median_days, rate(row.satisfied, row.rated)]

    shown = rows[:queries.LIST_LIMIT]
    table_rows = [line(number, row.name, row) for number, row in enumerate(shown, start=1)]
    table_rows.append(line(None, _("Total"), total))
    table = Table(key="feedback", title=_("Feedback and initiatives by lead agency"), short_title=_("Feedback"),
                  columns=[_("No."), _("Lead agency"), _("Received"), _("Answered"), _("Answered on time"),
                           _("On time %"), _("Median working days to answer"), _("Satisfied %")],
                  rows=table_rows, number_columns=(0, 2, 3, 4, 5, 6, 7),
                  note=" ".join(filter(None, [
                      _("Submissions received in the period whose lead agency is in the scope. Satisfied: share "
                        "of the submitters' ratings."), _capped_note(len(shown), len(rows))])))
    paragraph = _("%(received)s submissions were received in the period; %(answered)s have been answered, "
                  "%(on_time)s of them on time.") % {"received": _number(total.received),
                                                     "answered": _number(total.answered),
                                                     "on_time": _number(total.on_time)}
    return Section(heading=_("Feedback and initiatives"), paragraphs=[paragraph], tables=[table])


def _change_section(current, previous, previous_label):
    labels = {key: (label, better) for key, label, _is_rate, better in MEASURES}
    rows = []
    for key in CHANGE_MEASURES:
        label, better = labels[key]
        difference = change(previous.get(key), current.get(key))
        if difference is None or difference == 0 or better is None:
            verdict = _("unchanged") if difference == 0 else ""
        else:
            verdict = _("better") if (difference > 0) == (better == "higher") else _("worse")
        rows.append([str(label), previous.get(key), current.get(key), difference, verdict])
    table = Table(key="change", title=_("Change since the previous period (%(period)s)") % {"period": previous_label},
                  short_title=_("Change"),
                  columns=[_("Measure"), _("Previous period"), _("This period"), _("Change"), _("Assessment")],
                  rows=rows, number_columns=(1, 2, 3))
    paragraph = _(
        "Compared with %(period)s: %(completed)s assignments completed (%(completed_change)s); on-time completion "
        "rate %(rate)s%% (%(rate_change)s points); %(overdue)s overdue at the end of the period "
        "(%(overdue_change)s); %(red)s indicators off track (%(red_change)s); %(received)s feedback submissions "
        "received (%(received_change)s).") % {
        "period": previous_label,
        "completed": _number(current["completed"]),
        "completed_change": _signed(change(previous["completed"], current["completed"])),
        "rate": _number(current["on_time_rate"]),
        "rate_change": _signed(change(previous["on_time_rate"], current["on_time_rate"])),
        "overdue": _number(current["overdue"]),
        "overdue_change": _signed(change(previous["overdue"], current["overdue"])),
        "red": _number(current["kpi_red"]),
        "red_change": _signed(change(previous["kpi_red"], current["kpi_red"])),
        "received": _number(current["feedback_received"]),
        "received_change": _signed(change(previous["feedback_received"], current["feedback_received"])),
    }
    return Section(heading=_("Change since the previous period"), paragraphs=[paragraph], tables=[table])


# --- build ------------------------------------------------------------------------------------------------


def _kpi_counts(latest):
    counts = {f"kpi_{rag}": sum(1 for r in latest if r["rag"] == rag) for rag in Rag.values}
    return {"kpi_assessed": len(latest), **counts}


def _figures(assignments, reports, kpi, recommendations, feedback, *, with_at_risk):
    # Sums computed in SQL come back as Decimal on PostgreSQL: the record holds plain ints.
    reports_expected, reports_on_time = int(reports.reports_expected or 0), int(reports.reports_on_time or 0)
    values = {
        "assignments": assignments["assignments"],
        "completed": assignments["completed"],
        "completed_on_time": assignments["completed_on_time"],
        "completed_on_time_rate": rate(assignments["completed_on_time"], assignments["completed"]),
        "due": assignments["due"],
        "due_on_time": assignments["due_on_time"],
        "on_time_rate": rate(assignments["due_on_time"], assignments["due"]),
        "overdue": assignments["overdue"],
        "at_risk": assignments["at_risk"] if with_at_risk else None,
        "reports_expected": reports_expected,
        "reports_on_time": reports_on_time,
        "reports_on_time_rate": rate(reports_on_time, reports_expected),
        **kpi,
        "recommendations_raised": recommendations["raised"],
        "recommendations_answered": recommendations["answered"],
        "feedback_received": feedback["received"],
        "feedback_answered": feedback["answered"],
        "feedback_on_time": feedback["on_time"],
        "feedback_on_time_rate": rate(feedback["on_time"], feedback["answered"]),
    }
    return values


def build(report, progress=None):
    """The ReportContent of a Report (its scope, period, language and document particulars).

    `progress(percent, step)` is called as each part is gathered (0–80 %; the writers take the rest)."""
    language = report.language or "vi"

    def step(percent, text):
        if progress is not None:
            progress(percent, text)

    with translation.override(language):
        scope = report.scope
        today = timezone.localdate()
        kind, start, end = report.period_kind, report.period_start, report.period_end
        previous_start, previous_end = periods.previous(kind, start)
        as_of, previous_as_of = _as_of(report, today), previous_end
        period_label = periods.label(kind, start, language)
        previous_label = periods.label(kind, previous_start, language)
        windows = {"current": (start, end, as_of), "previous": (previous_start, previous_end, previous_as_of)}

        step(5, _("Summary figures"))
        parent_body, issuing_body, place, recipients, signer_title, signer_name, subject = _header(
            report, language, today)
        assignments = queries.assignment_counts(scope, windows)
        reports = {name: scope_figures(scope, today=today, window_start=first, window_end=last)
                   for name, (first, last, _day) in windows.items()}
        step(20, _("Indicators"))
        latest = queries.latest_rollups(scope, [end, previous_end])
        recommendations = queries.recommendation_figures(scope, windows)
        step(30, _("Feedback"))
        feedback_rows, feedback_total = queries.feedback_rows(scope, start, end)
        feedback = {
            "current": {"received": feedback_total.received, "answered": feedback_total.answered,
                        "on_time": feedback_total.on_time},
            "previous": queries.feedback_totals(scope, previous_start, previous_end),
        }
        current = _figures(assignments["current"], reports["current"], _kpi_counts(latest[end]),
                           recommendations["current"], feedback["current"], with_at_risk=True)
        previous = _figures(assignments["previous"], reports["previous"], _kpi_counts(latest[previous_end]),
                            recommendations["previous"], feedback["previous"], with_at_risk=False)

        summary = Section(heading=_("Summary figures"), tables=[_summary_table(current, previous)], paragraphs=[
            _("In %(period)s, %(scope)s had %(assignments)s assignments in force: %(completed)s were completed in "
              "the period (%(on_time)s on time) and %(overdue)s were overdue at its end. The on-time completion "
              "rate was %(rate)s%%.") % {
                "period": period_label, "scope": subject, "assignments": _number(current["assignments"]),
                "completed": _number(current["completed"]), "on_time": _number(current["completed_on_time"]),
                "overdue": _number(current["overdue"]), "rate": _number(current["on_time_rate"])}])
        step(40, _("Tasks completed"))
        completed = _completed_section(scope, start, end, current)
        step(50, _("Overdue tasks"))
        overdue = _overdue_section(scope, as_of, current)
        step(60, _("Indicators off track"))
        indicators = _indicator_section(scope, latest[end], end, language, is_root=scope.parent_id is None)
        step(70, _("Difficulties and recommendations"))
        recommendation_section = _recommendation_section(scope, start, end, current)
        feedback_section = _feedback_section(feedback_rows, feedback_total)
        change_section = _change_section(current, previous, previous_label)
        proposals = Section(heading=_("Proposals and next steps"), paragraphs=[
            _("(To be completed by the issuing body: the tasks for the next period and the proposals to the "
              "higher level.)")])
        step(80, _("Report content ready"))

        created = _local_date(report.created_at) or today
        subtitle = _("Results of implementing Resolution No. 57-NQ/TW in %(period)s — %(scope)s") % {
            "period": period_label, "scope": subject}
        return ReportContent(
            language=language, parent_body=parent_body, issuing_body=issuing_body, number=report.number.strip(),
            place=place, date=created, title=_words(language)["title"], subtitle=subtitle,
            scope_name=_name(scope, language), period_label=period_label, period_start=start, period_end=end,
            sections=[summary, completed, overdue, indicators, recommendation_section, feedback_section,
                      change_section, proposals],
            recipients=recipients, signer_title=signer_title, signer_name=signer_name,
            figures={"current": current, "previous": previous})
