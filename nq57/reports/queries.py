"""The figures and lists of a periodic report, for one scope's subtree, in a constant number of queries.

Every function takes the scope (an Organisation: its subtree is a prefix of the materialised path) and the
period; counts are aggregates, lists are capped (LIST_LIMIT rows, with the total count for the note), so a
national six-month report over 150,000 assignments and a million reports costs the same few queries as a
commune's.

Definitions (the report's notes repeat them; `as_of` is the period's last day, or today while it runs):
- In force: top-level assignments of tasks not removed, assignee in the subtree, not cancelled, of a plan issued
  by the end of the period (or undated), not completed before the period began.
- Completed in the period: completed, with the completion date in the period; on time when that date is on or
  before the deadline in force (the approved revised deadline, else the original), or there is no deadline.
- Due / completed by the deadline: `nq57.plans.metrics.completion_filters` on the deadline in force (the
  on-time completion rate of the brief), with "today" the day after `as_of`.
- Overdue at the end of the period: not cancelled, deadline in force before `as_of`, not completed by `as_of`.
- At risk: the stored timeliness, today (only for the period running or just ended).
- Recommendations raised in the period: created in the period; answered when an answer was given (any date).
- Feedback: submissions whose lead agency is in the subtree, received in the period (as `feedback.stats`).
- Indicators: the scope's own stored roll-ups (IndicatorRollup at the scope), per indicator the latest period
  ending on or before the end of the period with a RAG status.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from nq57.feedback.models import Submission
from nq57.feedback.stats import agency_rows
from nq57.indicators.models import IndicatorRollup, Target
from nq57.plans.metrics import completion_filters
from nq57.plans.models import Assignment, ProgressReport, Recommendation

LIST_LIMIT = 200
S = Assignment.Status
T = Assignment.Timeliness
ONE_DAY = datetime.timedelta(days=1)


def day_bounds(first, last):
    """Aware datetimes [start, end) covering the local dates first..last (both included)."""
    zone = timezone.get_current_timezone()
    return (datetime.datetime.combine(first, datetime.time.min, tzinfo=zone),
            datetime.datetime.combine(last + ONE_DAY, datetime.time.min, tzinfo=zone))


def subtree_assignments(scope):
    """Top-level assignments of tasks not removed whose assignee is in the scope's subtree, with the deadline in
    force annotated as `deadline_in_force`."""
    return (Assignment.objects.filter(parent__isnull=True, task__removed=False,
                                      organisation__path__startswith=scope.path)
            .annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline"))))


def overdue_q(as_of):
    """Overdue on the day `as_of`: deadline passed, not completed by then, not cancelled."""
    return (Q(deadline_in_force__lt=as_of) & ~Q(status=S.CANCELLED)
            & (Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
            & ~Q(status=S.COMPLETED, completed_on__isnull=True))


def _period_filters(start, end, as_of):
    in_force = (~Q(status=S.CANCELLED) & (Q(completed_on__isnull=True) | Q(completed_on__gte=start))
                & (Q(task__plan__issued_on__isnull=True) | Q(task__plan__issued_on__lte=end)))
    completed = Q(status=S.COMPLETED, completed_on__gte=start, completed_on__lte=end)
    completed_on_time = completed & (Q(deadline_in_force__isnull=True) | Q(completed_on__lte=F("deadline_in_force")))
    due, on_time = completion_filters("deadline_in_force", window_start=start, window_end=end, today=as_of + ONE_DAY)
    return {"assignments": in_force, "completed": completed, "completed_on_time": completed_on_time,
            "due": due, "due_on_time": on_time, "overdue": overdue_q(as_of)}


def assignment_counts(scope, periods):
    """{name: {measure: count}} for each named period {name: (start, end, as_of)}, plus "at_risk" (stored
    timeliness, today) in every period's counts: one aggregate query."""
    aggregates = {"at_risk": Count("pk", filter=Q(timeliness=T.AT_RISK) & ~Q(status=S.CANCELLED))}
    for name, (start, end, as_of) in periods.items():
        for measure, condition in _period_filters(start, end, as_of).items():
            aggregates[f"{name}__{measure}"] = Count("pk", filter=condition)
    row = subtree_assignments(scope).aggregate(**aggregates)
    result = {}
    for name in periods:
        result[name] = {measure: row[f"{name}__{measure}"] for measure in _period_filters(*periods[name])}
        result[name]["at_risk"] = row["at_risk"]
    return result


