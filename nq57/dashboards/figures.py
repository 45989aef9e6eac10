"""The measures of an organisation's subtree, for many organisations at once in a constant number of queries.

Used by the map of provinces, the rankings, custom panels and the reports. Every count is over the subtree of
the organisation (its own work and that of every unit below it, by the materialised path), never ad hoc.

Definitions (shown to users next to each ranking; keep the two in step):
- Assignments: top-level assignments (parent is null) of tasks not removed, whose assignee is in the subtree,
  cancelled ones left out. completed: those of them completed (whenever).
- due / on_time: as `nq57.plans.metrics.completion_filters` on the deadline in force (revised, else original),
  for deadlines in [window_start, window_end]: due = the outcome is known (deadline passed, or completed);
  on_time = completed on or before the deadline in force.
- overdue / at_risk: the stored timeliness now.
- reports_expected / reports_on_time: progress reports, as `plans.metrics` (one per reporting period of the
  plan's frequency, capped per assignment), restricted to reporting periods ending in the window.
  reports_on_time counts approved reports filed on time (within the plan's grace days) for a period ending in
  the window, at most the number expected of the assignment. The cutoff (today less the grace days) is each
  plan's own: one SQL expression per distinct (frequency, grace days) pair among the plans.
- values_due / values_on_time: current KPI values (IndicatorValue.is_current) of the subtree whose due date
  (due_on) falls in the window, and those submitted on time (submitted_on_time is True).
- quality_checked / quality_ok: data quality = reviewed progress reports and KPI values of the window
  (approved or returned), and those approved without being returned. "Of the window": reviewed (reviewed_at)
  in the window. Reports of every assignment of the subtree count. A report or value returned and later
  approved keeps the reviewer's comment, so "without being returned" is: approved with no review comment.
- kpi_assessed / kpi_attainment_sum / kpi_green / kpi_amber / kpi_red: the organisation's own stored roll-ups
  (IndicatorRollup at that organisation), latest period ending on or before window_end per indicator, with an
  attainment; attainment capped to [0, 1] before summing. Active indicators only; of several series at
  that period, the unnamed one, else the first by name.
- feedback_received / answered / on_time: submissions whose lead agency is in the subtree, received in the
  window; answered (answered_at set) and answered on time (answered_on_time). feedback_open_overdue: not yet
  answered and past their due date today, whenever received (a backlog, like overdue), clock running (an
  open state: not waiting for the submitter, referred or grouped). Submissions not yet routed to a lead
  agency count nowhere.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import LessThan
from django.utils import timezone

from nq57.feedback.models import OPEN_STATES, Submission
from nq57.indicators.models import IndicatorRollup, IndicatorValue, Rag
from nq57.orgs.models import Organisation
from nq57.plans.metrics import ONE_DAY, PeriodIndex, completion_filters, period_index
from nq57.plans.models import Assignment, Plan, ProgressReport


@dataclass
class Figures:
    """Counts for one organisation's subtree over a window. Rates are derived, never stored."""

    organisation_id: int
    assignments: int = 0
    completed: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    at_risk: int = 0
    reports_expected: int = 0
    reports_on_time: int = 0
    values_due: int = 0
    values_on_time: int = 0
    quality_checked: int = 0
    quality_ok: int = 0
    kpi_assessed: int = 0
    kpi_attainment_sum: float = 0.0
    kpi_green: int = 0
    kpi_amber: int = 0
    kpi_red: int = 0
    feedback_received: int = 0
    feedback_answered: int = 0
    feedback_on_time: int = 0
    feedback_open_overdue: int = 0

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


FIELD_NAMES = [f.name for f in fields(Figures)][1:]  # the counts, without organisation_id


# Up to this many organisations in the subtrees, the sources are filtered by an IN list of them (a province with
# its units, the ministries); above it (the nation, all provinces, all communes) they are read whole and the rows
# of organisations outside count towards nobody: a list of nearly every organisation filters nothing.
MAX_FILTERED_ORGANISATIONS = 600
FEW_SUBMISSIONS = 50_000
Status = Assignment.Status
Timeliness = Assignment.Timeliness
REVIEWED = (ProgressReport.Status.APPROVED, ProgressReport.Status.RETURNED)


