"""Read queries of the KPI pages: scopes a user may look at, index rows, time series, breakdowns.

Every list costs a constant number of queries: roll-ups of all indicators for a scope in one query,
targets and baselines in one query each, organisations of a breakdown in one query.
Permission questions go through nq57.core.permissions (can, scope_paths, scope_q).
"""

import datetime
import re
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from nq57.core.permissions import can, can_anywhere, scope_paths, scope_q
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, COMMUNE_KINDS, PROVINCE_KINDS, Organisation

from . import compute
from .charts import fmt
from .models import Baseline, Indicator, IndicatorRollup, IndicatorValue, ReportingObligation, Target
from .periods import due_date, period_containing

ROOT_CODE = "BCDTW"
TREND_PERIODS = 8
SEARCH_FIELDS = ("code", "name", "name_en", "unit", "owner_text", "data_source", "definition", "source_article")
ROLLUP_FIELDS = ("indicator_id", "organisation_id", "series", "period_end", "value", "progress", "reported",
                 "expected", "attainment", "expected_attainment", "expected_value", "rag", "self_rating")


# --- who may look at what -------------------------------------------------------------------------------


def require_viewer(user):
    """Definitions, targets and stored roll-ups are for signed-in users holding VIEW somewhere."""
    if not can_anywhere(user, Action.VIEW):
        raise PermissionDenied


def national_root():
    """The root of the organisation map (BCDTW): its roll-ups are the national figures."""
    return (Organisation.objects.filter(code=ROOT_CODE).first()
            or Organisation.objects.filter(parent__isnull=True).order_by("path").first())


def may_see_scope(user, organisation, root):
    """A scope is the user's VIEW subtree, or the national root (national figures are for every role holder)."""
    return organisation.pk == root.pk or can(user, Action.VIEW, organisation)


def default_scope(user, root):
    """National for users who may view the root, else the highest organisation the user may view."""
    paths = scope_paths(user, Action.VIEW)
    if paths is None or any(root.path.startswith(p) for p in paths):
        return root
    highest = min(paths, key=lambda p: (len(p), p))
    return Organisation.objects.filter(path=highest).first() or root


def scope_choices(user, root):
    """Scopes offered in the selector, in groups: the nation and the user's own organisations, then the
    ministries and the provinces inside the user's VIEW subtree (all of them for national viewers).
    Returns [(group label or "", [Organisation])]."""
    paths = scope_paths(user, Action.VIEW)
    own = Q(path__in=paths) if paths else Q(pk__in=[])
    within = scope_q(user, Action.VIEW, "path")
    organisations = list(Organisation.objects.active()
                         .filter(Q(pk=root.pk) | own | (within & Q(kind__in=PROVINCE_KINDS | CENTRAL_AGENCY_KINDS)))
                         .only("pk", "name", "short_name", "code", "kind", "path", "depth")
                         .order_by("sort_order", "name"))
    first = [o for o in organisations if o.pk == root.pk]
    first += sorted((o for o in organisations if o.pk != root.pk and o.path in (paths or ())),
                    key=lambda o: o.path)
    taken = {o.pk for o in first}
    central = [o for o in organisations if o.kind in CENTRAL_AGENCY_KINDS and o.pk not in taken]
    provinces = [o for o in organisations if o.kind in PROVINCE_KINDS and o.pk not in taken]
    groups = [("", first)]
    if central:
        groups.append((_("Ministries and central agencies"), central))
    if provinces:
        groups.append((_("Provinces and cities"), provinces))
    return groups


def with_scope(groups, scope):
    """The selector's groups, with the scope shown even when it is not among the usual ones (a commune)."""
    if any(o.pk == scope.pk for _label, members in groups for o in members):
        return groups
    return [(groups[0][0], [*groups[0][1], scope]), *groups[1:]]


def value_visible(user, value):
    """One organisation's values (drafts, notes, history): VIEW on that organisation or on the owner agency."""
    return can(user, Action.VIEW, value.organisation) or can(user, Action.VIEW, value.indicator.owner)


# --- search text ---------------------------------------------------------------------------------------


