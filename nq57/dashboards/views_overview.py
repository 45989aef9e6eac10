"""The scope dashboard (/dashboards/) and the list behind each of its figures (/dashboards/list/).

A scope is an organisation inside the user's VIEW subtree, the nation (the root) only for those who may view
the root: a province leader sees the province and nothing above it. Both pages cost a constant number of
queries whatever the volume (tests/dashboards/test_dash_overview_queries.py).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.indicators import charts as kpi_charts
from nq57.indicators.charts import fmt
from nq57.indicators.models import Indicator, IndicatorValue
from nq57.indicators.queries import default_scope, index_rows, national_root, scope_choices, with_scope
from nq57.orgs.models import PROVINCE_KINDS, Organisation
from nq57.plans.metrics import completion_filters
from nq57.plans.models import Assignment, ProgressReport
from nq57.plans.templatetags.plan_pages import percent

from . import charts, overview, tilemap

MAX_PK = 2**31 - 1
PAGE_SIZE = 50
TIMELINESS_RAG = {"on_schedule": "", "at_risk": "amber", "overdue": "red", "completed_on_time": "green",
                  "completed_late": "amber", "not_applicable": ""}
MAP_SORTS = {"order": None, "name": "name", "value": "value", "-value": "-value"}


# --- scope --------------------------------------------------------------------------------------------------


def dashboard_scope(user, pk, root):
    """The organisation asked for (?scope=), else the user's default scope; 403 outside the user's VIEW subtree
    (the nation included: no national exception here), 404 for an unknown id."""
    if not can_anywhere(user, Action.VIEW):
        raise PermissionDenied
    if pk is None:
        scope = default_scope(user, root)
    else:
        scope = Organisation.objects.filter(pk=pk).first()
        if scope is None:
            raise Http404
    if not can(user, Action.VIEW, scope):
        raise PermissionDenied
    return scope


def selector_groups(user, root, scope):
    """The scope selector's groups, without the nation for users who may not view it."""
    groups = [(label, [o for o in members if can(user, Action.VIEW, o)])
              for label, members in with_scope(scope_choices(user, root), scope)]
    return [(label, members) for label, members in groups if members]


def drill_url(scope, figure, **filters):
    params = {"scope": scope.pk, "figure": figure, **{k: v for k, v in filters.items() if v not in (None, "")}}
    return f"{reverse('dashboards:drill')}?{urlencode(params)}"


def dashboard_url(scope, **params):
    query = {"scope": scope.pk, **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse('dashboards:home')}?{urlencode(query)}"


def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


# --- the dashboard ------------------------------------------------------------------------------------------


class OverviewForm(forms.Form):
    scope = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK)
    measure = forms.ChoiceField(required=False, choices=[(k, m.label) for k, m in tilemap.MEASURES.items()])
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in MAP_SORTS])


def headline(scope, f, feedback_total):
    """The headline figures: label, value (a count or a rate already written as a percentage), an optional
    note with the numbers behind a rate, and the drill-down url (None for data quality: two sources)."""

    def pct(n, d):
        return percent(ratio(n, d))

    return [
        {"label": _("Assignments"), "value": f.assignments, "url": drill_url(scope, "assignments")},
        {"label": _("Completed"), "value": f.completed, "url": drill_url(scope, "assignments", status="completed")},
        {"label": _("On-time completion"), "value": pct(f.on_time, f.due),
         "note": _("%(on_time)s of %(due)s due") % {"on_time": fmt(f.on_time), "due": fmt(f.due)},
         "url": drill_url(scope, "due")},
        {"label": _("Overdue now"), "value": f.overdue, "url": drill_url(scope, "assignments", timeliness="overdue")},
        {"label": _("At risk"), "value": f.at_risk, "url": drill_url(scope, "assignments", timeliness="at_risk")},
        {"label": _("Reports on time"), "value": pct(f.reports_on_time, f.reports_expected),
         "note": _("%(n)s of %(expected)s expected") % {"n": fmt(f.reports_on_time),
                                                         "expected": fmt(f.reports_expected)},
         "url": drill_url(scope, "reports", on_time="1")},
        {"label": _("KPI values on time"), "value": pct(f.values_on_time, f.values_due),
         "note": _("%(n)s of %(due)s due") % {"n": fmt(f.values_on_time), "due": fmt(f.values_due)},
         "url": drill_url(scope, "values")},
        {"label": _("KPI attainment (mean)"), "value": pct(f.kpi_attainment_sum, f.kpi_assessed),
         "note": ngettext("%(n)s indicator assessed", "%(n)s indicators assessed", f.kpi_assessed) % {
             "n": fmt(f.kpi_assessed)}, "url": drill_url(scope, "indicators")},
        {"label": _("Data quality"), "value": pct(f.quality_ok, f.quality_checked),
         "note": _("%(ok)s of %(checked)s reviewed, approved without return") % {
             "ok": fmt(f.quality_ok), "checked": fmt(f.quality_checked)}, "url": None},
        {"label": _("Feedback received"), "value": feedback_total["received"], "url": drill_url(scope, "feedback")},
        {"label": _("Feedback answered on time"), "value": percent(feedback_total["rate"]),
         "note": _("%(n)s of %(answered)s answered") % {"n": fmt(feedback_total["on_time"]),
                                                          "answered": fmt(feedback_total["answered"])},
         "url": drill_url(scope, "feedback", event="answered")},
        {"label": _("Feedback past its limit"), "value": feedback_total["awaiting_overdue"],
         "url": drill_url(scope, "feedback", state="awaiting_overdue")},
    ]


