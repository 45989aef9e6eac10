"""Roll-ups of approved values up the organisation tree, with attainment and RAG; the one writer of
IndicatorRollup.

The roll-up of a scope S for a period aggregates, by the indicator's rule, the approved current values of
every organisation in S's subtree (values only come from organisations on the reporting calendar, all at
the indicator's level, so nothing is counted twice). S is measured against its own target and baseline if
it has them, else against the national ones — except for a sum, where a national total is no yardstick for
one province: a sum gets the national target only where S's subtree covers every reporting organisation.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import compute, periods
from .models import Baseline, Indicator, IndicatorRollup, IndicatorValue, ReportingObligation, Target

A = Indicator.Aggregation
APPROVED = IndicatorValue.Status.APPROVED
# Worst first: when organisations disagree equally often, a scope shows the more worrying state.
PROGRESS_ORDER = ["not_started", "at_risk", "in_progress", "on_track", "achieved"]
DECIMAL = DecimalField(max_digits=30, decimal_places=10)
BATCH = 1000


def prefixes(path):
    """Paths of an organisation and all its ancestors, root first: "1.42." → ["1.", "1.42."]."""
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[:i]) + "." for i in range(1, len(parts) + 1)]


def org_id_of(path):
    return int(path.rstrip(".").rsplit(".", 1)[-1])


def _approved(indicator, series):
    return IndicatorValue.objects.filter(indicator=indicator, series=series, status=APPROVED, is_current=True)


# --- Live aggregate --------------------------------------------------------------------------------------


def live_rollup(indicator, scope_org, period_end, series=""):
    """The roll-up of `scope_org`'s subtree for one period, straight from the values, in one aggregate query."""
    qs = _approved(indicator, series).filter(period_end=period_end, not_available=False,
                                             organisation__path__startswith=scope_org.path).order_by()
    rule = indicator.aggregation
    if rule == A.RATIO:
        parts = Q(numerator__isnull=False, denominator__isnull=False)
        row = qs.aggregate(num=Sum("numerator", filter=parts), den=Sum("denominator", filter=parts),
                           n=Count("pk", filter=parts))
        num, den = compute._f(row["num"]), compute._f(row["den"])
        value = num / den * float(indicator.ratio_scale) if den else None
        return compute.Aggregate(value, num, den, row["n"])
    if rule == A.WEIGHTED_MEAN:
        weight = Coalesce("weight", Value(1), output_field=DECIMAL)
        row = qs.filter(value__isnull=False).aggregate(
            weighted=Sum(ExpressionWrapper(F("value") * weight, output_field=DECIMAL)),
            weights=Sum(weight), n=Count("pk"))
        weights = compute._f(row["weights"])
        value = compute._f(row["weighted"]) / weights if weights else None
        return compute.Aggregate(value, count=row["n"])
    if rule in (A.SUM, A.MIN, A.MAX):
        function = {A.SUM: Sum, A.MIN: Min, A.MAX: Max}[rule]
        row = qs.aggregate(v=function("value"), n=Count("value"))
        return compute.Aggregate(compute._f(row["v"]) if row["n"] else None, count=row["n"])
    row = qs.aggregate(low=Min("value"), n=Count("value"))
    return compute.Aggregate(compute._f(row["low"]) if row["n"] == 1 else None, count=row["n"])


# --- Targets and baselines for a scope ------------------------------------------------------------------


@dataclass
class Context:
    """The current targets (all years) and baseline that apply to one scope."""
    targets: list = field(default_factory=list)
    baseline: object = None

    def target_for(self, year):
        """The target of the nearest target year at or after `year`, else the latest one."""
        if not self.targets:
            return None
        later = [t for t in self.targets if t.year >= year]
        return min(later, key=lambda t: t.year) if later else max(self.targets, key=lambda t: t.year)


def _choose(indicator, own_targets, own_baseline, national_targets, national_baseline, covers_all):
    national_applies = indicator.aggregation != A.SUM or covers_all
    targets = own_targets or (national_targets if national_applies else [])
    baseline = own_baseline or (national_baseline if national_applies else None)
    return Context(targets=list(targets), baseline=baseline)


def context_for(indicator, scope_org, series=""):
    """Current target(s) and baseline for `scope_org`: its own if any, else the national ones (for a sum,
    only where the scope's subtree holds every reporting organisation)."""
    targets = list(Target.objects.filter(indicator=indicator, series=series, is_current=True)
                   .filter(Q(organisation=scope_org) | Q(organisation__isnull=True)).prefetch_related("milestones"))
    baselines = list(Baseline.objects.filter(indicator=indicator, series=series, is_current=True)
                     .filter(Q(organisation=scope_org) | Q(organisation__isnull=True)))
    covers_all = True
    if indicator.aggregation == A.SUM:
        covers_all = not (ReportingObligation.objects.filter(indicator=indicator, series=series)
                          .exclude(organisation__path__startswith=scope_org.path).exists())
    return _choose(indicator,
                   [t for t in targets if t.organisation_id == scope_org.pk],
                   next((b for b in baselines if b.organisation_id == scope_org.pk), None),
                   [t for t in targets if t.organisation_id is None],
                   next((b for b in baselines if b.organisation_id is None), None),
                   covers_all)


