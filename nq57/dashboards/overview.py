"""The figures of the scope dashboard (/dashboards/) and the lists behind them (/dashboards/list/).

Every section is one or a few aggregate queries over the scope's subtree (a prefix of the materialised path),
so the national dashboard costs the same number of queries at 150,000 assignments as at ten.

Definitions (shown on the page next to each section):
- Assignments: top-level assignments (no parent) of tasks not removed, whose assignee is in the subtree,
  cancelled ones left out — as `figures`.
- Overdue at a date d: the deadline in force (revised, else original) is before d and the assignment was not
  completed by d (a completion without a date counts as done). The trend shows the last day of each of the
  eleven previous months and today.
- Feedback of a scope: submissions whose lead agency is in the subtree; before routing (no lead agency yet),
  those held in the subtree — so the intake's untriaged submissions count for the intake's scope. Volumes
  per month are over the submissions received in the last twelve months: received in the month, answered
  in the month, answered on time in the month.
"""

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db.models import CharField, Count, F, Func, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nq57.feedback.models import OPEN_STATES, State, Submission
from nq57.indicators.models import Indicator
from nq57.indicators.queries import index_rows, summary_counts
from nq57.orgs.models import PROVINCE_KINDS, Organisation
from nq57.plans.models import Assignment, TaskGroup

from .figures import cached_org_figures, default_window
from .warnings import early_warnings

Status = Assignment.Status
Timeliness = Assignment.Timeliness

# The order of the timeliness columns everywhere on the dashboard.
TIMELINESS_ORDER = [Timeliness.ON_SCHEDULE, Timeliness.AT_RISK, Timeliness.OVERDUE, Timeliness.COMPLETED_ON_TIME,
                    Timeliness.COMPLETED_LATE, Timeliness.NOT_APPLICABLE]
TIMELINESS_COLOURS = {
    Timeliness.ON_SCHEDULE: "#0b4f9c", Timeliness.AT_RISK: "#b36b00", Timeliness.OVERDUE: "#b00020",
    Timeliness.COMPLETED_ON_TIME: "#1e6b2f", Timeliness.COMPLETED_LATE: "#7a5c99",
    Timeliness.NOT_APPLICABLE: "#8a939e",
}
RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "": 3}
KPI_TOP = 10
MONTHS = 12
# A submission waits for its answer while not answered in a state whose clock runs (as `figures`), or paused
# waiting for the submitter; it is past its limit when its clock runs and its due date has gone by.
AWAITING_ANSWER = sorted({*OPEN_STATES, State.WAITING_INFO})
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
NO_GROUP = "-"


# --- months ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """One calendar month of a trend: its first and last day, and the day its figure is taken (the last day,
    or today for the current month)."""

    first: datetime.date
    last: datetime.date
    at: datetime.date

    @property
    def key(self):
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def label(self):
        return f"{self.first.month:02d}/{self.first.year}"


def last_months(today, count=MONTHS):
    """The `count` calendar months ending with today's, oldest first."""
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        first = datetime.date(year, month, 1)
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        months.append(Month(first, last, min(last, today)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def parse_month(text, today):
    """The Month of "YYYY-MM" among the last twelve, or None."""
    return next((m for m in last_months(today) if m.key == text), None)


def day_start(day):
    """Local midnight at the start of `day`, as an aware datetime (submissions store moments)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- the subtree's work -----------------------------------------------------------------------------------


def in_subtree(scope, path_field):
    """The subtree condition on `path_field`; none for the root of the map (every row is in it), which spares
    the join to the organisations at national scope."""
    if scope.parent_id is None and scope.depth == 0:
        return Q()
    return Q(**{f"{path_field}__startswith": scope.path})


def subtree_ids(scope):
    """The ids of the scope's organisations, as a subquery: `organisation_id IN (…)` reads the rows through
    the indexes on the organisation columns, where a join on the path would read every row."""
    return Organisation.objects.filter(path__startswith=scope.path).values("pk")


def scope_assignments(scope):
    """Top-level assignments of tasks not removed, assignee in the scope's subtree, cancelled left out."""
    queryset = Assignment.objects.filter(parent__isnull=True, task__removed=False).exclude(status=Status.CANCELLED)
    return queryset.filter(organisation__in=subtree_ids(scope)) if in_subtree(scope, "path") else queryset


def with_deadline(queryset):
    return queryset.annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))


def overdue_at(day):
    """Overdue on `day`: deadline in force before it, not completed by it (see the module docstring)."""
    return (Q(deadline_in_force__lt=day) & ~Q(status=Status.COMPLETED, completed_on__lte=day)
            & ~Q(status=Status.COMPLETED, completed_on__isnull=True))


def group_sort_key(code):
    return (code == NO_GROUP, ROMAN.get(code, 99), code)


