"""The measures of custom panels: each computes its table, chart value and headline figures for the
dashboard owner's subtree in a constant number of queries (`nq57.dashboards.panels` holds the registry, the
filter validator and the rendering).

Units: a "task" here is a task as assigned to one agency (a top-level assignment, as `figures` counts them);
cancelled ones are left out except in "tasks by status"; tasks removed in a later version of a plan never count.
On a plan of a body inside the owner's subtree the whole plan counts (the dashboard's viewers may see all of it);
on any other plan, only the work assigned to the subtree.
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.indicators.models import Indicator, IndicatorRollup
from nq57.indicators.queries import breakdown_rows, has_data, period_label
from nq57.orgs.models import PROVINCE_KINDS, Organisation
from nq57.plans.metrics import completion_filters, rate
from nq57.plans.models import Assignment, Plan, TaskGroup

from .models import Panel

S = Assignment.Status
T = Assignment.Timeliness
Chart = Panel.Chart
MONTH_CHOICES = (6, 12, 24)
DEFAULT_MONTHS = 12
BAR_LIMIT = 20  # bars of a breakdown by unit; the table lists every unit
NUMERIC_INDICATORS = Q(is_active=True) & ~Q(value_type__in=[Indicator.ValueType.MILESTONE,
                                                             Indicator.ValueType.QUALITATIVE])


class PanelError(Exception):
    """A panel whose saved filters no longer apply (its plan, group, unit or indicator is gone)."""


# --- the data of one panel, ready to render ----------------------------------------------------------------


@dataclass
class Row:
    """One line of a panel's table; `value` is what the chart draws (None = no figure)."""

    label: str
    cells: list  # raw numbers, one per column; formatted with the panel's column formats
    value: float | None = None
    rag: str = ""
    url: str = ""
    date: datetime.date | None = None  # the x position of a line chart
    second: float | None = None  # the dashed line of a line chart
    organisation: Organisation | None = None  # the unit of a breakdown (placed on a map)
    fraction: tuple | None = None  # (numerator, denominator) of a rate, shown on the map's tiles


@dataclass
class PanelData:
    """What a measure computes: a table (columns, rows, total), the charted value and the headline figures."""

    label_header: str
    columns: list  # [(header, format)], format one of "int", "rate" (0–1), "pct" (0–100), "number"
    rows: list
    value_format: str = "int"
    value_label: str = ""
    headline: list = field(default_factory=list)  # [(label, value, format, rag)]
    total: Row | None = None
    ranked: bool = False  # a breakdown by unit: bars sorted by value, the first BAR_LIMIT shown
    second_label: str = ""
    note: str = ""
    map_measure: object = None  # a tilemap.Measure: map classes by its breaks; else by the rows' RAG


class PanelContext:
    """What the panels of one dashboard share: its owner, today, and the owner's units read once."""

    def __init__(self, owner, today=None):
        self.owner = owner
        self.today = today or timezone.localdate()
        self._children = None
        self._provinces = None

    def children(self):
        """The owner's direct active children (for a province: its departments and communes)."""
        if self._children is None:
            self._children = list(Organisation.objects.active().filter(parent=self.owner)
                                  .only("pk", "code", "name", "short_name", "kind", "path", "sort_order")
                                  .order_by("sort_order", "name"))
        return self._children

    def provinces(self):
        """The active provinces in the owner's subtree: the units of a map."""
        if self._provinces is None:
            self._provinces = list(Organisation.objects.active()
                                   .filter(path__startswith=self.owner.path, kind__in=PROVINCE_KINDS)
                                   .exclude(pk=self.owner.pk).only("pk", "code", "name", "short_name", "kind",
                                                                   "path", "admin_code", "sort_order")
                                   .order_by("sort_order", "name"))
        return self._provinces

    def units(self, chart):
        return self.provinces() if chart == Chart.MAP else self.children()


def unit_label(organisation):
    return organisation.short_name or organisation.name


# --- shared pieces of the task measures -----------------------------------------------------------------------


