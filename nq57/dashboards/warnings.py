"""Early warnings: what in a scope's subtree will be late, why, how serious, and which agency answers for it.

Five kinds, each defined below as a pure severity function (table-driven tests) and the same rule in SQL, so a
list costs one query ordered by severity with a LIMIT, and the totals one aggregate per source, whatever the
volume (never all rows in Python):

1. behind_schedule — top-level assignments of tasks not removed, assignee in the subtree, neither completed nor
   cancelled, deadline in force today or later (overdue work is already late: the dashboard counts it), and
   either (a) stored timeliness "at risk" with progress below the share of time elapsed between the start
   (`plans.timeliness.start_of`) and the deadline, or (b) the deadline within NEAR_DEADLINE_DAYS (30) days with
   progress below NEAR_DEADLINE_PROGRESS (50 %) whatever the stored timeliness. High: progress below 50 %
   within URGENT_DAYS (14) days, or 40 points or more behind the elapsed share; medium: progress below 50 %
   within 30 days, or 20 points behind; low otherwise.
2. stale_report — the same assignments (any deadline, overdue included) whose last progress report (or the
   start, if never reported) is older than one reporting period of the plan (REPORT_PERIOD_DAYS: 31, 92, 184 or
   366 days) plus the plan's grace days. High once a second period has gone by, else medium.
3. kpi_off_trajectory — (a) the latest stored roll-up with data of each indicator (and series) at the scope
   organisation itself, rated red (high) or amber (medium); the agency is the indicator's owner when it sits in
   the subtree, else the scope; (b) reporting obligations of organisations in the subtree whose value for the
   latest ended period past its due date (period end + the indicator's due days) has not come in (submitted or
   approved): medium.
4. feedback_near_limit — submissions held by or led by the subtree, not yet answered (waiting for triage,
   acceptance, the answer, its approval or the council), whose current stage is due within
   FEEDBACK_NEAR_WORKING_DAYS (3) working days (medium) or today or earlier (high), on the working-day calendar;
   the agency is the holder. Days left are working days.
5. repeated_misrouting — the same submissions, or paused waiting for the submitter, routed to the wrong agency
   at least twice (medium), three times or more (high); the agency is the holder.

Lists are sorted by severity, then days left (working days for feedback), soonest first; items without a date
come last. Each kind's SQL order matches that key, so the first `limit` of every kind contain the overall first
`limit`. With a limit each source is read once: one query ranks its ids and counts them (a window count), a
second fetches the few rows shown.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (Case, Count, DateField, Exists, F, FloatField, IntegerField, OuterRef, Q, Subquery,
                              Value, When, Window)
from django.db.models.expressions import ExpressionWrapper, Func
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from nq57.core import workdays
from nq57.feedback.models import Stage, State, Submission
from nq57.indicators.calendar import RECEIVED
from nq57.indicators.models import Frequency, Indicator, IndicatorRollup, IndicatorValue, Rag, ReportingObligation
from nq57.indicators.periods import period_containing, previous_period
from nq57.orgs.models import Organisation
from nq57.plans.models import Assignment

HIGH, MEDIUM, LOW = 3, 2, 1
SEVERITY_LABELS = {HIGH: gettext_lazy("High"), MEDIUM: gettext_lazy("Medium"), LOW: gettext_lazy("Low")}

BEHIND_SCHEDULE = "behind_schedule"
STALE_REPORT = "stale_report"
KPI_OFF_TRAJECTORY = "kpi_off_trajectory"
FEEDBACK_NEAR_LIMIT = "feedback_near_limit"
REPEATED_MISROUTING = "repeated_misrouting"
KINDS = {
    BEHIND_SCHEDULE: gettext_lazy("Behind schedule"),
    STALE_REPORT: gettext_lazy("Stale report"),
    KPI_OFF_TRAJECTORY: gettext_lazy("KPI off trajectory"),
    FEEDBACK_NEAR_LIMIT: gettext_lazy("Feedback near its limit"),
    REPEATED_MISROUTING: gettext_lazy("Repeated misrouting"),
}
KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}

NEAR_DEADLINE_DAYS = 30
NEAR_DEADLINE_PROGRESS = 50
URGENT_DAYS = 14
GAP_HIGH = 40
GAP_MEDIUM = 20
# One reporting period in days: the longest month, quarter, half-year and year, so nobody is flagged early.
REPORT_PERIOD_DAYS = {"month": 31, "quarter": 92, "half": 184, "year": 366}
FEEDBACK_NEAR_WORKING_DAYS = 3
MISROUTE_MEDIUM = 2
MISROUTE_HIGH = 3
SUBJECT_CHARS = 200
# Long texts the warnings never show, left out of the rows read.
SUBMISSION_TEXTS = ("content", "search_text", "public_search_text", "public_content")

EPOCH = datetime.date(2000, 1, 1)
A = Assignment
# Not yet answered, clock running: waiting for triage, acceptance, the answer, its approval or the council. By
# state alone (no answer exists before ANSWERED; a contested answer is one), so the count reads only the
# (state, due_date) index. Open: the same, or paused waiting for the submitter.
UNANSWERED_STATES = [State.RECEIVED, State.ROUTED, State.IN_PROGRESS, State.AWAITING_APPROVAL, State.UNDER_REVIEW]
STILL_OPEN_STATES = [*UNANSWERED_STATES, State.WAITING_INFO]


@dataclass
class EarlyWarning:
    """One thing that will be late: how serious (3 high, 2 medium, 1 low), why, what, where, who, when."""

    severity: int
    kind: str
    reason: str
    subject: str
    url: str
    agency: object  # an Organisation
    due: datetime.date | None = None
    days_left: int | None = None  # negative once past; working days for feedback

    @property
    def severity_label(self):
        return str(SEVERITY_LABELS[self.severity])

    @property
    def kind_label(self):
        return str(KINDS[self.kind])

    @property
    def rag(self):
        """The colour of the severity badge (the RAG classes of app.css)."""
        return {HIGH: "red", MEDIUM: "amber"}.get(self.severity, "none")

    @property
    def agency_name(self):
        return getattr(self.agency, "name", self.agency) or ""

    def sort_key(self):
        return (-self.severity, self.days_left is None, self.days_left or 0, KIND_ORDER[self.kind], self.subject)


Warning = EarlyWarning  # the name the dashboards code against (shadows the builtin only in this module's API)


class WarningCounts(dict):
    """{kind: number of warnings} for every kind, in the kinds' order, with labels for the filter chips."""

    @property
    def total(self):
        return sum(self.values())

    @property
    def chips(self):
        return [{"kind": kind, "label": str(KINDS[kind]), "count": self.get(kind, 0)} for kind in KINDS]