def completion_by_group(scope):
    """Per task group code (the Resolution's groups I–VII) and in total: assignments, completed ones and the
    count per timeliness. Two queries: the counts, and the groups' titles (those of the highest plan owner)."""
    counts = (scope_assignments(scope).values("task__group__code", "timeliness", "status")
              .annotate(n=Count("id")).order_by())

    def empty(code, label):
        return {"code": code, "label": label, "total": 0, "completed": 0,
                "timeliness": dict.fromkeys(TIMELINESS_ORDER, 0)}

    rows = {}
    for row in counts:
        code = row["task__group__code"] or NO_GROUP
        target = rows.setdefault(code, empty(code, ""))
        target["total"] += row["n"]
        target["completed"] += row["n"] if row["status"] == Status.COMPLETED else 0
        target["timeliness"][row["timeliness"]] = target["timeliness"].get(row["timeliness"], 0) + row["n"]
    titles = {}
    codes = [c for c in rows if c != NO_GROUP]
    if codes:
        for row in (TaskGroup.objects.filter(code__in=codes).values("code", "plan__owner__depth")
                    .annotate(title=Min("title")).order_by("code", "plan__owner__depth")):
            titles.setdefault(row["code"], row["title"])
    for code, row in rows.items():
        row["label"] = titles.get(code, "") if code != NO_GROUP else str(_("No group"))
    ordered = [rows[c] for c in sorted(rows, key=group_sort_key)]
    total = empty("", str(_("Total")))
    for row in ordered:
        total["total"] += row["total"]
        total["completed"] += row["completed"]
        for key, n in row["timeliness"].items():
            total["timeliness"][key] = total["timeliness"].get(key, 0) + n
    for row in [*ordered, total]:
        row["completed_rate"] = row["completed"] / row["total"] if row["total"] else None
        row["cells"] = [(t, row["timeliness"].get(t, 0)) for t in TIMELINESS_ORDER]
    return ordered, total


def overdue_trend(scope, today):
    """[(Month, overdue count at its day)] for the last twelve months, in one aggregate query."""
    months = last_months(today)
    queryset = with_deadline(scope_assignments(scope)).filter(deadline_in_force__lt=today)
    counts = queryset.aggregate(**{f"m{i}": Count("id", filter=overdue_at(m.at)) for i, m in enumerate(months)})
    return [(m, counts[f"m{i}"] or 0) for i, m in enumerate(months)]


# --- KPI index ---------------------------------------------------------------------------------------------


def kpi_section(scope, root):
    """(counts of green/amber/red/no data, the KPI_TOP worst indicators) at the scope: the KPI index's rows."""
    indicators = list(Indicator.objects.filter(is_active=True).select_related("owner"))
    rows = index_rows(indicators, scope, root)
    counts = summary_counts(rows)
    worst = sorted(rows, key=lambda r: (RAG_ORDER.get(r["rag"], 3),
                                        r["attainment"] if r["attainment"] is not None else float("inf"),
                                        r["indicator"].sort_order, r["indicator"].code))
    return counts, worst[:KPI_TOP], len(rows)


# --- feedback ----------------------------------------------------------------------------------------------


def scope_submissions(scope):
    """Submissions of the scope: lead agency in the subtree, or, before routing, held in the subtree."""
    if not in_subtree(scope, "path"):
        return Submission.objects.all()
    ids = subtree_ids(scope)
    return Submission.objects.filter(Q(lead_agency__in=ids) | Q(lead_agency__isnull=True, holder__in=ids))


def submission_parts(scope):
    """scope_submissions() as disjoint querysets each read through one index (lead agency; holder before
    routing): the OR of the two would read every row of the window."""
    if not in_subtree(scope, "path"):
        return [Submission.objects.all()]
    ids = subtree_ids(scope)
    return [Submission.objects.filter(lead_agency__in=ids),
            Submission.objects.filter(lead_agency__isnull=True, holder__in=ids)]


def feedback_condition(kind, month):
    """The condition of one monthly count: received, answered or answered on time in `month`."""
    start, end = day_start(month.first), day_start(month.last + datetime.timedelta(days=1))
    if kind == "received":
        return Q(received_at__gte=start, received_at__lt=end)
    answered = Q(answered_at__gte=start, answered_at__lt=end)
    return answered & Q(answered_on_time=True) if kind == "on_time" else answered


def awaiting_answer(today, overdue=False):
    if overdue:
        return Q(answered_at__isnull=True, state__in=sorted(OPEN_STATES), due_date__lt=today)
    return Q(answered_at__isnull=True, state__in=AWAITING_ANSWER)