def group_section(scope, data):
    rows, total = data
    labels = dict(Assignment.Timeliness.choices)
    for row in [*rows, total]:
        group = row["code"] or None
        row["url"] = drill_url(scope, "assignments", group=group)
        row["completed_url"] = drill_url(scope, "assignments", group=group, status="completed")
        row["links"] = [(t, n, drill_url(scope, "assignments", group=group, timeliness=t)) for t, n in row["cells"]]
    categories = [(t, str(labels[t]), overview.TIMELINESS_COLOURS[t]) for t in overview.TIMELINESS_ORDER]
    chart = charts.stacked_bars(
        chart_id="groups-chart", title=_("Assignments by task group and timeliness"),
        desc=_("One bar per task group, split by timeliness; the table below gives the numbers."),
        rows=[((f"{r['code']}. " if r["code"] != overview.NO_GROUP else "") + (r["label"] or ""), r["timeliness"])
              for r in rows], categories=categories)
    timeliness = [{"key": t, "label": labels[t], "count": total["timeliness"].get(t, 0),
                   "share": ratio(total["timeliness"].get(t, 0), total["total"]),
                   "url": drill_url(scope, "assignments", timeliness=t)} for t in overview.TIMELINESS_ORDER]
    timeliness_chart = kpi_charts.bar_chart(
        chart_id="timeliness-chart", title=_("Assignments by timeliness"),
        desc=_("Number of assignments in each timeliness; the table next to it gives the numbers."),
        rows=[(str(t["label"]), t["count"], TIMELINESS_RAG[t["key"]]) for t in timeliness])
    return {"rows": rows, "total": total, "chart": chart, "timeliness": timeliness,
            "timeliness_chart": timeliness_chart, "columns": [(t, labels[t]) for t in overview.TIMELINESS_ORDER]}


def trend_section(scope, points):
    rows = [{"month": m, "count": n, "url": drill_url(scope, "assignments", month=m.key)} for m, n in points]
    chart = charts.month_columns(
        chart_id="overdue-chart", title=_("Overdue assignments at the end of each month"),
        desc=_("Assignments overdue on the last day of each of the last twelve months (today for this month)."),
        labels=[m.label for m, _n in points], series=[(_("Overdue"), [n for _m, n in points], "#b00020")])
    return {"rows": rows, "chart": chart}


def kpi_section(scope, data):
    counts, worst, total = data
    chart_rows = [(f"{r['indicator'].code}. {r['indicator'].name}",
                   r["attainment"] * 100 if r["attainment"] is not None else None, r["rag"]) for r in worst]
    chart = kpi_charts.bar_chart(
        chart_id="kpi-chart", title=_("Attainment of the indicators most off track"),
        desc=_("Attainment in percent of the way from the baseline to the target; the table gives the numbers."),
        rows=chart_rows)
    links = {rag: drill_url(scope, "indicators", rag=rag) for rag in ("green", "amber", "red", "none")}
    return {"counts": counts, "rows": worst, "total": total, "chart": chart, "links": links,
            "index_url": f"{reverse('indicators:index')}?{urlencode({'scope': scope.pk})}"}