def _plan(pk):
    plan = Plan.objects.select_related("owner").filter(pk=pk).first()
    if plan is None:
        raise PanelError(_("The plan of this panel no longer exists."))
    return plan


def _child(ctx, pk):
    found = next((o for o in ctx.children() if o.pk == pk), None)
    if found is None:
        raise PanelError(_("The unit this panel is filtered on is no longer one of this organisation's units."))
    return found


@dataclass
class TaskScope:
    """The assignments a task measure counts, and how to reach them in the plan's task list."""

    assignments: object
    plan: Plan | None
    group: TaskGroup | None
    agency: Organisation | None

    def list_url(self, **params):
        """The plan's task list behind a figure (only when the panel is on one plan)."""
        if self.plan is None:
            return ""
        if self.agency is not None:
            params["agency"] = self.agency.code
        if self.group is not None:
            params.setdefault("group", self.group.pk)
        return reverse("plans:tasks", args=[self.plan.pk]) + "?" + urlencode(params)


def task_scope(ctx, filters, *, cancelled=False):
    """Top-level assignments of tasks not removed in the owner's subtree. On a plan of a body in the subtree,
    the whole plan (its viewers may see all of it), else the plan's work assigned to the subtree."""
    owner = ctx.owner
    assignments = Assignment.objects.filter(parent__isnull=True, task__removed=False)
    if not cancelled:
        assignments = assignments.exclude(status=S.CANCELLED)
    plan = group = None
    agency = owner
    if filters.get("plan"):
        plan = _plan(filters["plan"])
        assignments = assignments.filter(task__plan=plan)
        if plan.owner.path.startswith(owner.path):
            agency = None
    if agency is not None:
        assignments = assignments.filter(organisation__path__startswith=owner.path)
    if filters.get("group") and plan is not None:
        group = TaskGroup.objects.filter(plan=plan, code=filters["group"]).first()
        if group is None:
            raise PanelError(_("The group of this panel is no longer in its plan."))
        assignments = assignments.filter(task__group=group)
    if filters.get("assignee"):
        agency = _child(ctx, filters["assignee"])
        assignments = assignments.filter(organisation__path__startswith=agency.path)
    return TaskScope(assignments.order_by(), plan, group, agency)


def _short(day):
    return date_format(day, "SHORT_DATE_FORMAT")


def _window(today, months):
    """The last `months` months up to today, both ends included."""
    start_month = today.month - months
    year, month = today.year + (start_month - 1) // 12, (start_month - 1) % 12 + 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day) + datetime.timedelta(days=1), today


def _month_spans(today, months):
    """[(first day, last day, label)] of the last `months` calendar months, the current one ending today."""
    spans = []
    for back in range(months - 1, -1, -1):
        index = today.year * 12 + today.month - 1 - back
        year, month = divmod(index, 12)
        month += 1
        last = today if back == 0 else datetime.date(year, month, calendar.monthrange(year, month)[1])
        spans.append((datetime.date(year, month, 1), last, f"{month:02d}/{year}"))
    return spans


# --- the measures ---------------------------------------------------------------------------------------------

TIMELINESS_RAG = {T.ON_SCHEDULE: "green", T.COMPLETED_ON_TIME: "green", T.AT_RISK: "amber",
                  T.COMPLETED_LATE: "amber", T.OVERDUE: "red"}
TIMELINESS_ORDER = [T.OVERDUE, T.AT_RISK, T.ON_SCHEDULE, T.COMPLETED_ON_TIME, T.COMPLETED_LATE, T.NOT_APPLICABLE]
STATUS_ORDER = [S.NOT_STARTED, S.IN_PROGRESS, S.PENDING_VERIFICATION, S.COMPLETED, S.CANCELLED]