def indicator_search_text(indicator):
    return fold(" ".join(str(getattr(indicator, name) or "") for name in SEARCH_FIELDS))


def refresh_search_text(indicators, batch_size=1000):
    """Fill Indicator.search_text (accent-folded) for the given indicators; returns how many changed."""
    changed = []
    for indicator in indicators:
        text = indicator_search_text(indicator)
        if indicator.search_text != text:
            indicator.search_text = text
            changed.append(indicator)
    Indicator.objects.bulk_update(changed, ["search_text"], batch_size=batch_size)
    return len(changed)


def matches(indicator, query):
    """Accent-insensitive match: "ty le" finds "Tỷ lệ". The stored search_text is used when filled."""
    key = fold(query)
    return not key or key in (indicator.search_text or indicator_search_text(indicator))


# --- ordering: 11, 11.1, 11.2 … 12 -----------------------------------------------------------------------


def code_key(code):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code or "") if part]


def as_tree(indicators):
    """Indicators with children right after their parent; each gets `depth` for the indentation."""
    by_parent = defaultdict(list)
    present = {i.pk for i in indicators}
    for indicator in indicators:
        parent = indicator.parent_id if indicator.parent_id in present else None
        by_parent[parent].append(indicator)
    ordered, seen = [], set()

    def walk(parent, depth):
        for indicator in sorted(by_parent.get(parent, []), key=lambda i: (i.sort_order, code_key(i.code), i.pk)):
            if indicator.pk in seen:  # guards against a cycle in `parent`
                continue
            seen.add(indicator.pk)
            indicator.depth = min(depth, 3)
            ordered.append(indicator)
            walk(indicator.pk, depth + 1)

    walk(None, 0)
    ordered += [i for i in indicators if i.pk not in seen]  # members of a cycle: still shown
    return ordered


# --- targets and baselines --------------------------------------------------------------------------------


def target_label(target, with_year=True):
    """"≥ 80 (2030)", "16–18 (2030)", "ASEAN: ≤ 3 (2030)"; a qualitative target by its published text."""
    if target.comparator == Target.Comparator.QUALITATIVE or target.value is None:
        text = target.text or "—"
    elif target.comparator == Target.Comparator.BETWEEN and target.value_high is not None:
        text = f"{fmt(target.value)}–{fmt(target.value_high)}"
    else:
        text = f"{target.get_comparator_display()} {fmt(target.value)}"
    if target.series:
        text = f"{target.series}: {text}"
    if with_year:
        text = f"{text} ({target.year})"
    return text


def applicable(rows, indicator, scope, root):
    """Targets or baselines that apply to `scope`: its own when it has some for a (series, year), else the
    national ones — for the root always, elsewhere only when the measure is not a sum (intensive)."""
    own, national = {}, {}
    for row in rows:
        key = (row.series, getattr(row, "year", None))
        if row.organisation_id == scope.pk and scope.pk != root.pk:
            own[key] = row
        elif row.organisation_id is None:
            national[key] = row
    result = dict(own)
    if scope.pk == root.pk or indicator.aggregation != Indicator.Aggregation.SUM:
        for key, row in national.items():
            result.setdefault(key, row)
    return [result[k] for k in sorted(result, key=lambda k: (k[0], k[1] or 0))]


def current_targets_and_baselines(indicators, scope):
    """{indicator pk: [Target]}, {indicator pk: [Baseline]} of the current versions for the scope or national."""
    ids = [i.pk for i in indicators]
    where = Q(organisation__isnull=True) | Q(organisation=scope)
    targets, baselines = defaultdict(list), defaultdict(list)
    for target in Target.objects.filter(where, indicator_id__in=ids, is_current=True).order_by("series", "year"):
        targets[target.indicator_id].append(target)
    for baseline in Baseline.objects.filter(where, indicator_id__in=ids, is_current=True).order_by("series"):
        baselines[baseline.indicator_id].append(baseline)
    return targets, baselines


# --- roll-ups ---------------------------------------------------------------------------------------------


def period_label(indicator, period_end):
    return period_containing(period_end, indicator.frequency).label