# --- Assessment -----------------------------------------------------------------------------------------


def thresholds(indicator):
    green = settings.RAG_GREEN_POINTS if indicator.green_tolerance is None else float(indicator.green_tolerance) * 100
    amber = settings.RAG_AMBER_POINTS if indicator.amber_tolerance is None else float(indicator.amber_tolerance) * 100
    return green, amber


@dataclass
class Assessment:
    attainment: float | None = None
    expected_attainment: float | None = None
    expected_value: float | None = None
    rag: str | None = None


def assess(indicator, context, period_end, actual=None, progress="", started_on=None):
    """Attainment, the trajectory's expected value and RAG of one rolled-up value against `context`."""
    target = context.target_for(period_end.year)
    if target is None:
        return Assessment()
    target_date = datetime.date(target.year, 12, 31)
    baseline = context.baseline
    if not indicator.is_numeric or target.comparator == Target.Comparator.QUALITATIVE:
        if not progress:
            return Assessment()
        start = baseline.as_of if baseline else started_on
        elapsed = compute.elapsed_fraction(period_end, start, target_date) if start else 0.5
        return Assessment(rag=compute.qualitative_rag(progress, elapsed))
    if actual is None:
        return Assessment()
    aim = compute.target_point(target.comparator, target.value, target.value_high, indicator.direction)
    if baseline is None:
        # Without a starting point there is no trajectory: only "already meets the target" can be said.
        met = compute.meets(actual, target.comparator, target.value, target.value_high)
        return Assessment(rag=compute.GREEN if met else None)
    milestones = [compute.Point(m.date, m.value) for m in target.milestones.all() if m.value is not None]
    expected = compute.expected_value(period_end, baseline.value, baseline.as_of, aim, target_date, milestones)
    attainment = compute.attainment(actual, baseline.value, aim, indicator.direction)
    expected_attainment = compute.attainment(expected, baseline.value, aim, indicator.direction)
    green, amber = thresholds(indicator)
    return Assessment(attainment, expected_attainment, expected,
                      compute.rag(attainment, expected_attainment, green, amber))


def combined_progress(progresses):
    """The most common progress of several organisations; ties go to the worse state."""
    counts = Counter(p for p in progresses if p)
    if not counts:
        return ""
    return max(counts, key=lambda p: (counts[p], -PROGRESS_ORDER.index(p) if p in PROGRESS_ORDER else -99))


# --- Computing and storing -------------------------------------------------------------------------------

VALUE_FIELDS = ("organisation_id", "organisation__path", "period_end", "value", "numerator", "denominator", "weight",
                "progress", "not_available", "self_rating")
LIMIT = 10 ** 14  # the columns hold 14 integer digits; a larger roll-up is not stored rather than overflow


class _Data:
    """Targets, baselines and (with `load`) the obligations and approved values one indicator's roll-ups need,
    in a handful of queries."""

    def __init__(self, indicator, series, period_end=None, *, load=True):
        self.indicator = indicator
        self.obligations = []
        self.values = defaultdict(list)
        if load:
            self.obligations = list(ReportingObligation.objects.filter(indicator=indicator, series=series)
                                    .values_list("organisation_id", "organisation__path", "starts_on", "ends_on"))
            values = _approved(indicator, series)
            if period_end is not None:
                values = values.filter(period_end=period_end)
            for row in values.order_by().values_list(*VALUE_FIELDS):
                self.values[row[2]].append(row)
        targets = list(Target.objects.filter(indicator=indicator, series=series, is_current=True)
                       .prefetch_related("milestones"))
        baselines = list(Baseline.objects.filter(indicator=indicator, series=series, is_current=True))
        self.own_targets = defaultdict(list)
        for t in targets:
            self.own_targets[t.organisation_id].append(t)
        self.own_baselines = {b.organisation_id: b for b in baselines}
        self.started_on = min((o[2] for o in self.obligations), default=None)

    def active_obligations(self, period):
        return [o for o in self.obligations if o[2] <= period.end and (o[3] is None or o[3] >= period.start)]

    def context(self, org_id, covers_all):
        return _choose(self.indicator, self.own_targets.get(org_id, []), self.own_baselines.get(org_id),
                       self.own_targets.get(None, []), self.own_baselines.get(None), covers_all)


