"""The KPI index, an indicator's page and the comparison of provinces or ministries on one indicator.

Definitions, targets and stored roll-ups are for every signed-in user holding VIEW somewhere; a scope
is the user's VIEW subtree or the nation. Each page reads a constant number of queries and exports the
same rows as XLSX or CSV (?format=xlsx|csv).
"""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action
from nq57.orgs.models import PROVINCE_KINDS

from .. import calendar, charts, exports
from ..forms import IndexFilterForm, IndicatorPageForm
from ..models import Baseline, Indicator, IndicatorRollup, Milestone, Target
from ..periods import parse_period, period_containing
from ..queries import (applicable, as_tree, breakdown_organisations, breakdown_rows, index_rows, latest_period_end,
                       linked_tasks, matches, national_root, on_time_counts, rank, require_viewer, resolve_scope,
                       scope_choices, series_of, summary_counts, target_label, time_series, trajectory,
                       with_scope)

def _format(request):
    fmt = request.GET.get("format", "")
    return fmt if fmt in exports.FORMATS else ""


class KpiIndexView(LoginRequiredMixin, View):
    """Every active indicator with its latest value, targets, attainment, RAG and trend for one scope."""

    def get(self, request):
        user = request.user
        require_viewer(user)
        root = national_root()
        form = IndexFilterForm(request.GET)
        context = {"form": form, "root": root, "rows": [], "counts": summary_counts([]),
                   "scopes": scope_choices(user, root)}
        if not form.is_valid():
            context["scope"] = root
            return render(request, "indicators/index.html", context, status=400)
        data = form.cleaned_data
        scope = resolve_scope(user, data["scope"], root)
        indicators = Indicator.objects.filter(is_active=True).select_related("owner", "source_plan")
        if data["layer"]:
            indicators = indicators.filter(layer=data["layer"])
        if data["plan"]:
            indicators = indicators.filter(source_plan=data["plan"])
        if data["owner"]:
            indicators = indicators.filter(owner=data["owner"])
        indicators = as_tree([i for i in indicators if matches(i, data["q"])])
        rows = index_rows(indicators, scope, root)
        counts = summary_counts(rows)
        if data["rag"]:
            rows = [r for r in rows if (r["rag"] or "none") == data["rag"]]
        if _format(request):
            return exports.index_export(_format(request), rows, scope)
        for row in rows:
            indicator = row["indicator"]
            row["sparkline"] = charts.sparkline(
                [p["value"] for p in row["trend"]], chart_id=f"trend-{indicator.pk}", rag=row["rag"],
                label=_("Trend of %(code)s over the last %(n)d periods") % {"code": indicator.code,
                                                                              "n": len(row["trend"])})
        context.update({"scope": scope, "rows": rows, "counts": counts, "layer": data["layer"],
                        "scopes": with_scope(context["scopes"], scope),
                        "may_enter": can_anywhere(user, Action.REPORT) or can_anywhere(user, Action.APPROVE),
                        "may_assign": can_anywhere(user, Action.ASSIGN),
                        "layers": Indicator.Layer.choices,
                        "filtered": any(data[k] for k in ("plan", "owner", "rag", "q"))})
        return render(request, "indicators/index.html", context)


def _page_inputs(request, indicator):
    """(form, scope, series, root) of ?scope=&series=; raises for a scope out of reach."""
    user = request.user
    require_viewer(user)
    root = national_root()
    form = IndicatorPageForm(request.GET)
    if not form.is_valid():
        return form, None, None, root
    scope = resolve_scope(user, form.cleaned_data["scope"], root)
    available = series_of(indicator)
    series = form.cleaned_data["series"]
    if series and series not in available:
        form.add_error("series", _("This indicator has no series “%(series)s”.") % {"series": series})
        return form, scope, None, root
    if not series:
        series = "" if "" in available else available[0]
    form.series_choices = available
    return form, scope, series, root