@dataclass(frozen=True)
class Window:
    """Today and the window [start, end] (local dates, both included)."""

    today: datetime.date
    start: datetime.date
    end: datetime.date

    def moments(self):
        """Aware datetimes [from, to) covering the window's local dates, for timestamp columns."""
        zone = timezone.get_current_timezone()
        return (datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone),
                datetime.datetime.combine(self.end + ONE_DAY, datetime.time.min, tzinfo=zone))


class Subtrees:
    """The subtrees of the requested organisations: towards which requested organisations each organisation of
    the map counts (its requested ancestors and itself), found by path prefix here from one read of every
    organisation's path (≈ 3,500 short rows)."""

    def __init__(self, organisations):
        by_path = defaultdict(list)
        for organisation in organisations:
            if organisation.pk not in by_path[organisation.path]:
                by_path[organisation.path].append(organisation.pk)
        lengths = sorted({len(path) for path in by_path})
        self.targets = {}
        for pk, path in Organisation.objects.order_by().values_list("pk", "path"):
            found = [target for length in lengths if length <= len(path)
                     for target in by_path.get(path[:length], ())]
            if found:
                self.targets[pk] = found

    def condition(self, field):
        """Rows whose organisation foreign key `field` is in the subtrees, when that filters anything."""
        if len(self.targets) > MAX_FILTERED_ORGANISATIONS:
            return Q()
        return Q(**{f"{field}__in": sorted(self.targets)})

    def add(self, figures, rows, key, names):
        """Add each row's columns (`names`: figure field → column) into the figures of the requested
        organisations its organisation counts towards."""
        for row in rows:
            for target in self.targets.get(row[key], ()):
                item = figures[target]
                for name, column in names.items():
                    setattr(item, name, getattr(item, name) + (row[column] or 0))


class GroupKey(Coalesce):
    """A foreign key to group on, as an expression (COALESCE(key, 0)): SQLite then filters through the index
    that suits the WHERE clause and sorts the few groups, instead of walking the foreign key's index in order
    and reading every row at random (about twice as fast over 1,000,000 KPI values)."""

    def __init__(self, field):
        super().__init__(F(field), Value(0), output_field=IntegerField())


# --- assignments and their progress reports ------------------------------------------------------------------


def expected_reports_in_window(*, frequency, start, deadline, completed_on, today, grace_days, window_start,
                               window_end):
    """`plans.metrics.expected_reports()` counting only the reporting periods that end in the window."""
    cutoff = min(today - datetime.timedelta(days=grace_days), window_end)
    end = min(day for day in (deadline, completed_on, cutoff) if day is not None)
    first = max(period_index(start, frequency), period_index(window_start, frequency))
    return max(0, period_index(end + ONE_DAY, frequency) - first)


def expected_reports_in_window_expression(*, frequency, grace_days, window):
    """expected_reports_in_window() for each assignment row, in SQL, built as
    `plans.metrics.expected_reports_expression()` is: the window's end lowers the cutoff (a period ending
    after it is not counted) and its start raises the first period."""
    cutoff = min(window.today - datetime.timedelta(days=grace_days), window.end)
    cutoff_next = Value(period_index(cutoff + ONE_DAY, frequency))

    def end_next(date):
        return Case(When(LessThan(date, Value(cutoff)), then=PeriodIndex(date, frequency, next_day=True)),
                    default=cutoff_next, output_field=IntegerField())

    # timeliness.start_of(): the assignment's start, the task's, the plan's date, else the creation (UTC) date.
    start = Coalesce(*(PeriodIndex(F(name), frequency)
                       for name in ("start_date", "task__deadline_start", "task__plan__issued_on", "created_at")))
    first = Greatest(start, Value(period_index(window.start, frequency)), output_field=IntegerField())
    deadline = Coalesce(F("revised_deadline"), F("original_deadline"))
    return Greatest(Least(end_next(deadline), end_next(F("completed_on"))) - first, Value(0),
                    output_field=IntegerField())