@dataclass
class _Inputs:
    """What the roll-ups of one period are made from, per scope path."""
    paths: list
    total: int = 0
    expected: Counter = field(default_factory=Counter)
    aggregates: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    ratings: dict = field(default_factory=dict)


def _inputs_in_python(data, period_end, scope_paths=None):
    """Group the loaded values and obligations of one period by every scope they belong to."""
    indicator = data.indicator
    period = periods.period_containing(period_end, indicator.frequency)
    obligations = data.active_obligations(period)
    values = data.values.get(period_end, [])
    if scope_paths is None:
        scope_paths = set()
        for path in {o[1] for o in obligations} | {v[1] for v in values}:
            scope_paths.update(prefixes(path))
    inputs = _Inputs(paths=sorted(scope_paths), total=len(obligations))
    wanted = set(scope_paths)
    for o in obligations:
        for p in prefixes(o[1]):
            if p in wanted:
                inputs.expected[p] += 1
    reported, progress = defaultdict(list), defaultdict(list)
    for row in values:
        path = row[1]
        inputs.ratings[path] = row[9] or ""
        if row[8]:  # not available: received, but nothing to add up
            continue
        item = compute.Reported(row[3], row[4], row[5], row[6])
        for p in prefixes(path):
            if p in wanted:
                reported[p].append(item)
                if row[7]:
                    progress[p].append(row[7])
    for path in inputs.paths:
        if indicator.is_numeric:
            inputs.aggregates[path] = compute.aggregate(indicator.aggregation, reported.get(path, []),
                                                        indicator.ratio_scale)
        else:
            inputs.aggregates[path] = compute.Aggregate(None, count=len(progress.get(path, [])))
            inputs.progress[path] = combined_progress(progress.get(path, []))
    return inputs


def _inputs_in_sql(indicator, series, period_end, organisation):
    """The same for one organisation and its ancestors, aggregated by the database (a few queries whatever
    the size of the subtrees): what approving one value needs."""
    paths = prefixes(organisation.path)
    period = periods.period_containing(period_end, indicator.frequency)
    active = Q(starts_on__lte=period.end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
    within = [Q(organisation__path__startswith=p) for p in paths]
    counts = (ReportingObligation.objects.filter(indicator=indicator, series=series).order_by()
              .aggregate(total=Count("pk", filter=active), first=Min("starts_on"),
                         **{f"e{i}": Count("pk", filter=active & q) for i, q in enumerate(within)}))
    inputs = _Inputs(paths=paths, total=counts["total"])
    inputs.expected.update({p: counts[f"e{i}"] for i, p in enumerate(paths)})
    values = _approved(indicator, series).filter(period_end=period_end, organisation__path__startswith=paths[0])
    own = values.filter(organisation=organisation).values_list("self_rating", flat=True).first()
    if own is not None:
        inputs.ratings[organisation.path] = own
    values = values.filter(not_available=False).order_by()
    if not indicator.is_numeric:
        rows = list(values.exclude(progress="").values_list("organisation__path", "progress"))
        for p in paths:
            found = [progress for path, progress in rows if path.startswith(p)]
            inputs.aggregates[p] = compute.Aggregate(None, count=len(found))
            inputs.progress[p] = combined_progress(found)
        return inputs, counts["first"]
    rule = indicator.aggregation
    terms = {}
    for i, q in enumerate(within):
        if rule == A.RATIO:
            parts = q & Q(numerator__isnull=False, denominator__isnull=False)
            terms.update({f"a{i}": Sum("numerator", filter=parts), f"b{i}": Sum("denominator", filter=parts),
                          f"n{i}": Count("pk", filter=parts)})
        elif rule == A.WEIGHTED_MEAN:
            weight = Coalesce("weight", Value(1), output_field=DECIMAL)
            terms.update({f"a{i}": Sum(ExpressionWrapper(F("value") * weight, output_field=DECIMAL), filter=q),
                          f"b{i}": Sum(weight, filter=q & Q(value__isnull=False)), f"n{i}": Count("value", filter=q)})
        else:
            function = {A.SUM: Sum, A.MIN: Min, A.MAX: Max}.get(rule, Min)
            terms.update({f"a{i}": function("value", filter=q), f"n{i}": Count("value", filter=q)})
    row = values.aggregate(**terms)
    for i, p in enumerate(paths):
        a, b, n = compute._f(row[f"a{i}"]), compute._f(row.get(f"b{i}")), row[f"n{i}"]
        if rule == A.RATIO:
            agg = compute.Aggregate(a / b * float(indicator.ratio_scale) if b else None, a if n else None,
                                    b if n else None, n)
        elif rule == A.WEIGHTED_MEAN:
            agg = compute.Aggregate(a / b if b else None, count=n)
        elif rule in (A.SUM, A.MIN, A.MAX):
            agg = compute.Aggregate(a if n else None, count=n)
        else:
            agg = compute.Aggregate(a if n == 1 else None, count=n)
        inputs.aggregates[p] = agg
    return inputs, counts["first"]


def _number(x):
    return None if x is None or abs(x) >= LIMIT else compute.as_decimal(x)


def _assemble(data, series, period_end, inputs):
    """{organisation id: {field: value}} of the roll-ups of one period."""
    indicator = data.indicator
    result = {}
    for path in inputs.paths:
        org_id = org_id_of(path)
        agg = inputs.aggregates[path]
        combined = inputs.progress.get(path, "")
        context = data.context(org_id, covers_all=inputs.expected[path] == inputs.total)
        found = assess(indicator, context, period_end, agg.value, combined, data.started_on)
        result[org_id] = {
            "indicator_id": indicator.pk, "organisation_id": org_id, "series": series, "period_end": period_end,
            "value": _number(agg.value), "numerator": _number(agg.numerator), "denominator": _number(agg.denominator),
            "progress": combined, "reported": agg.count, "expected": inputs.expected[path],
            "attainment": found.attainment, "expected_attainment": found.expected_attainment,
            "expected_value": _number(found.expected_value), "rag": found.rag or "",
            "self_rating": inputs.ratings.get(path, ""),
        }
    return result


COLUMNS = ["indicator_id", "organisation_id", "series", "period_end", "value", "numerator", "denominator", "progress",
           "reported", "expected", "attainment", "expected_attainment", "expected_value", "rag", "self_rating",
           "computed_at"]
UPDATE_FIELDS = [c for c in COLUMNS if c not in ("indicator_id", "organisation_id", "series", "period_end")]


def _insert(rows):
    """Insert roll-up rows with executemany: building 3,400 model instances per period costs more than the
    database does (the demo and the benchmark store hundreds of thousands)."""
    if not rows:
        return
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        ops.quote_name(IndicatorRollup._meta.db_table), ", ".join(ops.quote_name(c) for c in COLUMNS),
        ", ".join(["%s"] * len(COLUMNS)))
    params = []
    for row in rows:
        item = [row.get(c) for c in COLUMNS[:-1]] + [now]
        item[3] = ops.adapt_datefield_value(item[3])
        for i in (4, 5, 6, 12):
            item[i] = ops.adapt_decimalfield_value(item[i], 20, 6)
        params.append(item)
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start:start + BATCH])