ASSIGNMENT_FIELDS = ("pk", "task__code", "task__title", "task__plan__number", "organisation_id",
                     "organisation__name", "organisation__path", "deadline_in_force", "completed_on", "progress",
                     "status", "status_reason")


def completed_rows(scope, start, end, limit=None):
    """The assignments completed in the period, in order of completion (at most `limit`)."""
    limit = limit or LIST_LIMIT
    return list(subtree_assignments(scope).filter(_period_filters(start, end, end)["completed"])
                .order_by("completed_on", "organisation__path", "task__code", "pk")
                .values(*ASSIGNMENT_FIELDS)[:limit])


def overdue_rows(scope, as_of, limit=None):
    """The assignments overdue on `as_of`, by agency then deadline (at most `limit`), each with `reason`: its
    status reason, else the difficulties of its latest submitted or approved report."""
    limit = limit or LIST_LIMIT
    rows = list(subtree_assignments(scope).filter(overdue_q(as_of))
                .order_by("organisation__path", "deadline_in_force", "task__code", "pk")
                .values(*ASSIGNMENT_FIELDS)[:limit])
    missing = [row["pk"] for row in rows if not row["status_reason"].strip()]
    latest = {}
    if missing:
        for assignment_id, difficulties in (
                ProgressReport.objects.filter(assignment_id__in=missing, period_end__lte=as_of,
                                              status__in=[ProgressReport.Status.SUBMITTED,
                                                          ProgressReport.Status.APPROVED])
                .exclude(difficulties="").order_by("assignment_id", "-period_end", "-pk")
                .values_list("assignment_id", "difficulties")):
            latest.setdefault(assignment_id, difficulties)
    for row in rows:
        row["reason"] = row["status_reason"].strip() or latest.get(row["pk"], "").strip()
        row["days_overdue"] = (as_of - row["deadline_in_force"]).days
    return rows


def overdue_by_agency(scope, as_of, limit=None):
    """(rows {organisation_id, name, path, overdue, earliest}, number of agencies): the agencies with the most
    overdue assignments first (at most `limit` rows; the count of agencies is only queried when capped)."""
    limit = limit or LIST_LIMIT
    base = subtree_assignments(scope).filter(overdue_q(as_of))
    rows = list(base.values("organisation_id", "organisation__name", "organisation__path")
                .annotate(overdue=Count("pk"), earliest=Min("deadline_in_force"))
                .order_by("-overdue", "organisation__path")[:limit])
    total = len(rows) if len(rows) < limit else base.values("organisation_id").distinct().count()
    return rows, total


def difficulty_rows(scope, start, end, limit=None):
    """(approved reports of the period that state difficulties, at most `limit`; their number)."""
    limit = limit or LIST_LIMIT
    reports = ProgressReport.objects.filter(
        assignment__organisation__path__startswith=scope.path, assignment__task__removed=False,
        period_end__gte=start, period_end__lte=end, status=ProgressReport.Status.APPROVED).exclude(difficulties="")
    rows = list(reports.order_by("assignment__organisation__path", "period_end", "pk").values(
        "pk", "period_end", "difficulties", "assignment__task__code", "assignment__task__title",
        "assignment__organisation__name")[:limit])
    total = len(rows) if len(rows) < limit else reports.count()
    return rows, total