# --- severities as pure functions (the SQL below mirrors each one) ------------------------------------------


def elapsed_share(*, start, deadline, today):
    """Percentage of the time from start to deadline gone by today (0 before the start, 100 from the deadline)."""
    if start is None or deadline is None:
        return None
    elapsed, span = (today - start).days, (deadline - start).days
    if elapsed <= 0:
        return 0.0
    if span <= elapsed:
        return 100.0
    return 100.0 * elapsed / span


def is_behind_schedule(*, timeliness, progress, elapsed, days_left):
    """Rule 1: not yet overdue, and at risk with progress below the elapsed share, or near the deadline with
    little progress."""
    if days_left is None or days_left < 0:
        return False
    at_risk_behind = timeliness == A.Timeliness.AT_RISK and elapsed is not None and elapsed > progress
    near_and_low = days_left <= NEAR_DEADLINE_DAYS and progress < NEAR_DEADLINE_PROGRESS
    return at_risk_behind or near_and_low


def behind_schedule_severity(*, days_left, progress, elapsed):
    gap = None if elapsed is None else elapsed - progress
    low_progress = progress < NEAR_DEADLINE_PROGRESS
    if (low_progress and days_left <= URGENT_DAYS) or (gap is not None and gap >= GAP_HIGH):
        return HIGH
    if (low_progress and days_left <= NEAR_DEADLINE_DAYS) or (gap is not None and gap >= GAP_MEDIUM):
        return MEDIUM
    return LOW


def report_due(*, reference, frequency, grace_days):
    """The last day the next progress report may come after `reference` (the last report, else the start)."""
    return reference + datetime.timedelta(days=REPORT_PERIOD_DAYS[frequency] + grace_days)


def stale_report_severity(*, days_late, frequency):
    """High once another whole reporting period has gone by without a report."""
    return HIGH if days_late > REPORT_PERIOD_DAYS[frequency] else MEDIUM


def rollup_severity(rag):
    return {Rag.RED: HIGH, Rag.AMBER: MEDIUM}.get(rag)