class HourOf(Func):
    """The UTC hour of a timestamp as "YYYY-MM-DD HH" text, natively on each backend (Django's Trunc calls a
    Python function per row on SQLite). Grouping by hour and placing each hour in its local month in Python is
    exact for Vietnam's whole-hour offset, and on SQLite reads only the received_at index."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, 'YYYY-MM-DD HH24')", params  # Django's PostgreSQL connections run in UTC

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 1, 13)", params


@lru_cache(maxsize=20000)
def month_key_of_hour(text):
    """The local month ("YYYY-MM") of a UTC hour written "YYYY-MM-DD HH" (memoised: a year has 8,760 hours)."""
    moment = datetime.datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), tzinfo=datetime.UTC)
    local = timezone.localtime(moment)
    return f"{local.year:04d}-{local.month:02d}"


def feedback_by_month(scope, today):
    """Per month of the last twelve: received, answered, answered on time (submissions received in the
    window), with totals, the on-time rate and the number awaiting an answer now (and past its limit).
    Three queries per part of submission_parts(): received per hour, answered per hour, and the backlog."""
    months = last_months(today)
    index = {m.key: i for i, m in enumerate(months)}
    counts = [{"received": 0, "answered": 0, "on_time": 0} for _m in months]
    since = day_start(months[0].first)
    backlog = {"awaiting": 0, "awaiting_overdue": 0}
    for part in submission_parts(scope):
        window_rows = part.filter(received_at__gte=since)
        for row in (window_rows.annotate(hour=HourOf("received_at")).values("hour").annotate(n=Count("id"))
                    .order_by()):
            i = index.get(month_key_of_hour(row["hour"]))
            if i is not None:
                counts[i]["received"] += row["n"]
        for row in (window_rows.filter(answered_at__isnull=False).annotate(hour=HourOf("answered_at"))
                    .values("hour").annotate(n=Count("id"), on_time=Count("id", filter=Q(answered_on_time=True)))
                    .order_by()):
            i = index.get(month_key_of_hour(row["hour"]))
            if i is not None:
                counts[i]["answered"] += row["n"]
                counts[i]["on_time"] += row["on_time"]
        found = part.filter(awaiting_answer(today)).aggregate(
            awaiting=Count("id"), awaiting_overdue=Count("id", filter=awaiting_answer(today, True)))
        for key in backlog:
            backlog[key] += found[key] or 0
    rows = []
    for month, row in zip(months, counts, strict=True):
        row = {"month": month, **row}
        row["rate"] = row["on_time"] / row["answered"] if row["answered"] else None
        rows.append(row)
    total = {k: sum(r[k] for r in rows) for k in ("received", "answered", "on_time")}
    total["rate"] = total["on_time"] / total["answered"] if total["answered"] else None
    total.update(backlog)
    return rows, total


# --- provinces ---------------------------------------------------------------------------------------------


def provinces():
    """The 34 active provinces and centrally-run cities, in their official order."""
    return list(Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)
                .only("pk", "code", "name", "short_name", "path", "kind", "depth", "sort_order")
                .order_by("sort_order", "name"))


def scope_contains_provinces(scope, all_provinces):
    return any(p.path.startswith(scope.path) and p.pk != scope.pk for p in all_provinces)


def window(today):
    start, end = default_window(today)
    return {"today": today, "window_start": start, "window_end": end}


# --- the scope's data, computed once for every viewer -----------------------------------------------------

CACHE_VERSION = 1
DEFAULT_CACHE_SECONDS = 1800


def cache_seconds():
    """How long a scope's computed dashboard is kept (settings.NQ57_DASHBOARD_CACHE_SECONDS; 0 = never)."""
    return int(getattr(settings, "NQ57_DASHBOARD_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def cache_key(scope, today):
    return f"nq57:dashboard:v{CACHE_VERSION}:{scope.pk}:{today.isoformat()}"


def compute_scope_data(scope, root, today):
    """Everything on a scope's dashboard that does not depend on who looks: a constant number of aggregate
    queries (the figures of the scope and of its provinces in one call to `cached_org_figures`: the table the
    worker keeps, else computed now)."""
    all_provinces = provinces()
    inside = ([p for p in all_provinces if p.path.startswith(scope.path) and p.pk != scope.pk]
              if scope_contains_provinces(scope, all_provinces) else [])
    figures = cached_org_figures([scope, *inside], **window(today))
    warnings, warning_counts = early_warnings(scope, today=today, limit=10)
    return {
        "computed_at": timezone.now(), "today": today, "figures": figures, "provinces": all_provinces,
        "inside": [p.pk for p in inside], "groups": completion_by_group(scope), "trend": overdue_trend(scope, today),
        "kpi": kpi_section(scope, root), "feedback": feedback_by_month(scope, today),
        "warnings": warnings, "warning_counts": warning_counts,
    }


def scope_data(scope, root, today):
    """compute_scope_data(), kept in the cache for cache_seconds(): at national volume the figures take
    seconds to compute, and every leader of a scope sees the same ones. The page says when they were computed."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute_scope_data(scope, root, today)
    key = cache_key(scope, today)
    cache = caches["dashboards"]
    data = cache.get(key)
    if data is None:
        data = compute_scope_data(scope, root, today)
        cache.set(key, data, seconds)
    return data


def refresh_cache(scopes, today=None):
    """Recompute and store the dashboards of `scopes` (e.g. the nation, the ministries and the provinces, from
    a scheduled job with a shared cache such as Redis), so that no leader waits for a cold computation."""
    from nq57.indicators.queries import national_root

    today = today or timezone.localdate()
    root = national_root()
    cache = caches["dashboards"]
    for scope in scopes:
        cache.set(cache_key(scope, today), compute_scope_data(scope, root, today), max(cache_seconds(), 1))