def _period_or_error(form, indicator, text):
    """The period of a key such as 2026-Q2 for this indicator's frequency; None (with a form error) if unreadable."""
    period = parse_period(text, indicator.frequency)
    if period is None:
        form.add_error("period", _("“%(text)s” is not a period of this indicator (e.g. %(example)s).")
                       % {"text": text, "example": period_containing(timezone.localdate(), indicator.frequency).key})
    return period


class IndicatorDetailView(LoginRequiredMixin, View):
    """Definition, targets and baselines with their versions, the time series (chart and table), the
    breakdown by province or ministry, data quality and linked tasks."""

    def get(self, request, pk):
        indicator = get_object_or_404(Indicator.objects.select_related("owner", "source_plan", "parent"), pk=pk)
        form, scope, series, root = _page_inputs(request, indicator)
        if series is None:
            return render(request, "indicators/detail.html",
                          {"indicator": indicator, "form": form, "scope": scope or root, "root": root,
                           "invalid": True}, status=400)
        user, today = request.user, timezone.localdate()
        points = time_series(indicator, scope, series)
        period = None
        if form.cleaned_data["period"]:
            period = _period_or_error(form, indicator, form.cleaned_data["period"])
            if period is None:
                return render(request, "indicators/detail.html",
                              {"indicator": indicator, "form": form, "scope": scope, "root": root, "invalid": True},
                              status=400)
        else:
            latest = next((p for p in reversed(points) if p["has_data"]), points[-1] if points else None)
            if latest:
                period = period_containing(latest["period_end"], indicator.frequency)
        organisations = breakdown_organisations(indicator, scope)
        breakdown = breakdown_rows(indicator, organisations, series, period.end) if period else []
        for row in breakdown:
            row["linkable"] = can(request.user, Action.VIEW, row["organisation"])
        fmt = _format(request)
        if fmt and request.GET.get("table") == "breakdown":
            return exports.breakdown_export(fmt, indicator, period.label if period else "", breakdown)
        if fmt:
            return exports.series_export(fmt, indicator, scope, points)

        targets = list(Target.objects.filter(indicator=indicator).select_related("organisation", "created_by")
                       .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("date")))
                       .order_by("series", "year", "organisation__name", "-version"))
        baselines = list(Baseline.objects.filter(indicator=indicator).select_related("organisation", "created_by")
                         .order_by("series", "organisation__name", "-version"))
        in_scope = (None, scope.pk)
        current_targets = applicable([t for t in targets if t.is_current and t.organisation_id in in_scope],
                                     indicator, scope, root)
        current_baselines = applicable([b for b in baselines if b.is_current and b.organisation_id in in_scope],
                                       indicator, scope, root)
        for target in targets:
            target.label = target_label(target)
        chart = charts.time_series_chart(
            chart_id="series-chart",
            title=_("%(code)s in %(scope)s: values by period") % {
                "code": indicator.code, "scope": _("the whole country") if scope.pk == root.pk else scope.name},
            desc=_("Line: rolled-up values; dashed line: expected trajectory from the baseline to the target; "
                   "diamonds: targets. The table below gives the same numbers."),
            actual=[(p["period_end"], p["value"], p["label"]) for p in points if indicator.is_numeric],
            trajectory=trajectory(indicator, scope, series, root, current_targets, current_baselines),
            targets=[(_year_end(t.year), t.value, target_label(t)) for t in current_targets
                     if t.series == series and t.value is not None and indicator.is_numeric],
            unit=indicator.unit)
        quality = calendar.data_quality(indicator, scope, today)
        return render(request, "indicators/detail.html", {
            "indicator": indicator, "form": form, "scope": scope, "root": root, "series": series,
            "series_choices": form.series_choices, "scopes": with_scope(scope_choices(user, root), scope),
            "points": list(reversed(points)), "chart": chart, "period": period,
            "targets": targets, "baselines": baselines, "current_targets": current_targets,
            "current_baselines": current_baselines, "breakdown": breakdown,
            "breakdown_kind": _breakdown_kind(indicator, scope),
            "reporting": calendar.reporting_status(indicator, scope, period) if period else None,
            "quality": quality, "quality_rows": _worst_first(quality["rows"]), "tasks": linked_tasks(user, indicator),
            "children": indicator.children.filter(is_active=True).order_by("sort_order", "code"),
            "may_manage": can(user, Action.ASSIGN, indicator),
            "compare_url_period": period.key if period else "",
        })