def tasks_by_timeliness(ctx, filters, chart):
    scope = task_scope(ctx, filters)
    counts = dict(scope.assignments.values_list("timeliness").annotate(n=Count("pk")))
    labels = dict(T.choices)
    rows = [Row(str(labels[key]), [counts.get(key, 0)], counts.get(key, 0), TIMELINESS_RAG.get(key, ""),
                scope.list_url(timeliness=key)) for key in TIMELINESS_ORDER]
    total = sum(counts.values())
    return PanelData(_("Timeliness"), [(_("Tasks"), "int")], rows, value_label=_("Tasks"),
                     total=Row(_("Total"), [total], total),
                     headline=[(_("Tasks"), total, "int", ""), (labels[T.OVERDUE], counts.get(T.OVERDUE, 0), "int",
                                                                  "red"),
                               (labels[T.AT_RISK], counts.get(T.AT_RISK, 0), "int", "amber")],
                     note=_("Each task counts once per responsible agency; cancelled ones are left out."))


def tasks_by_status(ctx, filters, chart):
    scope = task_scope(ctx, filters, cancelled=True)
    counts = dict(scope.assignments.values_list("status").annotate(n=Count("pk")))
    labels = dict(S.choices)
    rows = [Row(str(labels[key]), [counts.get(key, 0)], counts.get(key, 0),
                "green" if key == S.COMPLETED else "", scope.list_url(status=key)) for key in STATUS_ORDER]
    total = sum(counts.values())
    return PanelData(_("Status"), [(_("Tasks"), "int")], rows, value_label=_("Tasks"),
                     total=Row(_("Total"), [total], total),
                     headline=[(_("Tasks"), total, "int", ""), (labels[S.COMPLETED], counts.get(S.COMPLETED, 0),
                                                                  "int", "green"),
                               (labels[S.IN_PROGRESS], counts.get(S.IN_PROGRESS, 0), "int", "")],
                     note=_("Each task counts once per responsible agency."))


def overdue_at(day):
    """Assignments overdue on `day`: their deadline in force had passed and they were not completed by then."""
    completed_by = Q(status=S.COMPLETED) & (Q(completed_on__isnull=True) | Q(completed_on__lte=day))
    return Q(deadline_in_force__lt=day) & ~completed_by


def overdue_trend(ctx, filters, chart):
    scope = task_scope(ctx, filters)
    spans = _month_spans(ctx.today, filters.get("months", DEFAULT_MONTHS))
    sums = (scope.assignments.annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))
            .aggregate(**{f"m{i}": Count("pk", filter=overdue_at(last)) for i, (_f, last, _l) in enumerate(spans)}))
    rows = [Row(label, [sums[f"m{i}"]], sums[f"m{i}"], date=last) for i, (_first, last, label) in enumerate(spans)]
    return PanelData(_("Month"), [(_("Overdue tasks at the month's end"), "int")], rows,
                     value_label=_("Overdue tasks"),
                     note=_("A task is overdue at a date when its deadline in force had passed and it was not "
                            "completed by then; the current month is counted up to today."))


def _by_unit_prefix(queryset, path_field, owner, units, **aggregates):
    """{unit pk or "own" or "other": aggregates} of `queryset` grouped by the unit of the owner's subtree
    each row belongs to, in one query (the units are siblings, so their paths have one length)."""
    length = len(owner.path) + 8
    by_path = {u.path: u.pk for u in units}
    rows = (queryset.annotate(unit_path=Substr(path_field, 1, length)).values("unit_path")
            .annotate(**aggregates).order_by())
    found = {}
    for row in rows:
        path = row.pop("unit_path")
        key = by_path.get(path) or ("own" if path == owner.path else "other")
        target = found.setdefault(key, dict.fromkeys(aggregates, 0))
        for name, value in row.items():
            target[name] += value or 0
    return found