def recommendation_figures(scope, periods):
    """{name: {"raised": n, "answered": n}} for each named period {name: (start, end, as_of)}: one query."""
    aggregates = {}
    for name, (start, end, _as_of) in periods.items():
        low, high = day_bounds(start, end)
        raised = Q(created_at__gte=low, created_at__lt=high)
        aggregates[f"{name}__raised"] = Count("pk", filter=raised)
        aggregates[f"{name}__answered"] = Count("pk", filter=raised & Q(answered_at__isnull=False))
    row = Recommendation.objects.filter(assignment__organisation__path__startswith=scope.path).aggregate(**aggregates)
    return {name: {"raised": row[f"{name}__raised"], "answered": row[f"{name}__answered"]} for name in periods}


def recommendation_rows(scope, start, end, limit=None):
    """The recommendations raised in the period, by agency then date (at most `limit`)."""
    limit = limit or LIST_LIMIT
    low, high = day_bounds(start, end)
    return list(Recommendation.objects.filter(assignment__organisation__path__startswith=scope.path,
                                              created_at__gte=low, created_at__lt=high)
                .order_by("assignment__organisation__path", "created_at", "pk")
                .values("pk", "text", "status", "answer", "answered_at", "created_at",
                        "assignment__task__code", "assignment__task__title",
                        "assignment__organisation__name")[:limit])


def _feedback_in(scope, start, end):
    low, high = day_bounds(start, end)
    return Submission.objects.filter(lead_agency__path__startswith=scope.path, received_at__gte=low,
                                     received_at__lt=high)


def feedback_rows(scope, start, end):
    """(rows by lead agency in the subtree, most received first; the totals row) over submissions received in
    the period: `feedback.stats.agency_rows` restricted to the subtree. Two queries."""
    return agency_rows(start, end, within=scope)


def feedback_totals(scope, start, end):
    """{"received", "answered", "on_time"} of the submissions received in the period: one query."""
    return _feedback_in(scope, start, end).aggregate(
        received=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
        on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_on_time=True)))


ROLLUP_FIELDS = ("indicator_id", "series", "period_end", "value", "progress", "attainment", "rag",
                 "indicator__frequency", "indicator__code", "indicator__name", "indicator__name_en", "indicator__unit",
                 "indicator__aggregation", "indicator__sort_order")


def latest_rollups(scope, ends):
    """{end: [latest roll-up per indicator at the scope with a RAG status, period ending on or before `end`]}
    for each date in `ends`; the series "" is preferred (else the first series). One query."""
    ends = sorted(ends)
    rollups = (IndicatorRollup.objects.filter(organisation=scope, period_end__lte=ends[-1],
                                              indicator__is_active=True)
               .exclude(rag="").order_by("indicator__sort_order", "indicator__code", "indicator_id", "series",
                                         "period_end").values(*ROLLUP_FIELDS))
    by_indicator = defaultdict(list)
    for rollup in rollups:
        by_indicator[rollup["indicator_id"]].append(rollup)
    result = {end: [] for end in ends}
    for rows in by_indicator.values():
        present = sorted({r["series"] for r in rows})
        series = "" if "" in present else present[0]
        mine = [r for r in rows if r["series"] == series]
        for end in ends:
            latest = None
            for r in mine:
                if r["period_end"] <= end:
                    latest = r
            if latest is not None:
                result[end].append(latest)
    return result


def targets_for(indicator_ids, scope, year, *, sum_ids=(), is_root=False):
    """{indicator pk: the current Target for the scope (else the national one) of the first target year from
    `year` (else the last year)}: one query. A national target applies below the root only to measures that are
    not sums, as on the KPI pages (`indicators.queries.applicable`)."""
    found = defaultdict(list)
    for target in (Target.objects.filter(Q(organisation__isnull=True) | Q(organisation=scope),
                                         indicator_id__in=indicator_ids, is_current=True)
                   .order_by("indicator_id", "series", "year", "pk")):
        found[target.indicator_id].append(target)
    result = {}
    for indicator_id, targets in found.items():
        own = [t for t in targets if t.organisation_id == scope.pk and not is_root]
        national = [t for t in targets if t.organisation_id is None and (is_root or indicator_id not in sum_ids)]
        candidates = own or national
        if not candidates:
            continue
        upcoming = [t for t in candidates if t.year >= year]
        result[indicator_id] = upcoming[0] if upcoming else candidates[-1]
    return result