def feedback_section(scope, data):
    rows, total = data
    rows, total = [dict(r) for r in rows], dict(total)  # the cached rows stay as they are
    for row in rows:
        key = row["month"].key
        row["received_url"] = drill_url(scope, "feedback", event="received", month=key)
        row["answered_url"] = drill_url(scope, "feedback", event="answered", month=key)
        row["on_time_url"] = drill_url(scope, "feedback", event="on_time", month=key)
    total["received_url"] = drill_url(scope, "feedback", event="received")
    total["answered_url"] = drill_url(scope, "feedback", event="answered")
    total["on_time_url"] = drill_url(scope, "feedback", event="on_time")
    total["awaiting_url"] = drill_url(scope, "feedback", state="awaiting")
    total["awaiting_overdue_url"] = drill_url(scope, "feedback", state="awaiting_overdue")
    chart = charts.month_columns(
        chart_id="feedback-chart", title=_("Feedback received and answered per month"),
        desc=_("Submissions received and answered in each of the last twelve months; the table gives the numbers."),
        labels=[r["month"].label for r in rows],
        series=[(_("Received"), [r["received"] for r in rows], charts.ACTUAL),
                (_("Answered"), [r["answered"] for r in rows], charts.SECOND)])
    return {"rows": rows, "total": total, "chart": chart}


MEASURE_DRILLS = {
    "on_time": ("due", {}), "overdue": ("assignments", {"timeliness": "overdue"}),
    "overdue_share": ("assignments", {"timeliness": "overdue"}), "kpi": ("indicators", {}),
    "feedback_on_time": ("feedback", {"event": "answered"}), "reporting_on_time": ("reports", {}),
}


def map_section(user, scope, all_provinces, figures, measure_key, sort):
    """The tile map and its table, when the scope holds provinces (the nation); None otherwise. `figures` holds
    the Figures of the provinces inside the scope."""
    if not overview.scope_contains_provinces(scope, all_provinces):
        return None
    measure = tilemap.MEASURES[measure_key]

    def link(province):
        return dashboard_url(province, measure=measure_key) if can(user, Action.VIEW, province) else None

    rows, legend = tilemap.map_rows(measure, all_provinces, figures, link=link)
    figure, extra = MEASURE_DRILLS[measure_key]
    for row in rows:
        row["drill_url"] = (drill_url(scope, figure, province=row["organisation"].pk, **extra)
                            if row["organisation"].pk in figures else None)
    svg = tilemap.svg(measure, rows)
    if sort == "name":
        rows.sort(key=lambda r: fold(r["organisation"].name))
    elif sort in ("value", "-value"):
        present = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"],
                         reverse=sort == "-value")
        rows = present + [r for r in rows if r["value"] is None]
    class_labels = dict(legend)
    for row in rows:
        row["class_label"] = class_labels.get(row["css_class"], _("No data"))
    return {"measure": measure, "measures": list(tilemap.MEASURES.values()), "rows": rows, "svg": svg,
            "legend": [(c, label, tilemap.CLASS_COLOURS[c]) for c, label in legend],
            "none_colour": tilemap.CLASS_COLOURS["none"], "sort": sort or "order"}


class OverviewView(LoginRequiredMixin, View):
    """The scope dashboard: headline figures, completion by group and timeliness, overdue trend, KPI index,
    feedback, the map of provinces and the early warnings, each figure linked to the list behind it."""

    def get(self, request):
        user = request.user
        root = national_root()
        form = OverviewForm(request.GET)
        if not form.is_valid():
            return render(request, "dashboards/overview_invalid.html", {"form": form}, status=400)
        params = form.cleaned_data
        scope = dashboard_scope(user, params["scope"], root)
        today = timezone.localdate()
        window = overview.window(today)
        measure, sort = params["measure"] or tilemap.DEFAULT_MEASURE, params["sort"]
        data = overview.scope_data(scope, root, today)
        figures = data["figures"]
        feedback = feedback_section(scope, data["feedback"])
        context = {
            "scope": scope, "root": root, "today": today, "window": window, "computed_at": data["computed_at"],
            "scopes": selector_groups(user, root, scope),
            "figures": headline(scope, figures[scope.pk], feedback["total"]),
            "groups": group_section(scope, data["groups"]), "trend": trend_section(scope, data["trend"]),
            "kpi": kpi_section(scope, data["kpi"]), "feedback": feedback,
            "map": map_section(user, scope, data["provinces"], {pk: figures[pk] for pk in data["inside"]},
                               measure, sort),
            "warnings": data["warnings"], "warning_counts": data["warning_counts"],
        }
        return render(request, "dashboards/overview.html", context)


# --- the lists behind the figures ---------------------------------------------------------------------------