def progress_label(code):
    return str(IndicatorValue.Progress(code).label) if code in IndicatorValue.Progress.values else ""


def has_data(rollup):
    return rollup["reported"] > 0 and (rollup["value"] is not None or bool(rollup["progress"]))


def index_rows(indicators, scope, root):
    """One row per indicator for the KPI index at `scope`: latest value and period, targets, attainment,
    RAG and the last TREND_PERIODS roll-ups for the sparkline. Three queries whatever the number of indicators."""
    by_indicator = defaultdict(list)
    for rollup in (IndicatorRollup.objects.filter(organisation=scope, indicator_id__in=[i.pk for i in indicators])
                   .order_by("indicator_id", "series", "period_end").values(*ROLLUP_FIELDS)):
        by_indicator[rollup["indicator_id"]].append(rollup)
    targets, baselines = current_targets_and_baselines(indicators, scope)
    rows = []
    for indicator in indicators:
        rollups = by_indicator.get(indicator.pk, [])
        series_present = sorted({r["series"] for r in rollups})
        series = "" if "" in series_present or not series_present else series_present[0]
        mine = [r for r in rollups if r["series"] == series]
        points = mine[-TREND_PERIODS:]
        latest = next((r for r in reversed(mine) if has_data(r)), None)
        own_targets = applicable(targets.get(indicator.pk, []), indicator, scope, root)
        own_baselines = applicable(baselines.get(indicator.pk, []), indicator, scope, root)
        baseline = next((b for b in own_baselines if b.series == series), own_baselines[0] if own_baselines else None)
        trend = [{"label": period_label(indicator, r["period_end"]), "value": r["value"] if has_data(r) else None}
                 for r in points]
        rows.append({
            "indicator": indicator, "depth": getattr(indicator, "depth", 0), "series": series,
            "baseline": baseline,
            "targets": [{"text": target_label(t), "target": t} for t in own_targets],
            "latest": latest,
            "latest_value": latest["value"] if latest else None,
            "latest_progress": progress_label(latest["progress"]) if latest else "",
            "latest_label": period_label(indicator, latest["period_end"]) if latest else "",
            "attainment": latest["attainment"] if latest else None,
            "rag": (latest["rag"] or "") if latest else "",
            "trend": trend if any(p["value"] is not None for p in trend) else [],
        })
    return rows


def summary_counts(rows):
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for row in rows:
        counts[row["rag"] if row["rag"] in counts else "none"] += 1
    return counts


def series_of(indicator):
    """Series the indicator is measured in ("" first): from its targets, obligations and roll-ups."""
    names = set(indicator.targets.values_list("series", flat=True))
    names |= set(indicator.obligations.values_list("series", flat=True).distinct())
    names |= set(indicator.rollups.values_list("series", flat=True).distinct())
    return sorted(names) or [""]


def time_series(indicator, scope, series):
    """Every stored roll-up of the indicator for the scope and series, oldest first, with its labels."""
    rows = []
    for rollup in (IndicatorRollup.objects.filter(indicator=indicator, organisation=scope, series=series)
                   .order_by("period_end").values(*ROLLUP_FIELDS)):
        rollup["label"] = period_label(indicator, rollup["period_end"])
        rollup["key"] = period_containing(rollup["period_end"], indicator.frequency).key
        rollup["has_data"] = has_data(rollup)
        if not rollup["has_data"]:
            rollup["value"] = None
        rollup["progress_label"] = progress_label(rollup["progress"])
        rows.append(rollup)
    return rows


def trajectory(indicator, scope, series, root, targets, baselines):
    """Points of the expected trajectory: the baseline, the milestones and the target of the last target
    year, for the chart's dashed line. Milestones come with the targets (prefetched)."""
    baseline = next((b for b in baselines if b.series == series), None)
    numeric = [t for t in targets if t.series == series and t.value is not None
               and t.comparator != Target.Comparator.QUALITATIVE]
    if baseline is None or not numeric:
        return []
    points = [(baseline.as_of, float(baseline.value))]
    for target in sorted(numeric, key=lambda t: t.year):
        end = datetime.date(target.year, 12, 31)
        for milestone in target.milestones.all():
            if milestone.value is not None and points[-1][0] < milestone.date < end:
                points.append((milestone.date, float(milestone.value)))
        goal = compute.target_point(target.comparator, target.value, target.value_high, indicator.direction)
        if end > points[-1][0] and goal is not None:
            points.append((end, float(goal)))
    return points