def feedback_severity(*, due, today):
    return HIGH if due <= today else MEDIUM


def misrouting_severity(count):
    if count >= MISROUTE_HIGH:
        return HIGH
    return MEDIUM if count >= MISROUTE_MEDIUM else None


def owed_periods(today):
    """{frequency: [(period, days since its end)]}: the last ended period and the one before it. The value owed
    is the latest of these whose due date has passed (the one before, while the last is not yet due)."""
    result = {}
    for frequency in Frequency.values:
        last = previous_period(period_containing(today, frequency))
        before = previous_period(last)
        result[frequency] = [(last, (today - last.end).days), (before, (today - before.end).days)]
    return result


# --- SQL ---------------------------------------------------------------------------------------------------


class DayNumber(Func):
    """Days from 1 January 2000 to a date (or a UTC timestamp's date), natively on each backend, so that date
    differences are integer subtraction (Django's date arithmetic calls Python once per row on SQLite)."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(CAST({sql} AS DATE) - DATE '2000-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday(date({sql})) - 2451544.5 AS INTEGER)", params


def day_number(day):
    return (day - EPOCH).days


def _float(expression):
    return ExpressionWrapper(expression, output_field=FloatField())


def _int(expression):
    return ExpressionWrapper(expression, output_field=IntegerField())


def subtree_condition(organisation):
    """within(field) → a Q keeping rows whose `field` (a foreign key to Organisation) is in the subtree.

    An IN over the subtree's ids rather than a join on the path: the database then reads the rows of those
    organisations through their index (a province's thousand assignments, not the nation's 150,000). The whole
    map (a root, when it is the only one: one query to make sure) needs no condition at all."""
    if organisation.parent_id is None and not (Organisation.objects.filter(parent__isnull=True)
                                               .exclude(pk=organisation.pk).exists()):
        return lambda field: Q()
    ids = Organisation.objects.filter(path__startswith=organisation.path).values("pk")
    return lambda field: Q(**{f"{field}__in": ids})


def _open_assignments(within, today):
    """Rules 1 and 2's population, with the day numbers both need as aliases (computed only where used).

    Conditions put the cheap comparisons of stored dates with constants first: SQL evaluates AND lazily, so the
    date arithmetic runs only for the few rows that pass them (150,000 assignments at national volume)."""
    today_n = Value(day_number(today))
    period_days = Case(*[When(task__plan__reporting_frequency=f, then=Value(days))
                         for f, days in REPORT_PERIOD_DAYS.items()],
                       default=Value(REPORT_PERIOD_DAYS["quarter"]), output_field=IntegerField())
    start_n = Coalesce(DayNumber("start_date"), DayNumber("task__deadline_start"), DayNumber("task__plan__issued_on"),
                       DayNumber("created_at"))
    return (Assignment.objects.filter(within("organisation_id"), parent__isnull=True,
                                      task__removed=False)
            .exclude(status__in=[A.Status.COMPLETED, A.Status.CANCELLED])
            .alias(deadline=Coalesce("revised_deadline", "original_deadline"), start_n=start_n,
                   period_days=period_days)
            .alias(deadline_n=DayNumber("deadline"))
            .alias(elapsed_days=_int(today_n - F("start_n")), span_days=_int(F("deadline_n") - F("start_n")),
                   report_due_n=_int(Coalesce(DayNumber("last_report_on"), F("start_n")) + F("period_days")
                                     + F("task__plan__reporting_grace_days")))
            .alias(elapsed=Case(When(elapsed_days__lte=0, then=Value(0.0)),
                                When(span_days__lte=F("elapsed_days"), then=Value(100.0)),
                                default=_float(Value(100.0) * F("elapsed_days") / F("span_days")),
                                output_field=FloatField()),
                   days_left=_int(F("deadline_n") - today_n), report_days_left=_int(F("report_due_n") - today_n))
            .alias(gap=_float(F("elapsed") - F("progress"))))


def _behind_q(today):
    near = today + datetime.timedelta(days=NEAR_DEADLINE_DAYS)
    return Q(deadline__gte=today) & (
        (Q(timeliness=A.Timeliness.AT_RISK) & Q(elapsed__gt=F("progress")))
        | (Q(deadline__lte=near) & Q(progress__lt=NEAR_DEADLINE_PROGRESS)))


def _behind_severity_sql():
    low_progress = Q(progress__lt=NEAR_DEADLINE_PROGRESS)
    return Case(When((low_progress & Q(days_left__lte=URGENT_DAYS)) | Q(gap__gte=GAP_HIGH), then=Value(HIGH)),
                When((low_progress & Q(days_left__lte=NEAR_DEADLINE_DAYS)) | Q(gap__gte=GAP_MEDIUM),
                     then=Value(MEDIUM)),
                default=Value(LOW), output_field=IntegerField())


def _stale_q(today):
    # No period is shorter than a month: a report of the last month is never stale (a cheap first test).
    recent = today - datetime.timedelta(days=min(REPORT_PERIOD_DAYS.values()))
    return (Q(last_report_on__isnull=True) | Q(last_report_on__lt=recent)) & Q(report_days_left__lt=0)


def _stale_severity_sql():
    # days late > one period  ⇔  report_days_left < -period_days
    return Case(When(report_days_left__lt=-F("period_days"), then=Value(HIGH)), default=Value(MEDIUM),
                output_field=IntegerField())


def _rollups(scope, agency):
    """Rule 3a: the latest roll-up with data per indicator and series at the scope organisation, red or amber."""
    latest = (IndicatorRollup.objects.filter(indicator=OuterRef("indicator"), organisation=OuterRef("organisation"),
                                             series=OuterRef("series"), reported__gt=0)
              .filter(Q(value__isnull=False) | ~Q(progress="")).order_by("-period_end").values("period_end")[:1])
    queryset = IndicatorRollup.objects.filter(organisation=scope, indicator__is_active=True,
                                              rag__in=[Rag.RED, Rag.AMBER], period_end=Subquery(latest))
    if agency is not None and agency.pk != scope.pk:
        # The agency shown is the owner when it is inside the scope, else the scope itself (never inside agency).
        queryset = queryset.filter(indicator__owner__path__startswith=agency.path)
    return queryset


def owed_groups(indicators, today):
    """{(period, due date): [indicator ids]} from (id, frequency, due days) rows: the value each indicator is owed
    for — its last ended period once due, else the one before once due (rule 3b)."""
    owed = owed_periods(today)
    groups = defaultdict(list)
    for pk, frequency, due_days in indicators:
        for period, since_end in owed[frequency]:
            if due_days < since_end:
                groups[(period, period.end + datetime.timedelta(days=due_days))].append(pk)
                break
    return groups


def _missing_values(within, today):
    """Rule 3b: obligations in the subtree whose value for the latest period past its due date has not come in.

    The active indicators are read first (a hundred rows): each one's owed period and due date are then
    constants of the query, so the obligations need no join to their indicator."""
    groups = owed_groups(Indicator.objects.filter(is_active=True).values_list("pk", "frequency", "due_days"), today)
    # Start from conditions that are never true: with no active indicator the query is still well formed.
    owed, ends, dues = Q(pk__in=[]), [When(pk__in=[], then=None)], [When(pk__in=[], then=None)]
    for (period, due), ids in groups.items():
        owed |= (Q(indicator_id__in=ids, starts_on__lte=period.end)
                 & (Q(ends_on__isnull=True) | Q(ends_on__gte=period.end)))
        ends.append(When(indicator_id__in=ids, then=Value(period.end)))
        dues.append(When(indicator_id__in=ids, then=Value(day_number(due))))
    received = IndicatorValue.objects.filter(indicator=OuterRef("indicator"), organisation=OuterRef("organisation"),
                                             series=OuterRef("series"), period_end=OuterRef("owed_end"),
                                             is_current=True, status__in=RECEIVED)
    return (ReportingObligation.objects.filter(owed, within("organisation_id"))
            .annotate(owed_end=Case(*ends, default=None, output_field=DateField()),
                      due_n=Case(*dues, default=None, output_field=IntegerField()))
            .filter(~Exists(received)))


def _submissions(within, by_holder_only):
    """Submissions held in the subtree, or led by it (unless only the holder counts: the agency filter).

    In a subtree the state and the due date are tested through expressions (COALESCE(x, x) is x): SQLite would
    otherwise read the nation's open backlog through the (state, due_date) index instead of the subtree's rows
    through the holder and lead agency indexes. The whole map keeps the plain columns, whose index then answers
    the count alone."""
    condition = within("holder_id") if by_holder_only else within("holder_id") | within("lead_agency_id")
    if not condition:
        return Submission.objects.alias(stage_state=F("state"), stage_due=F("due_date"))
    return Submission.objects.filter(condition).alias(stage_state=Coalesce("state", "state"),
                                                      stage_due=Coalesce("due_date", "due_date"))


def _near_limit_q(limit_date):
    return Q(stage_state__in=UNANSWERED_STATES, stage_due__lt=limit_date)


def _misrouted_q():
    return Q(stage_state__in=STILL_OPEN_STATES, misroute_count__gte=MISROUTE_MEDIUM)


# --- the warnings ------------------------------------------------------------------------------------------


def _date(day):
    return date_format(day, "SHORT_DATE_FORMAT")


def _subject(text):
    return Truncator(" ".join(str(text).split())).chars(SUBJECT_CHARS)


def _deadline_phrase(due, days_left):
    if days_left == 0:
        return _("deadline today (%(date)s)") % {"date": _date(due)}
    return ngettext("deadline %(date)s in %(n)d day", "deadline %(date)s in %(n)d days",
                    days_left) % {"date": _date(due), "n": days_left}


def _behind_warnings(rows, today):
    for a in rows:
        due = a.revised_deadline or a.original_deadline
        elapsed = a.elapsed_share
        if elapsed is not None:
            reason = _("Progress %(progress)d %% with %(elapsed)d %% of the time gone") % {
                "progress": a.progress, "elapsed": round(elapsed)}
        else:
            reason = _("Progress %(progress)d %%") % {"progress": a.progress}
        reason = "; ".join([reason, _deadline_phrase(due, a.left)])
        yield EarlyWarning(
            severity=behind_schedule_severity(days_left=a.left, progress=a.progress, elapsed=elapsed),
            kind=BEHIND_SCHEDULE, reason=reason, subject=_subject(f"{a.task.code}. {a.task.title}"),
            url=reverse("plans:assignment", args=[a.pk]), agency=a.organisation, due=due, days_left=a.left)


def _stale_warnings(rows, today):
    for a in rows:
        plan = a.task.plan
        due = today + datetime.timedelta(days=a.report_left)
        reference = due - datetime.timedelta(days=REPORT_PERIOD_DAYS[plan.reporting_frequency]
                                             + plan.reporting_grace_days)
        age = (today - reference).days
        values = {"date": _date(reference), "n": age, "frequency": plan.get_reporting_frequency_display().lower(),
                  "grace": plan.reporting_grace_days}
        if a.last_report_on:
            reason = ngettext("Last progress report on %(date)s, %(n)d day ago (reports due %(frequency)s, "
                              "%(grace)d grace days)",
                              "Last progress report on %(date)s, %(n)d days ago (reports due %(frequency)s, "
                              "%(grace)d grace days)", age) % values
        else:
            reason = ngettext("No progress report since the start on %(date)s, %(n)d day ago (reports due "
                              "%(frequency)s, %(grace)d grace days)",
                              "No progress report since the start on %(date)s, %(n)d days ago (reports due "
                              "%(frequency)s, %(grace)d grace days)", age) % values
        yield EarlyWarning(
            severity=stale_report_severity(days_late=-a.report_left, frequency=plan.reporting_frequency),
            kind=STALE_REPORT, reason=reason, subject=_subject(f"{a.task.code}. {a.task.title}"),
            url=reverse("plans:assignment", args=[a.pk]), agency=a.organisation, due=due,
            days_left=a.report_left)


def _indicator_subject(indicator, series):
    text = f"{indicator.code}. {indicator.name}"
    return _subject(f"{text} — {series}" if series else text)


def _rollup_warnings(rows, scope):
    for r in rows:
        indicator = r.indicator
        period = period_containing(r.period_end, indicator.frequency).label
        rag = str(Rag(r.rag).label)
        if r.attainment is not None and r.expected_attainment is not None:
            reason = _("%(rag)s: attainment %(attainment)d %% where %(expected)d %% was expected by %(period)s") % {
                "rag": rag, "attainment": round(100 * r.attainment), "expected": round(100 * r.expected_attainment),
                "period": period}
        elif r.attainment is not None:
            reason = _("%(rag)s: attainment %(attainment)d %% in %(period)s") % {
                "rag": rag, "attainment": round(100 * r.attainment), "period": period}
        else:
            reason = _("%(rag)s in %(period)s") % {"rag": rag, "period": period}
        owner = indicator.owner
        agency = owner if owner.path.startswith(scope.path) else scope
        url = f"{reverse('indicators:detail', args=[indicator.pk])}?scope={scope.pk}"
        yield EarlyWarning(severity=rollup_severity(r.rag), kind=KPI_OFF_TRAJECTORY, reason=reason,
                           subject=_indicator_subject(indicator, r.series), url=url, agency=agency)


def _missing_warnings(rows, today):
    for o in rows:
        indicator = o.indicator
        due = EPOCH + datetime.timedelta(days=o.due_n)
        late = (today - due).days
        reason = ngettext("No value for %(period)s; due %(date)s, %(n)d day ago",
                          "No value for %(period)s; due %(date)s, %(n)d days ago", late) % {
            "period": period_containing(o.owed_end, indicator.frequency).label, "date": _date(due), "n": late}
        url = f"{reverse('indicators:detail', args=[indicator.pk])}?scope={o.organisation_id}"
        yield EarlyWarning(severity=MEDIUM, kind=KPI_OFF_TRAJECTORY, reason=reason,
                           subject=_indicator_subject(indicator, o.series), url=url, agency=o.organisation,
                           due=due, days_left=-late)


def working_days_between(start, end, calendar):
    """calendar.between(start, end) for end ≥ start by arithmetic (weekdays, less the days off, plus the worked
    weekend days), not a walk over every day: a backlog is often hundreds of days old."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (start + datetime.timedelta(days=i)).weekday() < 5)
    count -= sum(1 for day in calendar.days_off
                 if start < day <= end and day.weekday() < 5 and day not in calendar.extra_working_days)
    count += sum(1 for day in calendar.extra_working_days if start < day <= end and day.weekday() >= 5)
    return count