def on_time_rate(ctx, filters, chart):
    scope = task_scope(ctx, filters)
    start, end = _window(ctx.today, filters.get("months", DEFAULT_MONTHS))
    due, on_time = completion_filters("deadline_in_force", window_start=start, window_end=end, today=ctx.today)
    assignments = scope.assignments.annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))
    units = ctx.children() if scope.agency is None or scope.agency == ctx.owner else [scope.agency]
    sums = _by_unit_prefix(assignments, "organisation__path", ctx.owner, units,
                           due=Count("pk", filter=due), on_time=Count("pk", filter=on_time))
    rows = []
    for unit in units:
        found = sums.get(unit.pk, {"due": 0, "on_time": 0})
        rows.append(Row(unit_label(unit), [found["on_time"], found["due"], rate(found["on_time"], found["due"])],
                        rate(found["on_time"], found["due"])))
    for key, label in (("own", _("%(name)s itself") % {"name": unit_label(ctx.owner)}), ("other", _("Other agencies"))):
        if key in sums:
            found = sums[key]
            rows.append(Row(label, [found["on_time"], found["due"], rate(found["on_time"], found["due"])],
                            rate(found["on_time"], found["due"])))
    total_on_time = sum(v["on_time"] for v in sums.values())
    total_due = sum(v["due"] for v in sums.values())
    total_rate = rate(total_on_time, total_due)
    return PanelData(_("Unit"), [(_("Completed on time"), "int"), (_("Due"), "int"), (_("Rate"), "rate")], rows,
                     value_format="rate", value_label=_("On-time completion rate"), ranked=True,
                     total=Row(_("Total"), [total_on_time, total_due, total_rate], total_rate),
                     headline=[(_("On-time completion rate"), total_rate, "rate", ""),
                               (_("Completed on time"), total_on_time, "int", ""), (_("Due"), total_due, "int", "")],
                     note=_("Tasks whose deadline in force fell between %(start)s and %(end)s and has passed, or "
                            "that are completed; on time = completed on or before that deadline.")
                     % {"start": _short(start), "end": _short(end)})


def plan_progress(ctx, filters, chart):
    scope = task_scope(ctx, filters)
    groups = list(TaskGroup.objects.filter(plan=scope.plan).order_by("sort_order", "code"))
    sums = {row.pop("task__group_id"): row for row in scope.assignments.values("task__group_id").annotate(
        tasks=Count("task_id", distinct=True), assignments=Count("pk"),
        completed=Count("pk", filter=Q(status=S.COMPLETED)), overdue=Count("pk", filter=Q(timeliness=T.OVERDUE)),
        progress=Avg("progress"))}
    empty = {"tasks": 0, "assignments": 0, "completed": 0, "overdue": 0, "progress": None}

    def row(label, found, url=""):
        share = rate(found["completed"], found["assignments"])
        return Row(label, [found["tasks"], found["assignments"], found["completed"], found["overdue"], share,
                           found["progress"]], share, url=url)

    rows = [row(f"{g.code}. {g.title}", sums.get(g.pk, empty), scope.list_url(group=g.pk)) for g in groups]
    if None in sums:
        rows.append(row(_("Tasks without a group"), sums[None]))
    totals = {name: sum(s[name] for s in sums.values()) for name in ("tasks", "assignments", "completed", "overdue")}
    weighted = sum((s["progress"] or 0) * s["assignments"] for s in sums.values())
    totals["progress"] = weighted / totals["assignments"] if totals["assignments"] else None
    return PanelData(_("Group"), [(_("Tasks"), "int"), (_("Assigned"), "int"), (_("Completed"), "int"),
                                  (_("Overdue"), "int"), (_("Share completed"), "rate"), (_("Mean progress"), "pct")],
                     rows, value_format="rate", value_label=_("Share completed"), total=row(_("Total"), totals),
                     note=_("%(plan)s: tasks counted once per responsible agency; mean progress as last reported.")
                     % {"plan": str(scope.plan)})


def _indicator(pk):
    indicator = Indicator.objects.filter(NUMERIC_INDICATORS, pk=pk).first()
    if indicator is None:
        raise PanelError(_("The indicator of this panel is no longer active."))
    return indicator