# --- breakdown by province or ministry ---------------------------------------------------------------------


def breakdown_kinds(indicator):
    """Ministries for ministry-level indicators, provinces for province- and commune-level ones."""
    if indicator.level == Indicator.Level.MINISTRY:
        return CENTRAL_AGENCY_KINDS
    if indicator.level in (Indicator.Level.PROVINCE, Indicator.Level.COMMUNE):
        return PROVINCE_KINDS
    return None


def breakdown_organisations(indicator, scope):
    """The organisations a breakdown lists under `scope`: provinces or ministries inside it; for a province
    scope and a commune-level indicator, its communes. Empty for national-level indicators."""
    kinds = breakdown_kinds(indicator)
    if kinds is None:
        return Organisation.objects.none()
    if scope.kind in PROVINCE_KINDS and indicator.level == Indicator.Level.COMMUNE:
        kinds = COMMUNE_KINDS
    return (Organisation.objects.active().filter(path__startswith=scope.path, kind__in=kinds)
            .exclude(pk=scope.pk).order_by("sort_order", "name"))


def breakdown_rows(indicator, organisations, series, period_end):
    """Roll-up of each organisation for one period (one query), in the organisations' order."""
    organisations = list(organisations)
    rollups = {r["organisation_id"]: r for r in IndicatorRollup.objects.filter(
        indicator=indicator, series=series, period_end=period_end,
        organisation_id__in=[o.pk for o in organisations]).values(*ROLLUP_FIELDS)}
    rows = []
    for organisation in organisations:
        rollup = rollups.get(organisation.pk)
        data = rollup is not None and has_data(rollup)
        rows.append({
            "organisation": organisation,
            "value": rollup["value"] if data else None,
            "progress": progress_label(rollup["progress"]) if data else "",
            "attainment": rollup["attainment"] if data else None,
            "rag": (rollup["rag"] or "") if data else "",
            "reported": rollup["reported"] if rollup else 0,
            "expected": rollup["expected"] if rollup else 0,
        })
    return rows


def on_time_counts(indicator, organisations, series, period_end):
    """{organisation pk: values submitted on time} for each organisation's subtree, in one grouped query.

    The organisations of a comparison sit at one depth, so their paths have one length: grouping values by
    that prefix of their organisation's path gives each organisation's subtree."""
    organisations = list(organisations)
    if not organisations:
        return {}
    by_path = {o.path: o.pk for o in organisations}
    lengths = {len(p) for p in by_path}
    counts = defaultdict(int)
    for length in lengths:
        rows = (IndicatorValue.objects.filter(indicator=indicator, series=series, period_end=period_end,
                                              is_current=True, submitted_on_time=True)
                .filter(Q(*[Q(organisation__path__startswith=p) for p in by_path if len(p) == length],
                          _connector=Q.OR))
                .annotate(prefix=Substr("organisation__path", 1, length)).values("prefix")
                .annotate(n=Count("id")).order_by())
        for row in rows:
            if row["prefix"] in by_path:
                counts[by_path[row["prefix"]]] += row["n"]
    return dict(counts)


def rank(rows, direction):
    """Rank rows with a value in the indicator's direction (1 = best); ties share a rank, no value no rank."""
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: float(r["value"]),
                    reverse=direction == Indicator.Direction.HIGHER)
    previous, position = None, 0
    for index, row in enumerate(ranked, start=1):
        if previous is None or float(row["value"]) != previous:
            position = index
        row["rank"] = position
        previous = float(row["value"])
    for row in rows:
        row.setdefault("rank", None)
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, fold(r["organisation"].name)))


def latest_period_end(indicator, scope, series):
    return (IndicatorRollup.objects.filter(indicator=indicator, organisation=scope, series=series, reported__gt=0)
            .order_by("-period_end").values_list("period_end", flat=True).first())