def _working_days_left(due, today, calendar):
    if due >= today:
        return working_days_between(today, due, calendar)
    return -working_days_between(due, today, calendar)


def _feedback_warnings(rows, today, calendar):
    for s in rows:
        left = _working_days_left(s.due_date, today, calendar)
        values = {"stage": str(Stage(s.stage).label) if s.stage in Stage.values else s.stage,
                  "date": _date(s.due_date), "n": abs(left)}
        if s.due_date == today:
            reason = _("Not answered; stage “%(stage)s” due today (%(date)s)") % values
        elif s.due_date > today:
            reason = ngettext("Not answered; stage “%(stage)s” due %(date)s, in %(n)d working day",
                              "Not answered; stage “%(stage)s” due %(date)s, in %(n)d working days", left) % values
        elif left:
            reason = ngettext("Not answered; stage “%(stage)s” was due %(date)s, %(n)d working day ago",
                              "Not answered; stage “%(stage)s” was due %(date)s, %(n)d working days ago",
                              -left) % values
        else:
            reason = _("Not answered; stage “%(stage)s” was due %(date)s") % values
        yield EarlyWarning(severity=feedback_severity(due=s.due_date, today=today), kind=FEEDBACK_NEAR_LIMIT,
                           reason=reason, subject=_subject(f"{s.code}. {s.title}"),
                           url=reverse("feedback:detail", args=[s.pk]), agency=s.holder, due=s.due_date,
                           days_left=left)