QUALITY_ROWS = 50


def _worst_first(rows):
    """The organisations the quality panel lists: least complete and stale first, at most QUALITY_ROWS."""
    return sorted(rows, key=lambda r: (r["completeness"] if r["completeness"] is not None else 2, not r["stale"],
                                       -r["outliers"], r["organisation"].path))[:QUALITY_ROWS]


def _year_end(year):
    return datetime.date(year, 12, 31)


def _breakdown_kind(indicator, scope):
    if indicator.level == Indicator.Level.MINISTRY:
        return _("Ministries")
    if indicator.level == Indicator.Level.COMMUNE and scope.kind in PROVINCE_KINDS:
        return _("Communes")
    if indicator.level in (Indicator.Level.PROVINCE, Indicator.Level.COMMUNE):
        return _("Provinces")
    return ""


class CompareView(LoginRequiredMixin, View):
    """Provinces (ministries for a ministry-level indicator) side by side for one period, ranked."""

    def get(self, request, pk):
        indicator = get_object_or_404(Indicator.objects.select_related("owner"), pk=pk)
        form, _scope, series, root = _page_inputs(request, indicator)
        context = {"indicator": indicator, "form": form, "root": root, "rows": []}
        if series is None:
            return render(request, "indicators/compare.html", context, status=400)
        if form.cleaned_data["period"]:
            period = _period_or_error(form, indicator, form.cleaned_data["period"])
            if period is None:
                return render(request, "indicators/compare.html", context, status=400)
        else:
            latest = latest_period_end(indicator, root, series)
            period = period_containing(latest or timezone.localdate(), indicator.frequency)
        # The comparison is national: every province or ministry, whatever the viewer's own scope.
        organisations = list(breakdown_organisations(indicator, root))
        rows = breakdown_rows(indicator, organisations, series, period.end)
        on_time = on_time_counts(indicator, organisations, series, period.end)
        for row in rows:
            row["on_time"] = on_time.get(row["organisation"].pk, 0)
            row["linkable"] = can(request.user, Action.VIEW, row["organisation"])
        rows = rank(rows, indicator.direction)
        fmt = _format(request)
        if fmt:
            return exports.compare_export(fmt, indicator, period.label, rows)
        chart = charts.bar_chart(
            chart_id="compare-chart",
            title=_("%(code)s, %(period)s: value of each organisation") % {"code": indicator.code,
                                                                          "period": period.label},
            desc=_("Bars in rank order; colour follows the rating, which the table also gives in words."),
            rows=[(r["organisation"].short_name or r["organisation"].name, r["value"], r["rag"]) for r in rows])
        context.update({"series": series, "series_choices": form.series_choices, "period": period, "rows": rows,
                        "chart": chart, "kind_label": _breakdown_kind(indicator, root),
                        "reported": sum(1 for r in rows if r["value"] is not None),
                        "period_options": _periods_with_values(indicator, root, series)})
        return render(request, "indicators/compare.html", context)


PERIOD_OPTIONS = 16


def _periods_with_values(indicator, root, series):
    """The latest periods with a national roll-up, offered as suggestions for the period field (one query)."""
    ends = (IndicatorRollup.objects.filter(indicator=indicator, organisation=root, series=series, reported__gt=0)
            .order_by("-period_end").values_list("period_end", flat=True)[:PERIOD_OPTIONS])
    return [period_containing(end, indicator.frequency) for end in ends]