def indicator_trend(ctx, filters, chart):
    indicator = _indicator(filters["indicator"])
    rollups = list(IndicatorRollup.objects.filter(indicator=indicator, organisation=ctx.owner)
                   .order_by("series", "period_end")
                   .values("series", "period_end", "value", "progress", "reported", "attainment", "rag"))
    present = sorted({r["series"] for r in rollups})
    series = "" if "" in present or not present else present[0]
    rows = []
    for r in rollups:
        if r["series"] != series:
            continue
        value = float(r["value"]) if has_data(r) and r["value"] is not None else None
        attainment = r["attainment"] if value is not None else None
        rows.append(Row(period_label(indicator, r["period_end"]), [value, attainment], value,
                        r["rag"] if value is not None else "", date=r["period_end"]))
    unit = f" ({indicator.unit})" if indicator.unit else ""
    return PanelData(_("Period"), [(_("Value") + unit, "number"), (_("Attainment"), "rate")], rows,
                     value_format="number", value_label=f"{indicator.code}. {indicator.name}"[:120],
                     note=_("Approved values rolled up over %(scope)s.") % {"scope": ctx.owner.name}
                     + (" " + _("Series: %(series)s.") % {"series": series} if series else ""))


def indicator_by_unit(ctx, filters, chart):
    indicator = _indicator(filters["indicator"])
    units = ctx.units(chart)
    latest = (IndicatorRollup.objects.filter(indicator=indicator, organisation__in=[u.pk for u in units],
                                             reported__gt=0, period_end__lte=ctx.today)
              .order_by("series", "-period_end").values_list("series", "period_end").first())
    rows, note = [], _("No unit has reported a value yet.")
    if latest is not None:
        series, period_end = latest
        label = period_label(indicator, period_end)
        for r in breakdown_rows(indicator, units, series, period_end):
            value = float(r["value"]) if r["value"] is not None else None
            rows.append(Row(unit_label(r["organisation"]), [value, r["attainment"]], value, r["rag"],
                            reverse("indicators:detail", args=[indicator.pk]) + f"?scope={r['organisation'].pk}",
                            organisation=r["organisation"]))
        note = _("Period: %(period)s.") % {"period": label} + (" " + _("Series: %(series)s.") % {"series": series}
                                                                if series else "")
    unit = f" ({indicator.unit})" if indicator.unit else ""
    return PanelData(_("Unit"), [(_("Value") + unit, "number"), (_("Attainment"), "rate")], rows,
                     value_format="number", value_label=f"{indicator.code}. {indicator.name}"[:120], ranked=True,
                     note=note)


def kpi_rag(ctx, filters, chart):
    rollups = IndicatorRollup.objects.filter(organisation=ctx.owner, period_end__lte=ctx.today,
                                             indicator__is_active=True)
    if filters.get("layer"):
        rollups = rollups.filter(indicator__layer=filters["layer"])
    by_indicator = defaultdict(list)
    for r in rollups.order_by("indicator_id", "series", "period_end").values(
            "indicator_id", "series", "period_end", "value", "progress", "reported", "rag"):
        by_indicator[r["indicator_id"]].append(r)
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for found in by_indicator.values():
        # As the KPI index: the series without a name, else the first one; its latest period with data.
        present = {r["series"] for r in found}
        series = "" if "" in present else min(present)
        latest = next((r for r in reversed(found) if r["series"] == series and has_data(r)), None)
        counts[latest["rag"] if latest and latest["rag"] in counts else "none"] += 1
    base = reverse("indicators:index") + f"?scope={ctx.owner.pk}"
    labels = {"green": _("On track"), "amber": _("Some concern"), "red": _("Off track"), "none": _("No data")}
    rows = [Row(labels[k], [counts[k]], counts[k], "" if k == "none" else k, f"{base}&rag={k}") for k in counts]
    return PanelData(_("Rating"), [(_("Indicators"), "int")], rows, value_label=_("Indicators"),
                     total=Row(_("Total"), [len(by_indicator)], len(by_indicator)),
                     headline=[(labels[k], counts[k], "int", k) for k in counts],
                     note=_("The latest rating of every indicator rolled up at %(scope)s.") % {"scope": ctx.owner.name})