def _misrouting_warnings(rows, today, calendar):
    for s in rows:
        reason = ngettext("Routed to the wrong agency %(n)d time; now with %(holder)s",
                          "Routed to the wrong agency %(n)d times; now with %(holder)s", s.misroute_count) % {
            "n": s.misroute_count, "holder": s.holder.name}
        left = _working_days_left(s.due_date, today, calendar) if s.due_date else None
        yield EarlyWarning(severity=misrouting_severity(s.misroute_count), kind=REPEATED_MISROUTING, reason=reason,
                           subject=_subject(f"{s.code}. {s.title}"), url=reverse("feedback:detail", args=[s.pk]),
                           agency=s.holder, due=s.due_date, days_left=left)


def _collect(queryset, order, limit, *, wanted=True, related=()):
    """(count, rows): how many rows `queryset` holds and, when `wanted`, the first `limit` in `order`.

    With a limit, one query ranks the ids and counts them all (COUNT(*) OVER ()), so the source is read once,
    and a second fetches those few rows whole; without one, a count and every row."""
    if not wanted:
        return queryset.count(), []
    ordered = queryset.order_by(*order)
    if limit is None:
        rows = list(ordered.select_related(*related))
        return len(rows), rows
    ranked = list(ordered.annotate(window_total=Window(Count("pk"))).values_list("pk", "window_total")[:limit])
    if not ranked:
        return 0, []
    return ranked[0][1], list(ordered.filter(pk__in=[pk for pk, _total in ranked]).select_related(*related))