def _expected_reports(window):
    """The expected reports of each assignment under its plan's frequency and grace days.

    Grace days are per plan, so is the cutoff (today less the grace days): one expression per distinct
    (frequency, grace days) pair among the plans, chosen by a CASE. The pairs are read first (one small
    query); there are few (the defaults, and a plan or two that differs)."""
    rules = sorted(Plan.objects.order_by().values_list("reporting_frequency", "reporting_grace_days").distinct())
    if not rules:
        return None
    if len(rules) == 1:
        frequency, grace_days = rules[0]
        return expected_reports_in_window_expression(frequency=frequency, grace_days=grace_days, window=window)
    return Case(*(When(task__plan__reporting_frequency=frequency, task__plan__reporting_grace_days=grace_days,
                       then=expected_reports_in_window_expression(frequency=frequency, grace_days=grace_days,
                                                                  window=window))
                  for frequency, grace_days in rules),
                default=Value(0), output_field=IntegerField())


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


ASSIGNMENT_FLAGS = {"completed": "is_completed", "due": "is_due", "on_time": "is_on_time", "overdue": "is_overdue",
                    "at_risk": "is_at_risk"}


def assignment_rows(subtrees, window):
    """One row per counted assignment with 0/1 flags, the reports expected in the window and the approved
    on-time reports of periods ending in the window; None when there are no plans."""
    expected = _expected_reports(window)
    if expected is None:
        return None
    due, on_time = completion_filters("deadline_in_force", window_start=window.start, window_end=window.end,
                                      today=window.today)
    on_time_reports = (ProgressReport.objects
                       .filter(assignment=OuterRef("pk"), status=ProgressReport.Status.APPROVED, on_time=True,
                               period_end__gte=window.start, period_end__lte=window.end)
                       .order_by().values("assignment").annotate(n=Count("pk")).values("n"))
    return (Assignment.objects.filter(subtrees.condition("organisation"), parent__isnull=True, task__removed=False)
            .exclude(status=Status.CANCELLED)
            .annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))
            .annotate(is_completed=_flag(Q(status=Status.COMPLETED)), is_due=_flag(due), is_on_time=_flag(on_time),
                      is_overdue=_flag(Q(timeliness=Timeliness.OVERDUE)),
                      is_at_risk=_flag(Q(timeliness=Timeliness.AT_RISK)),
                      expected=expected,
                      received_on_time=Coalesce(Subquery(on_time_reports, output_field=IntegerField()), Value(0)))
            .values("organisation_id", *ASSIGNMENT_FLAGS.values(), "expected", "received_on_time").order_by())


def _add_assignments(figures, subtrees, window):
    """Sum assignment_rows() per agency in one query. The rows are a derived table so that the expected
    reports are computed once per row and then capped by the reports received (as plans.metrics does; the
    ORM has no FROM-subquery). The fence keeps the database from folding the derived table back."""
    rows = assignment_rows(subtrees, window)
    if rows is None:
        return
    connection = connections[rows.db]
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    fence = " LIMIT -1" if connection.vendor == "sqlite" else " OFFSET 0"
    expected, received = quote("expected"), quote("received_on_time")
    columns = [f"SUM({quote(column)})" for column in ASSIGNMENT_FLAGS.values()]
    query = (f"SELECT {quote('organisation_id')}, COUNT(*), {', '.join(columns)}, SUM({expected}), "
             f"SUM(CASE WHEN {received} < {expected} THEN {received} ELSE {expected} END) "
             f"FROM ({sql}{fence}) {quote('figure_rows')} GROUP BY {quote('organisation_id')}")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = ["assignments", *ASSIGNMENT_FLAGS, "reports_expected", "reports_on_time"]
        # int(): PostgreSQL sums a bigint column into a numeric (a Decimal here).
        result = [{"organisation_id": pk, **{name: int(value or 0) for name, value in zip(names, values, strict=True)}}
                  for pk, *values in cursor.fetchall()]
    subtrees.add(figures, result, "organisation_id", {name: name for name in names})


def _add_report_quality(figures, subtrees, window):
    """Progress reports reviewed in the window: approved or returned, and approved without a return (a
    returned report keeps the reviewer's comment when it is filed again and approved)."""
    start, end = window.moments()
    approved = ProgressReport.Status.APPROVED
    rows = (ProgressReport.objects
            .filter(subtrees.condition("assignment__organisation"), status__in=REVIEWED,
                    reviewed_at__gte=start, reviewed_at__lt=end)
            .annotate(agency=GroupKey("assignment__organisation_id")).values("agency")
            .annotate(checked=Count("pk"), ok=Count("pk", filter=Q(status=approved, review_comment="")))
            .order_by())
    subtrees.add(figures, rows, "agency", {"quality_checked": "checked", "quality_ok": "ok"})