def feedback_by_month(ctx, filters, chart):
    from nq57.feedback.models import Submission

    zone = timezone.get_current_timezone()
    spans = _month_spans(ctx.today, filters.get("months", DEFAULT_MONTHS))
    aggregates = {}
    for i, (first, last, _label) in enumerate(spans):
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        received = Q(received_at__gte=start, received_at__lt=end)
        aggregates[f"r{i}"] = Count("pk", filter=received)
        aggregates[f"a{i}"] = Count("pk", filter=received & Q(answered_at__isnull=False))
        aggregates[f"t{i}"] = Count("pk", filter=received & Q(answered_at__isnull=False, answered_on_time=True))
    sums = (Submission.objects.filter(lead_agency__path__startswith=ctx.owner.path,
                                      received_at__gte=datetime.datetime.combine(spans[0][0], datetime.time.min,
                                                                                 tzinfo=zone))
            .aggregate(**aggregates))
    rows = [Row(label, [sums[f"r{i}"], sums[f"a{i}"], sums[f"t{i}"], rate(sums[f"t{i}"], sums[f"a{i}"])],
                sums[f"r{i}"], date=last, second=sums[f"t{i}"])
            for i, (_first, last, label) in enumerate(spans)]
    return PanelData(_("Month received"), [(_("Received"), "int"), (_("Answered"), "int"),
                                           (_("Answered on time"), "int"), (_("On-time rate"), "rate")], rows,
                     value_label=_("Received"), second_label=_("Answered on time"),
                     note=_("Feedback whose lead agency is in %(scope)s, by the month it was received.")
                     % {"scope": ctx.owner.name})


# figure key: (label, numerator field of Figures, denominator field or None, format, higher is better)
FIGURES = {
    "on_time_rate": (gettext_lazy("On-time completion rate"), "on_time", "due", "rate", True),
    "overdue": (gettext_lazy("Overdue tasks"), "overdue", None, "int", False),
    "at_risk": (gettext_lazy("Tasks at risk"), "at_risk", None, "int", False),
    "reporting_rate": (gettext_lazy("On-time reporting rate"), "reports_on_time", "reports_expected", "rate", True),
    "values_rate": (gettext_lazy("KPI values reported on time"), "values_on_time", "values_due", "rate", True),
    "quality": (gettext_lazy("Data quality (approved without being returned)"), "quality_ok", "quality_checked",
                "rate", True),
    "kpi_attainment": (gettext_lazy("Mean KPI attainment"), "kpi_attainment_sum", "kpi_assessed", "rate", True),
    "kpi_red": (gettext_lazy("KPIs off track"), "kpi_red", None, "int", False),
    "feedback_received": (gettext_lazy("Feedback received"), "feedback_received", None, "int", True),
    "feedback_rate": (gettext_lazy("Feedback answered on time"), "feedback_on_time", "feedback_answered", "rate",
                      True),
    "feedback_overdue": (gettext_lazy("Feedback past its deadline, unanswered"), "feedback_open_overdue", None,
                         "int", False),
}


def unit_figures(ctx, filters, chart):
    from .figures import org_figures
    from .tilemap import Measure as MapMeasure

    key = filters.get("figure") or "on_time_rate"
    label, numerator, denominator, value_format, higher = FIGURES[key]
    units = ctx.units(chart)
    start, end = _window(ctx.today, filters.get("months", DEFAULT_MONTHS))
    figures = org_figures(units, today=ctx.today, window_start=start, window_end=end) if units else {}
    rows = []
    for unit in units:
        found = figures.get(unit.pk)
        top = getattr(found, numerator, 0) if found else 0
        if denominator:
            bottom = getattr(found, denominator, 0) if found else 0
            value = rate(top, bottom)  # for the attainment: the mean of the indicators' attainments
            cells, fraction = [top, bottom, value], (top, bottom)
        else:
            value, cells, fraction = top, [top], None
        rows.append(Row(unit_label(unit), cells, value, organisation=unit, fraction=fraction))
    if denominator:
        columns = [(_("Numerator"), "number" if numerator == "kpi_attainment_sum" else "int"),
                   (_("Denominator"), "int"), (str(label), value_format)]
    else:
        columns = [(str(label), value_format)]
    return PanelData(_("Unit"), columns, rows, value_format=value_format, value_label=str(label), ranked=True,
                     map_measure=MapMeasure(key, label, numerator, denominator, higher, ""),
                     note=_("Each unit's whole subtree, from %(start)s to %(end)s.")
                     % {"start": _short(start), "end": _short(end)})