FIGURES = {
    "assignments": gettext_lazy("Assignments"),
    "due": gettext_lazy("Assignments due in the last twelve months"),
    "indicators": gettext_lazy("Indicators"),
    "values": gettext_lazy("KPI values due in the last twelve months"),
    "reports": gettext_lazy("Progress reports of the last twelve months"),
    "feedback": gettext_lazy("Feedback"),
}
FEEDBACK_EVENTS = {"received": gettext_lazy("received"), "answered": gettext_lazy("answered"),
                   "on_time": gettext_lazy("answered on time")}
FEEDBACK_STATES = {"awaiting": gettext_lazy("awaiting an answer"),
                   "awaiting_overdue": gettext_lazy("awaiting an answer past its limit")}


class DrillForm(forms.Form):
    scope = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK)
    figure = forms.CharField(max_length=30)
    group = forms.CharField(required=False, max_length=20)
    timeliness = forms.ChoiceField(required=False, choices=Assignment.Timeliness.choices)
    status = forms.ChoiceField(required=False, choices=[("completed", "completed"), ("open", "open")])
    month = forms.CharField(required=False, max_length=7,
                            validators=[RegexValidator(r"^\d{4}-\d{2}$", gettext_lazy("Write the month as YYYY-MM."))])
    province = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK)
    rag = forms.ChoiceField(required=False, choices=[(k, k) for k in ("green", "amber", "red", "none")])
    event = forms.ChoiceField(required=False, choices=list(FEEDBACK_EVENTS.items()))
    state = forms.ChoiceField(required=False, choices=list(FEEDBACK_STATES.items()))
    on_time = forms.ChoiceField(required=False, choices=[("1", "1"), ("0", "0")])
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def clean_figure(self):
        figure = self.cleaned_data["figure"]
        if figure not in FIGURES:
            raise forms.ValidationError(_("There is no figure “%(figure)s” on the dashboard.") % {"figure": figure})
        return figure


class BadFilter(Exception):
    pass


def _within(scope, data):
    """The organisation the list covers: the province asked for (inside the scope), else the scope."""
    if not data["province"]:
        return scope
    province = Organisation.objects.filter(pk=data["province"], kind__in=PROVINCE_KINDS).first()
    if province is None or not province.path.startswith(scope.path):
        raise BadFilter(_("This province is not inside the scope."))
    return province


def assignment_rows(scope, data, today, window):
    queryset = overview.with_deadline(overview.scope_assignments(scope))
    title = []
    if data["figure"] == "due":
        due, on_time = completion_filters("deadline_in_force", window_start=window["window_start"],
                                          window_end=window["window_end"], today=today)
        queryset = queryset.filter(due)
        if data["on_time"] == "1":
            queryset = queryset.filter(on_time)
            title.append(_("completed on time"))
        elif data["on_time"] == "0":
            queryset = queryset.exclude(on_time)
            title.append(_("not completed on time"))
    if data["group"]:
        if data["group"] == overview.NO_GROUP:
            queryset = queryset.filter(task__group__isnull=True)
            title.append(_("no group"))
        else:
            queryset = queryset.filter(task__group__code=data["group"])
            title.append(_("group %(code)s") % {"code": data["group"]})
    if data["timeliness"]:
        queryset = queryset.filter(timeliness=data["timeliness"])
        title.append(str(Assignment.Timeliness(data["timeliness"]).label).lower())
    if data["status"] == "completed":
        queryset = queryset.filter(status=Assignment.Status.COMPLETED)
        title.append(_("completed"))
    elif data["status"] == "open":
        queryset = queryset.exclude(status=Assignment.Status.COMPLETED)
        title.append(_("not completed"))
    if data["month"]:
        month = overview.parse_month(data["month"], today)
        if month is None:
            raise BadFilter(_("Choose one of the last twelve months."))
        queryset = queryset.filter(overview.overdue_at(month.at))
        title.append(_("overdue on %(day)s") % {"day": month.at.strftime("%d/%m/%Y")})
    queryset = (queryset.select_related("task", "task__plan", "organisation")
                .order_by(F("deadline_in_force").asc(nulls_last=True), "pk"))
    return queryset, title