# --- KPI values and roll-ups ------------------------------------------------------------------------------------


def _add_values(figures, subtrees, window):
    """Current values due in the window and those submitted on time; values reviewed in the window (approved or
    returned) and those approved without a return, for data quality."""
    start, end = window.moments()
    V = IndicatorValue.Status
    due = Q(is_current=True, due_on__gte=window.start, due_on__lte=window.end)
    reviewed = Q(status__in=[V.APPROVED, V.RETURNED], reviewed_at__gte=start, reviewed_at__lt=end)
    rows = (IndicatorValue.objects.filter(subtrees.condition("organisation")).filter(due | reviewed)
            .annotate(agency=GroupKey("organisation_id")).values("agency")
            .annotate(due=Count("pk", filter=due), on_time=Count("pk", filter=due & Q(submitted_on_time=True)),
                      checked=Count("pk", filter=reviewed),
                      ok=Count("pk", filter=reviewed & Q(status=V.APPROVED, review_comment="")))
            .order_by())
    subtrees.add(figures, rows, "agency", {"values_due": "due", "values_on_time": "on_time",
                                           "quality_checked": "checked", "quality_ok": "ok"})


def _add_rollups(figures, organisations, window):
    """The organisations' own roll-ups: per active indicator the latest one with an attainment whose period ends
    on or before the window's end (of several series at that period, the unnamed one, else the first by name).

    The latest period of each (organisation, indicator) is a grouped derived table joined back to the roll-ups
    (hand-written SQL, as for the assignments: the ORM has no join on a derived table); a correlated
    "latest row" sub-select per roll-up row costs twice as much over every organisation's 970,000 roll-ups."""
    pks = sorted({o.pk for o in organisations})
    # As for the subtrees: a long list of organisations is not worth filtering on; others' rows are skipped below.
    mine = Q(organisation_id__in=pks) if len(pks) <= MAX_FILTERED_ORGANISATIONS else Q()
    latest = (IndicatorRollup.objects
              .filter(mine, indicator__is_active=True, attainment__isnull=False, period_end__lte=window.end)
              .values("organisation_id", "indicator_id").annotate(latest=Max("period_end")).order_by())
    connection = connections[latest.db]
    sql, params = latest.query.sql_with_params()
    q = connection.ops.quote_name
    table = q(IndicatorRollup._meta.db_table)
    r, m, s = q("r"), q("m"), q("s")
    organisation, indicator, period_end = q("organisation_id"), q("indicator_id"), q("period_end")
    attainment, rag, series = q("attainment"), q("rag"), q("series")

    count = f"SUM(CASE WHEN {r}.{rag} = %s THEN 1 ELSE 0 END)"  # green, amber, red
    query = (
        f"SELECT {r}.{organisation}, COUNT(*), "
        f"SUM(CASE WHEN {r}.{attainment} > 1 THEN 1.0 WHEN {r}.{attainment} < 0 THEN 0.0 ELSE {r}.{attainment} END), "
        f"{count}, {count}, {count} "
        f"FROM {table} {r} INNER JOIN ({sql}) {m} ON {r}.{organisation} = {m}.{organisation} "
        f"AND {r}.{indicator} = {m}.{indicator} AND {r}.{period_end} = {m}.{q('latest')} "
        f"WHERE {r}.{attainment} IS NOT NULL AND {r}.{series} = (SELECT MIN({s}.{series}) FROM {table} {s} "
        f"WHERE {s}.{organisation} = {r}.{organisation} AND {s}.{indicator} = {r}.{indicator} "
        f"AND {s}.{period_end} = {r}.{period_end} AND {s}.{attainment} IS NOT NULL) "
        f"GROUP BY {r}.{organisation}")
    with connection.cursor() as cursor:
        cursor.execute(query, [Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, *params])  # in the order written
        for pk, assessed, attainment_sum, green, amber, red in cursor.fetchall():
            item = figures.get(pk)
            if item is None:
                continue
            item.kpi_assessed, item.kpi_attainment_sum = assessed, float(attainment_sum or 0.0)
            item.kpi_green, item.kpi_amber, item.kpi_red = int(green or 0), int(amber or 0), int(red or 0)