def resolve_scope(user, pk, root):
    """The scope asked for by ?scope=<pk> (404 when there is none, 403 out of the user's reach), else the
    user's default scope."""
    from django.shortcuts import get_object_or_404

    if pk is None:
        return default_scope(user, root)
    organisation = root if pk == root.pk else get_object_or_404(Organisation, pk=pk)
    if not may_see_scope(user, organisation, root):
        raise PermissionDenied
    return organisation


def linked_tasks(user, indicator):
    """The indicator's linked tasks the user may see (the plans' visibility rule), in one query."""
    from nq57.plans.filters import either
    from nq57.plans.models import Assignment

    assigned = Assignment.objects.filter(scope_q(user, Action.VIEW, "organisation__path")).values("task_id")
    return list(indicator.tasks.filter(either(scope_q(user, Action.VIEW, "plan__owner__path"), Q(pk__in=assigned)),
                                       removed=False).select_related("plan").order_by("plan__number", "code"))


# --- data entry --------------------------------------------------------------------------------------------


class EntryRow:
    """One value an organisation owes for one period of one obligation (series included), with the row
    to work on: a pending correction before the approved value, else the current value, else None."""

    def __init__(self, obligation, period, value, today):
        from .calendar import RECEIVED

        indicator = obligation.indicator
        self.indicator, self.series, self.period, self.value = indicator, obligation.series, period, value
        self.due_on = due_date(period, indicator.due_days)
        if value is not None and value.status in RECEIVED:
            self.late = value.submitted_on_time is False
        else:
            self.late = today > self.due_on + datetime.timedelta(days=indicator.grace_days)
        self.editable = value is None or value.status in (IndicatorValue.Status.DRAFT, IndicatorValue.Status.RETURNED)
        self.missing = self.editable
        self.form = None
        self.warnings = list(value.flags) if value is not None and value.flags and self.editable else []

    @property
    def prefix(self):
        # Series are free text: the row's position among the indicator's series keeps the prefix clean.
        return f"i{self.indicator.pk}" + (f"-s{self.series_index}" if self.series else "")


def entry_rows(organisation, today):
    """Every ended period (last two years) of every obligation of `organisation` itself, newest periods
    last, with its working value. Two queries."""
    from .calendar import LOOKBACK_DAYS, expected_periods

    since = today - datetime.timedelta(days=LOOKBACK_DAYS)
    obligations = list(ReportingObligation.objects.filter(organisation=organisation, indicator__is_active=True)
                       .select_related("indicator", "indicator__owner")
                       .order_by("indicator__sort_order", "indicator__code", "series"))
    working = {}
    for value in (IndicatorValue.objects.filter(organisation=organisation, period_end__gte=since,
                                                indicator_id__in={o.indicator_id for o in obligations})
                  .exclude(status=IndicatorValue.Status.SUPERSEDED).order_by("version")):
        key = (value.indicator_id, value.series, value.period_end)
        kept = working.get(key)
        # A pending correction (not current) is what the organisation works on; else the latest version.
        if kept is None or not value.is_current or kept.is_current:
            working[key] = value
    series_index = defaultdict(dict)
    for obligation in obligations:
        names = series_index[obligation.indicator_id]
        names.setdefault(obligation.series, len(names))
    rows = []
    for obligation in obligations:
        for period in expected_periods(obligation, obligation.indicator.frequency, today):
            if period.end < since:
                continue
            row = EntryRow(obligation, period,
                           working.get((obligation.indicator_id, obligation.series, period.end)), today)
            row.series_index = series_index[obligation.indicator_id][obligation.series]
            rows.append(row)
    return rows


def entry_periods(rows):
    """[(key, label, missing count, total)] of the periods in `rows`, oldest first."""
    found = {}
    for row in rows:
        entry = found.setdefault(row.period.key, {"period": row.period, "missing": 0, "total": 0})
        entry["total"] += 1
        entry["missing"] += 1 if row.missing else 0
    return sorted(found.values(), key=lambda e: (e["period"].end, e["period"].start))