def early_warnings(scope, *, today, limit=None, kinds=None, agency=None):
    """(warnings, counts): the warnings of `kinds` (default all) in `scope`'s subtree, most severe first, at most
    `limit`; `agency` (an organisation inside the scope) keeps those whose agency is in its subtree. The counts
    (a WarningCounts) cover every kind whatever `kinds` and `limit`. At most fifteen queries."""
    kinds = list(KINDS) if kinds is None else list(kinds)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown warning kinds: {sorted(unknown)}")
    if agency is not None and not agency.path.startswith(scope.path):
        raise ValueError("the agency must be inside the scope")
    calendar = workdays.current()
    limit_date = calendar.add(today, FEEDBACK_NEAR_WORKING_DAYS + 1)
    narrowed = agency is not None and agency.pk != scope.pk
    within = subtree_condition(agency if narrowed else scope)
    assignments = _open_assignments(within, today)
    submissions = _submissions(within, by_holder_only=narrowed)
    counts = WarningCounts.fromkeys(KINDS, 0)
    found = []

    behind = (assignments.filter(_behind_q(today))
              .annotate(severity=_behind_severity_sql(), elapsed_share=F("elapsed"), left=F("days_left")))
    behind = behind.defer("task__search_text")
    counts[BEHIND_SCHEDULE], rows = _collect(behind, ("-severity", "left", "progress", "pk"), limit,
                                             wanted=BEHIND_SCHEDULE in kinds, related=("task", "organisation"))
    found += _behind_warnings(rows, today)

    stale = (assignments.filter(_stale_q(today))
             .annotate(severity=_stale_severity_sql(), report_left=F("report_days_left")))
    stale = stale.defer("task__search_text")
    counts[STALE_REPORT], rows = _collect(stale, ("-severity", "report_left", "pk"), limit,
                                          wanted=STALE_REPORT in kinds, related=("task__plan", "organisation"))
    found += _stale_warnings(rows, today)

    wanted = KPI_OFF_TRAJECTORY in kinds
    rollups = _rollups(scope, agency).annotate(
        severity=Case(When(rag=Rag.RED, then=Value(HIGH)), default=Value(MEDIUM), output_field=IntegerField()))
    rated, rows = _collect(rollups, ("-severity", F("attainment").asc(nulls_last=True), "indicator__sort_order",
                                     "indicator__code", "series"), limit, wanted=wanted, related=("indicator__owner",))
    found += _rollup_warnings(rows, scope)
    missed, rows = _collect(_missing_values(within, today), ("due_n", "indicator__sort_order", "indicator__code",
                                                             "organisation__path", "series"), limit,
                            wanted=wanted, related=("indicator", "organisation"))
    found += _missing_warnings(rows, today)
    counts[KPI_OFF_TRAJECTORY] = rated + missed

    # Near the limit: counted from the (state, due_date) index alone; the first ids, then their rows.
    near = submissions.filter(_near_limit_q(limit_date))
    counts[FEEDBACK_NEAR_LIMIT] = near.count()
    if FEEDBACK_NEAR_LIMIT in kinds and counts[FEEDBACK_NEAR_LIMIT]:
        rows = near.order_by("due_date", "pk")
        if limit is not None:
            rows = Submission.objects.filter(pk__in=rows.values("pk")[:limit]).order_by("due_date", "pk")
        found += _feedback_warnings(rows.select_related("holder").defer(*SUBMISSION_TEXTS), today, calendar)

    misrouted = submissions.filter(_misrouted_q()).defer(*SUBMISSION_TEXTS).annotate(
        severity=Case(When(misroute_count__gte=MISROUTE_HIGH, then=Value(HIGH)), default=Value(MEDIUM),
                      output_field=IntegerField()))
    counts[REPEATED_MISROUTING], rows = _collect(misrouted, ("-severity", F("due_date").asc(nulls_last=True), "pk"),
                                                 limit, wanted=REPEATED_MISROUTING in kinds, related=("holder",))
    found += _misrouting_warnings(rows, today, calendar)

    found.sort(key=EarlyWarning.sort_key)
    return (found if limit is None else found[:limit]), counts