# --- feedback ---------------------------------------------------------------------------------------------------


def _add_feedback(figures, subtrees, window):
    """Submissions led by the subtree received in the window, answered, answered on time; and, whenever
    received, those still unanswered with their clock running past their due date today. Two queries, read
    the way that suits the set (the rows are wide: reading them is what costs):

    - the whole map: the window's submissions through the reception date's index, then the backlog through the
      (state, due date) index, each grouped by lead agency;
    - a few hundred organisations at most: first a count of their submissions on the lead agency's index; few
      (a province, a ministry, communes), then every agency's submissions read agency by agency; many (all the
      ministries together lead 40 % of them), then the window and the backlog in one pass, other agencies'
      rows skipped. SQLite's planner, estimating rows per agency as the average, cannot choose this itself,
      and needs the agency-by-agency read spelt out as a join from the organisations.
    """
    start, end = window.moments()
    received = Q(received_at__gte=start, received_at__lt=end)
    answered = received & Q(answered_at__isnull=False)
    open_overdue = Q(answered_at__isnull=True, state__in=OPEN_STATES, due_date__lt=window.today)
    conditions = {"received": received, "answered": answered, "on_time": answered & Q(answered_on_time=True),
                  "open_overdue": open_overdue}
    counts = {key: Count("pk", filter=condition) for key, condition in conditions.items()}
    names = {"feedback_received": "received", "feedback_answered": "answered", "feedback_on_time": "on_time",
             "feedback_open_overdue": "open_overdue"}
    led = Submission.objects.filter(lead_agency__isnull=False).annotate(agency=GroupKey("lead_agency_id"))
    scope = subtrees.condition("pk")
    if not scope:
        window_counts = {key: counts[key] for key in ("received", "answered", "on_time")}
        subtrees.add(figures, led.filter(received).values("agency").annotate(**window_counts).order_by(), "agency",
                     {name: column for name, column in names.items() if column in window_counts})
        subtrees.add(figures, led.filter(open_overdue).values("agency").annotate(open_overdue=Count("pk"))
                     .order_by(), "agency", {"feedback_open_overdue": "open_overdue"})
    elif Submission.objects.filter(lead_agency__in=sorted(subtrees.targets)).count() > FEW_SUBMISSIONS:
        subtrees.add(figures, led.filter(received | open_overdue).values("agency").annotate(**counts).order_by(),
                     "agency", names)
    elif connections[Submission.objects.db].vendor == "sqlite":
        # From each agency to its submissions: a LEFT JOIN, so that SQLite walks the lead agency's index for each.
        through = {key: Count("feedback_led", filter=_prefixed(condition, "feedback_led__"))
                   for key, condition in conditions.items()}
        subtrees.add(figures, Organisation.objects.filter(scope).order_by().values("pk")
                     .annotate(agency=F("pk"), **through), "agency", names)
    else:
        # PostgreSQL knows how many rows each agency has: the list on the lead agency's index (it would not carry
        # the list across the LEFT JOIN above, and read every submission).
        subtrees.add(figures, Submission.objects.filter(lead_agency__in=sorted(subtrees.targets))
                     .values("lead_agency_id").annotate(**counts).order_by(), "lead_agency_id", names)


