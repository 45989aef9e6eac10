"""Custom panels: the measures an organisation may put on its own dashboards (`MEASURES`), the one validator
of a panel's filters and chart (`clean_filters`, `clean_chart`), and the layout of a computed panel for the page.

Every measure is computed on the dashboard owner's subtree (see `panel_measures`), so a panel never shows more
than the people who may open the dashboard may see anyway.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.indicators import charts
from nq57.indicators.charts import fmt
from nq57.indicators.models import Indicator
from nq57.orgs.models import PROVINCE_KINDS, Organisation
from nq57.plans.models import Assignment, Plan, TaskGroup

from .models import Panel
from .panel_measures import (
    BAR_LIMIT, DEFAULT_MONTHS, FIGURES, MONTH_CHOICES, NUMERIC_INDICATORS, PanelContext, PanelError, feedback_by_month,
    indicator_by_unit, indicator_trend, kpi_rag, on_time_rate, overdue_trend, plan_progress, tasks_by_status,
    tasks_by_timeliness, unit_figures,
)

Chart = Panel.Chart


# --- filters ------------------------------------------------------------------------------------------------


def owner_plans(owner):
    """Plans a panel of `owner` may be filtered on: plans of bodies in its subtree, and plans that assign
    work to its subtree (as `plans.filters.visible_plans` is for a user)."""
    assigned = Assignment.objects.filter(organisation__path__startswith=owner.path).values("task__plan_id")
    return Plan.objects.filter(Q(owner__path__startswith=owner.path) | Q(pk__in=assigned))


def map_allowed(owner):
    """A map of provinces suits an owner with several provinces below it (the nation, the provinces' group)."""
    return Organisation.objects.active().filter(path__startswith=owner.path, kind__in=PROVINCE_KINDS) \
        .exclude(pk=owner.pk).exists()


def _months(value, errors):
    if value in (None, ""):
        return DEFAULT_MONTHS
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = None
    if months not in MONTH_CHOICES:
        errors["months"] = _("Choose 6, 12 or 24 months.")
        return None
    return months


def _pk(value, name, errors, message):
    """An id from a form or stored JSON: a positive integer, else an error on `name`."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or number > 2**31 - 1:
        errors[name] = message
        return None
    return number


def clean_filters(measure_key, raw, owner):
    """The filters of `measure_key` taken from `raw` (strings from a form or values from JSON), checked against
    what `owner` may see. Returns the filters to store; raises ValidationError({name: message}). Keys the
    measure does not accept are dropped."""
    measure = MEASURES.get(measure_key)
    if measure is None:
        raise ValidationError({"measure": _("Choose a measure.")})
    raw = raw or {}
    errors, cleaned = {}, {}
    accepted = set(measure.filters)

    def given(name):
        value = raw.get(name)
        return value not in (None, "") and name in accepted

    plan = None
    if given("plan"):
        pk = _pk(raw["plan"], "plan", errors, _("Choose a plan from the list."))
        if pk is not None:
            plan = owner_plans(owner).filter(pk=pk).first()
            if plan is None:
                errors["plan"] = _("This plan is neither this organisation's own nor assigned to it.")
            else:
                cleaned["plan"] = plan.pk
    elif "plan" in measure.required:
        errors["plan"] = _("Choose a plan.")
    if given("group"):
        code = str(raw["group"]).strip()[:20]
        if plan is None:
            errors.setdefault("group", _("Choose a plan first: group codes belong to a plan."))
        elif not TaskGroup.objects.filter(plan=plan, code=code).exists():
            codes = ", ".join(TaskGroup.objects.filter(plan=plan).order_by("sort_order", "code")
                              .values_list("code", flat=True))
            errors["group"] = (_("This plan has no group “%(code)s”; its groups are: %(codes)s.")
                               % {"code": code, "codes": codes or "—"})
        else:
            cleaned["group"] = code
    if given("assignee"):
        pk = _pk(raw["assignee"], "assignee", errors, _("Choose a unit from the list."))
        if pk is not None:
            if not Organisation.objects.active().filter(pk=pk, parent=owner).exists():
                errors["assignee"] = _("Choose one of this organisation's own units.")
            else:
                cleaned["assignee"] = pk
    if "months" in accepted:
        months = _months(raw.get("months"), errors)
        if months:
            cleaned["months"] = months
    if given("indicator"):
        pk = _pk(raw["indicator"], "indicator", errors, _("Choose an indicator from the list."))
        if pk is not None:
            if not Indicator.objects.filter(NUMERIC_INDICATORS, pk=pk).exists():
                errors["indicator"] = _("Choose an active indicator with numeric values.")
            else:
                cleaned["indicator"] = pk
    elif "indicator" in measure.required:
        errors["indicator"] = _("Choose an indicator.")
    if given("layer"):
        if raw["layer"] not in Indicator.Layer.values:
            errors["layer"] = _("Choose a layer from the list.")
        else:
            cleaned["layer"] = raw["layer"]
    if "figure" in accepted:
        figure = raw.get("figure") or next(iter(FIGURES))
        if figure not in FIGURES:
            errors["figure"] = _("Choose a figure from the list.")
        else:
            cleaned["figure"] = figure
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_chart(measure_key, chart, owner):
    """The chart, if it suits the measure (a map only for an owner with provinces below it)."""
    measure = MEASURES.get(measure_key)
    if measure is None or chart not in measure.charts:
        raise ValidationError({"chart": _("Choose one of the chart types this measure offers.")})
    if chart == Chart.MAP and not map_allowed(owner):
        raise ValidationError({"chart": _("A map of provinces needs an organisation with provinces below it.")})
    return chart


def chart_choices(measure_key, owner_may_map):
    measure = MEASURES[measure_key]
    labels = dict(Chart.choices)
    return [(c, labels[c]) for c in measure.charts if c != Chart.MAP or owner_may_map]


# --- the registry -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A measure a panel may show: the filters it accepts (and requires), the charts that suit it, its data."""

    key: str
    label: Promise
    help: Promise
    filters: tuple
    charts: tuple
    compute: Callable
    required: tuple = ()


TASK_FILTERS = ("plan", "group", "assignee")
MEASURES = {m.key: m for m in [
    Measure("tasks_timeliness", gettext_lazy("Tasks by timeliness"),
            gettext_lazy("Overdue, at risk, on schedule, completed on time or late."),
            TASK_FILTERS, (Chart.BAR, Chart.TABLE, Chart.NUMBER), tasks_by_timeliness),
    Measure("tasks_status", gettext_lazy("Tasks by status"),
            gettext_lazy("Not started, in progress, awaiting verification, completed, cancelled."),
            TASK_FILTERS, (Chart.BAR, Chart.TABLE, Chart.NUMBER), tasks_by_status),
    Measure("overdue_trend", gettext_lazy("Overdue tasks by month"),
            gettext_lazy("How the overdue backlog changed month by month."),
            (*TASK_FILTERS, "months"), (Chart.LINE, Chart.TABLE), overdue_trend),
    Measure("on_time_rate", gettext_lazy("On-time completion rate"),
            gettext_lazy("Share of tasks due that were completed on time, overall or by unit."),
            (*TASK_FILTERS, "months"), (Chart.NUMBER, Chart.BAR, Chart.TABLE), on_time_rate),
    Measure("plan_progress", gettext_lazy("Progress of a plan by group"),
            gettext_lazy("A programme or key project: tasks completed and overdue in each group."),
            ("plan", "assignee"), (Chart.BAR, Chart.TABLE), plan_progress, required=("plan",)),
    Measure("indicator_trend", gettext_lazy("An indicator over time"),
            gettext_lazy("Values of one indicator for this organisation, period by period."),
            ("indicator",), (Chart.LINE, Chart.TABLE), indicator_trend, required=("indicator",)),
    Measure("indicator_units", gettext_lazy("An indicator by unit"),
            gettext_lazy("The latest value of one indicator in each unit."),
            ("indicator",), (Chart.BAR, Chart.TABLE, Chart.MAP), indicator_by_unit, required=("indicator",)),
    Measure("kpi_rag", gettext_lazy("KPI ratings"),
            gettext_lazy("How many indicators are on track, of some concern, off track or without data."),
            ("layer",), (Chart.NUMBER, Chart.BAR, Chart.TABLE), kpi_rag),
    Measure("feedback_months", gettext_lazy("Feedback by month"),
            gettext_lazy("Feedback received, answered and answered on time, month by month."),
            ("months",), (Chart.LINE, Chart.TABLE), feedback_by_month),
    Measure("unit_figures", gettext_lazy("A figure by unit"),
            gettext_lazy("One figure (on-time completion, reporting, KPI, feedback…) for each unit."),
            ("figure", "months"), (Chart.BAR, Chart.TABLE, Chart.MAP), unit_figures),
]}


# --- rendering -------------------------------------------------------------------------------------------------


def format_value(value, kind):
    if value is None:
        return "—"
    if kind == "rate":
        return f"{fmt(value * 100, 1)}%"
    if kind == "pct":
        return f"{fmt(value, 0)}%"
    if kind == "int":
        return number_format(int(value), 0, force_grouping=True)
    return fmt(value)


@dataclass
class RenderedPanel:
    """A panel as the template shows it: the chart (SVG or headline figures), the table, notes or an error."""

    panel: Panel
    error: str = ""
    svg: str = ""
    headline: list = field(default_factory=list)  # [(label, text, rag)]
    label_header: str = ""
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # [(label, url, [text], rag)]
    total: tuple | None = None
    note: str = ""
    chart_note: str = ""
    wide: bool = False  # a table of many columns spans the page's width
    legend: list = field(default_factory=list)  # line charts: [(kind, label)]
    swatches: list = field(default_factory=list)  # maps: [(colour, label)]


def _chart_value(value, kind):
    if value is None:
        return None
    return float(value) * 100 if kind == "rate" else float(value)


RAG_CLASSES = {"red": 1, "amber": 3, "green": 5}


def tile_map(chart_id, title, data):
    """(SVG, swatches) of the provinces on the tile grid: classes by the measure's breaks, or by RAG."""
    from . import tilemap

    tiles, _rows, _columns = tilemap.tile_grid()
    measure = data.map_measure
    if measure is not None:
        breaks = tilemap.breaks_for(measure, [r.value for r in data.rows])
        classes = {id(r): tilemap.classify(r.value, breaks, measure.higher_is_better) for r in data.rows}
        legend = tilemap.legend(measure, breaks)
    else:
        measure = tilemap.Measure("panel", title, "", None, True, "")
        classes = {id(r): RAG_CLASSES.get(r.rag, "none") if r.value is not None else "none" for r in data.rows}
        legend = [(1, _("Off track")), (3, _("Some concern")), (5, _("On track"))]
    rows = [{"organisation": r.organisation, "tile": tiles.get(r.organisation.code), "value": r.value,
             "numerator": r.fraction[0] if r.fraction else None, "denominator": r.fraction[1] if r.fraction else None,
             "text": format_value(r.value, data.value_format), "css_class": classes[id(r)], "url": r.url or None}
            for r in data.rows if r.organisation is not None]
    swatches = [(tilemap.CLASS_COLOURS[c], label) for c, label in legend]
    swatches.append((tilemap.CLASS_COLOURS["none"], _("No data")))
    return tilemap.svg(measure, rows, chart_id=chart_id), swatches


def render_panel(panel, ctx):
    """Compute the panel's measure for the owner in `ctx` and lay it out for the template."""
    measure = MEASURES.get(panel.measure)
    rendered = RenderedPanel(panel)
    if measure is None:
        rendered.error = _("This panel's measure is no longer offered; delete the panel or choose another measure.")
        return rendered
    try:
        data = measure.compute(ctx, panel.filters or {}, panel.chart)
    except PanelError as exc:
        rendered.error = str(exc)
        return rendered
    rendered.label_header = data.label_header
    rendered.headers = [header for header, _kind in data.columns]
    kinds = [kind for _header, kind in data.columns]

    def cells(row):
        return [format_value(v, k) for v, k in zip(row.cells, kinds, strict=True)]

    rendered.rows = [(r.label, r.url, cells(r), r.rag) for r in data.rows]
    if data.total is not None:
        rendered.total = (data.total.label, cells(data.total))
    rendered.note = data.note
    rendered.wide = panel.chart == Chart.TABLE and len(data.columns) > 3
    chart_id = f"panel-{panel.pk}"
    title = panel.title
    unit = " (%)" if data.value_format == "rate" else ""
    if panel.chart == Chart.NUMBER:
        rendered.headline = [(label, format_value(value, kind), rag) for label, value, kind, rag in data.headline]
    elif panel.chart == Chart.MAP:
        rendered.svg, rendered.swatches = tile_map(chart_id, title, data)
    elif panel.chart == Chart.BAR:
        rows = data.rows
        if data.ranked:
            # The units with the highest figures; those without a figure are in the table only.
            rows = sorted((r for r in rows if r.value is not None), key=lambda r: -r.value)[:BAR_LIMIT]
            if len(rows) < len(data.rows):
                rendered.chart_note = (_("The chart shows %(shown)s of the %(total)s units (those with the "
                                         "highest figures); the table lists them all.")
                                       % {"shown": len(rows), "total": len(data.rows)})
        rendered.svg = charts.bar_chart(
            chart_id=chart_id, title=title, desc=f"{data.value_label}{unit}",
            rows=[(r.label, _chart_value(r.value, data.value_format), r.rag) for r in rows])
    elif panel.chart == Chart.LINE:
        points = [(r.date, _chart_value(r.value, data.value_format), r.label) for r in data.rows if r.date]
        second = [(r.date, r.second) for r in data.rows if r.date and r.second is not None]
        rendered.svg = charts.time_series_chart(chart_id=chart_id, title=title, desc=f"{data.value_label}{unit}",
                                                actual=points, trajectory=second if data.second_label else ())
        if data.second_label:
            rendered.legend = [("actual", data.value_label), ("expected", data.second_label)]
    if panel.chart in (Chart.BAR, Chart.LINE, Chart.MAP) and not rendered.svg:
        rendered.chart_note = _("Nothing to draw yet: no figure in this panel has a value.")
    return rendered


def render_panels(panels, owner, today=None):
    ctx = PanelContext(owner, today)
    return [render_panel(panel, ctx) for panel in panels]