@transaction.atomic
def refresh_rollups(indicator, period_end, organisation=None, series=""):
    """Recompute and store the roll-ups of one period for `organisation` and each of its ancestors (a few
    aggregate queries), or, with no organisation, for every reporting organisation and all their ancestors.
    Returns {organisation id: {field: value}}."""
    if organisation is None:
        data = _Data(indicator, series, period_end)
        rows = _assemble(data, series, period_end, _inputs_in_python(data, period_end))
        IndicatorRollup.objects.filter(indicator=indicator, series=series, period_end=period_end).delete()
        _insert(list(rows.values()))
        return rows
    data = _Data(indicator, series, load=False)
    inputs, data.started_on = _inputs_in_sql(indicator, series, period_end, organisation)
    rows = _assemble(data, series, period_end, inputs)
    stored = {r.organisation_id: r for r in IndicatorRollup.objects.filter(
        indicator=indicator, series=series, period_end=period_end, organisation_id__in=list(rows))}
    now = timezone.now()
    for org_id, fields in rows.items():
        rollup = stored.get(org_id) or IndicatorRollup(indicator=indicator, organisation_id=org_id, series=series,
                                                       period_end=period_end)
        for name in UPDATE_FIELDS[:-1]:
            setattr(rollup, name, fields[name])
        rollup.computed_at = now
        rollup.save()
    return rows


def _series_of(indicator):
    return (set(indicator.obligations.values_list("series", flat=True).distinct())
            | set(indicator.values.values_list("series", flat=True).distinct())) or {""}


@transaction.atomic
def refresh_indicator(indicator, series=None):
    """Recompute every stored roll-up of `indicator` (every series and every period with a value): a handful
    of queries per series whatever the number of organisations and periods. Returns the number of rows."""
    all_series = [series] if series is not None else sorted(_series_of(indicator))
    count = 0
    for name in all_series:
        data = _Data(indicator, name)
        ends = set(data.values) | set(indicator.values.filter(series=name).order_by()
                                      .values_list("period_end", flat=True).distinct())
        IndicatorRollup.objects.filter(indicator=indicator, series=name).delete()
        for period_end in sorted(ends):
            rows = _assemble(data, name, period_end, _inputs_in_python(data, period_end))
            _insert(list(rows.values()))
            count += len(rows)
    return count