def feedback_rows(scope, data, today):
    queryset = overview.scope_submissions(scope)
    title = []
    if data["state"]:
        queryset = queryset.filter(overview.awaiting_answer(today, overdue=data["state"] == "awaiting_overdue"))
        title.append(str(FEEDBACK_STATES[data["state"]]))
    else:
        months = overview.last_months(today)
        queryset = queryset.filter(received_at__gte=overview.day_start(months[0].first))
        if data["month"]:
            month = overview.parse_month(data["month"], today)
            if month is None:
                raise BadFilter(_("Choose one of the last twelve months."))
            queryset = queryset.filter(overview.feedback_condition(data["event"] or "received", month))
            title.append(month.label)
        elif data["event"] in ("answered", "on_time"):
            queryset = queryset.filter(answered_at__isnull=False)
            if data["event"] == "on_time":
                queryset = queryset.filter(answered_on_time=True)
        if data["event"]:
            title.insert(0, str(FEEDBACK_EVENTS[data["event"]]))
    return queryset.select_related("lead_agency", "holder").order_by("-received_at", "-pk"), title


def report_rows(scope, data, window):
    queryset = ProgressReport.objects.filter(
        overview.in_subtree(scope, "assignment__organisation__path"), assignment__parent__isnull=True,
        assignment__task__removed=False, period_end__gte=window["window_start"], period_end__lte=window["window_end"])
    queryset = queryset.exclude(status=ProgressReport.Status.DRAFT)
    title = []
    if data["on_time"] == "1":
        queryset = queryset.filter(on_time=True, status=ProgressReport.Status.APPROVED)
        title.append(_("approved, filed on time"))
    elif data["on_time"] == "0":
        queryset = queryset.exclude(on_time=True)
        title.append(_("filed late"))
    return (queryset.select_related("assignment__task", "assignment__organisation")
            .order_by("-period_end", "-pk"), title)


def value_rows(scope, data, window):
    queryset = IndicatorValue.objects.filter(overview.in_subtree(scope, "organisation__path"), is_current=True,
                                             due_on__gte=window["window_start"], due_on__lte=window["window_end"])
    title = []
    if data["on_time"] == "1":
        queryset = queryset.filter(submitted_on_time=True)
        title.append(_("submitted on time"))
    elif data["on_time"] == "0":
        queryset = queryset.exclude(submitted_on_time=True)
        title.append(_("not submitted on time"))
    return queryset.select_related("indicator", "organisation").order_by("due_on", "pk"), title


def indicator_rows(scope, data, root):
    indicators = list(Indicator.objects.filter(is_active=True).select_related("owner"))
    rows = index_rows(indicators, scope, root)
    title = []
    if data["rag"]:
        rows = [r for r in rows if (r["rag"] or "none") == data["rag"]]
        title.append({"green": _("on track"), "amber": _("some concern"), "red": _("off track"),
                      "none": _("no data")}[data["rag"]])
    rows.sort(key=lambda r: (overview.RAG_ORDER.get(r["rag"], 3),
                             r["attainment"] if r["attainment"] is not None else float("inf"),
                             r["indicator"].sort_order, r["indicator"].code))
    return rows, title


class DrillView(LoginRequiredMixin, View):
    """The list behind one figure of the dashboard, 50 rows a page, each linked to its object, with the
    responsible agency."""

    def get(self, request):
        user = request.user
        root = national_root()
        form = DrillForm(request.GET)
        if not form.is_valid():
            return render(request, "dashboards/drill.html", {"form": form, "invalid": True}, status=400)
        data = form.cleaned_data
        scope = dashboard_scope(user, data["scope"], root)
        today = timezone.localdate()
        window = overview.window(today)
        try:
            within = _within(scope, data)
            figure = data["figure"]
            if figure in ("assignments", "due"):
                rows, title = assignment_rows(within, data, today, window)
            elif figure == "feedback":
                rows, title = feedback_rows(within, data, today)
            elif figure == "reports":
                rows, title = report_rows(within, data, window)
            elif figure == "values":
                rows, title = value_rows(within, data, window)
            else:
                rows, title = indicator_rows(within, data, root)
        except BadFilter as error:
            return render(request, "dashboards/drill.html", {"form": form, "invalid": True, "message": str(error)},
                          status=400)
        page = Paginator(rows, PAGE_SIZE).get_page(data["page"] or 1)
        params = request.GET.copy()
        params.pop("page", None)
        context = {"scope": scope, "root": root, "within": within, "figure": figure,
                   "figure_label": FIGURES[figure], "filters": title, "page": page, "today": today,
                   "window": window, "query": params.urlencode(), "back_url": dashboard_url(scope)}
        return render(request, f"dashboards/drill_{figure if figure != 'due' else 'assignments'}.html", context)