def _prefixed(condition, prefix):
    """The Q object `condition` with every lookup read through the relation `prefix` ("feedback_led__")."""
    result = Q(_connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            result.children.append(_prefixed(child, prefix))
        else:
            key, value = child
            result.children.append((prefix + key, value))
    return result


def default_window(today):
    """The last twelve months up to today, both included (from 1 March when today is 29 February)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + datetime.timedelta(days=1), today


def org_figures(organisations, *, today, window_start, window_end):
    """{organisation pk: Figures} for each organisation's subtree, in 8 queries whatever the number of
    organisations, their depths and the volume of data (none for an empty list): the organisations' paths, the
    plans' reporting rules, one GROUP BY per source (assignments, progress reports, KPI values, roll-ups), each
    grouped by organisation and added up here into every requested subtree the organisation belongs to, and
    two for the feedback (see _add_feedback). At national volume the sources are read whole, which takes
    seconds: pages read cached_org_figures()."""
    organisations = list(organisations)
    if not organisations:
        return {}
    figures = {o.pk: Figures(organisation_id=o.pk) for o in organisations}
    subtrees = Subtrees(organisations)
    window = Window(today, window_start, window_end)
    _add_assignments(figures, subtrees, window)
    _add_report_quality(figures, subtrees, window)
    _add_values(figures, subtrees, window)
    _add_rollups(figures, organisations, window)
    _add_feedback(figures, subtrees, window)
    return figures


def scope_figures(scope, *, today, window_start, window_end):
    """Figures of one scope's subtree."""
    return org_figures([scope], today=today, window_start=window_start, window_end=window_end)[scope.pk]


# --- a cache of every organisation's figures -------------------------------------------------------------------

CACHE_KEY = "nq57:dashboards:figures:v1:{today}:{start}:{end}"


def cache_seconds():
    """How long a table of figures is kept: settings.NQ57_FIGURES_CACHE_SECONDS (0, the default, keeps none)."""
    return max(0, int(getattr(settings, "NQ57_FIGURES_CACHE_SECONDS", 0) or 0))


def figures_cache():
    """The cache the web processes and the worker share (settings.CACHES["dashboards"]: Redis, else a database
    table), or the default one where that is not configured."""
    return caches["dashboards" if "dashboards" in settings.CACHES else "default"]


def every_organisation_figures(*, today, window_start, window_end):
    """{pk: Figures} of every organisation of the map, for one window: the same eight queries, each source read
    once (what the national figures alone cost), every row added into each of its organisation's ancestors."""
    organisations = Organisation.objects.order_by().only("pk", "path")
    return org_figures(organisations, today=today, window_start=window_start, window_end=window_end)


def cached_table(*, today, window_start, window_end, refresh=False):
    """(computed at, {pk: Figures}) of every organisation from the cache, computed and stored when missing (or
    when `refresh`); without a cache (cache_seconds() == 0) computed each time."""
    seconds = cache_seconds()
    key = CACHE_KEY.format(today=today.isoformat(), start=window_start.isoformat(), end=window_end.isoformat())
    stored = figures_cache().get(key) if seconds and not refresh else None
    if stored is not None:
        computed_at, rows = stored
        return computed_at, {pk: Figures(pk, *values) for pk, values in rows.items()}
    computed_at = timezone.now()
    table = every_organisation_figures(today=today, window_start=window_start, window_end=window_end)
    if seconds:
        rows = {pk: tuple(getattr(f, name) for name in FIELD_NAMES) for pk, f in table.items()}
        figures_cache().set(key, (computed_at, rows), seconds)
    return computed_at, table


def cached_org_figures(organisations, *, today, window_start, window_end):
    """org_figures() read from a table of every organisation's figures kept in figures_cache() for
    NQ57_FIGURES_CACHE_SECONDS, so that a page costs no figure query while the table is fresh (figures are then
    at most that old; computed_at() says when they were made). Without a cache, exactly org_figures()."""
    organisations = list(organisations)
    if not cache_seconds() or not organisations:
        return org_figures(organisations, today=today, window_start=window_start, window_end=window_end)
    _computed_at, table = cached_table(today=today, window_start=window_start, window_end=window_end)
    missing = [o for o in organisations if o.pk not in table]  # created since the table was made
    if missing:
        table.update(org_figures(missing, today=today, window_start=window_start, window_end=window_end))
    return {o.pk: table[o.pk] for o in organisations}


def cached_scope_figures(scope, *, today, window_start, window_end):
    """scope_figures() through cached_org_figures()."""
    return cached_org_figures([scope], today=today, window_start=window_start, window_end=window_end)[scope.pk]


def computed_at(*, today, window_start, window_end):
    """When the cached figures of this window were computed (None when not cached)."""
    key = CACHE_KEY.format(today=today.isoformat(), start=window_start.isoformat(), end=window_end.isoformat())
    stored = figures_cache().get(key) if cache_seconds() else None
    return stored[0] if stored else None


def refresh_figures_cache(today=None):
    """Compute and store the table of the default window now (a worker job keeps pages from ever paying it)."""
    today = today or timezone.localdate()
    start, end = default_window(today)
    cached_table(today=today, window_start=start, window_end=end, refresh=True)
