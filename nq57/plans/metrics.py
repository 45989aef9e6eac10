"""Figures of the plan pages: the standard definitions as pure functions, and the same definitions
as SQL expressions so that a page over 150,000 assignments costs a constant number of aggregate queries.

Definitions (see the brief, "Measuring progress"):
- On-time completion rate = assignments completed by their deadline ÷ assignments whose deadline fell in
  the window. An assignment counts once its outcome is known: its deadline has passed, or it is completed.
  Cancelled assignments are left out. It is computed against the original deadline and against the
  deadline in force (the approved revised one, else the original).
- Overdue backlog = assignments whose stored timeliness is "overdue".
- Reporting rate = reports received ÷ reports expected; on-time reporting rate = reports on time ÷ expected.
  One report is expected per reporting period (of plan.reporting_frequency) that ends between the
  assignment's start and the day reports stop being due: the deadline in force, the completion date, or
  today less the plan's grace days (a report is not late before its grace days are over). Reports beyond
  the expected number of an assignment do not make up for another assignment's missing ones.
"""

import calendar
import datetime

from django.db import connections
from django.db.models import Case, CharField, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import LessThan

from nq57.orgs.models import Organisation

from .models import Assignment, ProgressReport

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
ONE_DAY = datetime.timedelta(days=1)
Status = Assignment.Status
Timeliness = Assignment.Timeliness


# --- pure functions -------------------------------------------------------------------------------


def period_index(day, frequency):
    """A running number of the reporting period containing `day` (consecutive periods differ by one)."""
    months = PERIOD_MONTHS[frequency]
    return day.year * (12 // months) + (day.month - 1) // months


def period_bounds(day, frequency):
    """(first day, last day) of the reporting period containing `day`."""
    months = PERIOD_MONTHS[frequency]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    return (datetime.date(day.year, first_month, 1),
            datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]))


def expected_reports(*, frequency, start, deadline, completed_on, today, grace_days):
    """Number of reporting periods ending between `start` and the day reports stop being due."""
    cutoff = today - datetime.timedelta(days=grace_days)
    end = min(day for day in (deadline, completed_on, cutoff) if day is not None)
    # Periods ending on or before `end` are those before the period that contains the next day.
    return max(0, period_index(end + ONE_DAY, frequency) - period_index(start, frequency))


def counted_reports(received, expected):
    """Reports counted towards the rate: extra reports of one assignment do not cover another's."""
    return min(received, expected)


def is_due_in_window(*, status, deadline, window_start, window_end, today):
    """Does the assignment enter the on-time completion rate of the window [window_start, window_end]?"""
    if status == Status.CANCELLED or deadline is None:
        return False
    if not window_start <= deadline <= window_end:
        return False
    return deadline < today or status == Status.COMPLETED


def is_completed_by(*, status, completed_on, deadline):
    """Completed, and on or before the deadline."""
    return status == Status.COMPLETED and completed_on is not None and deadline is not None and completed_on <= deadline


def rate(numerator, denominator):
    """A ratio, or None when nothing was expected (shown as "—", never as 0 % or 100 %)."""
    if not denominator:
        return None
    return numerator / denominator


# Self-assessment and computed timeliness on one scale, 0 (fine) to 4 (off track).
RATING_LEVEL = {"green": 0, "amber_green": 1, "amber": 2, "amber_red": 3, "red": 4}
TIMELINESS_LEVEL = {
    Timeliness.ON_SCHEDULE: 0, Timeliness.COMPLETED_ON_TIME: 0, Timeliness.AT_RISK: 2,
    Timeliness.OVERDUE: 4, Timeliness.COMPLETED_LATE: 3,
}
GAP_LEVELS = 2


def rating_label(self_rating):
    """The words of a self-assessment value ("" when there is none)."""
    return str(dict(ProgressReport.Rating.choices).get(self_rating, self_rating or ""))


def assessment_gap(timeliness, self_rating):
    """Does the agency's self-assessment disagree with the computed timeliness by two levels or more?"""
    if self_rating not in RATING_LEVEL or timeliness not in TIMELINESS_LEVEL:
        return False
    return abs(RATING_LEVEL[self_rating] - TIMELINESS_LEVEL[timeliness]) >= GAP_LEVELS


# --- the same definitions in SQL --------------------------------------------------------------------


class DatePart(Func):
    """Year, month or day of a date (or of a UTC timestamp) as an integer, in native SQL on each backend.

    Django's Extract calls a Python function per row on SQLite, too slow over 150,000 rows; dates are
    stored there as ISO text, so a substring is exact. PostgreSQL runs in UTC for Django connections.
    """

    output_field = IntegerField()
    arity = 1
    SQLITE_SLICES = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}

    def __init__(self, expression, part, **extra):
        if part not in self.SQLITE_SLICES:
            raise ValueError(part)
        self.part = part
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT({self.part.upper()} FROM {sql}) AS INTEGER)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        start, length = self.SQLITE_SLICES[self.part]
        return f"CAST(substr({sql}, {start}, {length}) AS INTEGER)", params


class MonthDay(Func):
    """A date's "MM-DD" text, natively: the test of a period's last day is then one IN list."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, 'MM-DD')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 6, 5)", params


def _period_last_days(months):
    """"MM-DD" of the last day of every period (29 February always ends February; the 28th only in a common
    year, which the SQL checks separately)."""
    return [f"{month:02d}-{calendar.monthrange(2024, month)[1]:02d}" for month in range(months, 13, months)]


class PeriodIndex(Func):
    """period_index() in SQL; with next_day=True, the index of the period containing the next day."""

    output_field = IntegerField()
    arity = 1

    def __init__(self, expression, frequency, next_day=False, **extra):
        self.months = PERIOD_MONTHS[frequency]
        self.next_day = next_day
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        expression = self.source_expressions[0]
        year, year_params = compiler.compile(DatePart(expression, "year"))
        month, month_params = compiler.compile(DatePart(expression, "month"))
        months = self.months
        sql = f"({year} * {12 // months} + ({month} - 1) / {months})"
        params = [*year_params, *month_params]
        if self.next_day:
            # Date arithmetic (SQLite's date(x, '+1 day')) costs more than this: the next day is in the next
            # period exactly when the date is the last day of a period.
            month_day, month_day_params = compiler.compile(MonthDay(expression))
            last_days = ", ".join(f"'{day}'" for day in _period_last_days(months))
            is_last = f"{month_day} IN ({last_days})"
            params += month_day_params
            if months == 1:
                # "%%" is a literal percent sign on both backends (Django rewrites it for SQLite).
                common_year = f"({year} %% 4 <> 0 OR ({year} %% 100 = 0 AND {year} %% 400 <> 0))"
                is_last = f"({is_last} OR ({month_day} = '02-28' AND {common_year}))"
                params += [*month_day_params, *year_params * 3]
            sql = f"({sql} + CASE WHEN {is_last} THEN 1 ELSE 0 END)"
        return sql, params


def expected_reports_expression(*, frequency, today, grace_days, plan_issued_on=None):
    """expected_reports() for each assignment row, as an SQL expression.

    The start is timeliness.start_of(): the assignment's start, the task's, the plan's date, else the
    creation date (its UTC date here: an hour's difference matters only on a period's last evening).
    A deadline or completion date on or after the cutoff (today less the grace days) ends the reports at
    the cutoff, whose period is known in advance: the period of such a date is only computed when it is
    earlier (a CASE, so most unfinished work costs a comparison; it is exact because period_index() never
    decreases). The scorecard computes this for every assignment of a plan, 150,000 at national volume.
    """
    cutoff = today - datetime.timedelta(days=grace_days)
    cutoff_next = Value(period_index(cutoff + ONE_DAY, frequency))

    def end_next(date):
        return Case(When(LessThan(date, Value(cutoff)), then=PeriodIndex(date, frequency, next_day=True)),
                    default=cutoff_next, output_field=IntegerField())

    deadline = Coalesce(F("revised_deadline"), F("original_deadline"))
    fallback = (Value(period_index(plan_issued_on, frequency)) if plan_issued_on
                else PeriodIndex(F("created_at"), frequency))
    start = Coalesce(PeriodIndex(F("start_date"), frequency), PeriodIndex(F("task__deadline_start"), frequency),
                     fallback)
    if plan_issued_on:
        # Most assignments start in the period the plan was issued in, whose index is known in advance.
        first, last = period_bounds(plan_issued_on, frequency)
        start = Case(When(start_date__range=(first, last), then=fallback), default=start, output_field=IntegerField())
    return Greatest(Least(end_next(deadline), end_next(F("completed_on"))) - start, Value(0),
                    output_field=IntegerField())


def completion_filters(deadline, *, window_start, window_end, today):
    """(due, on time) conditions of is_due_in_window() and is_completed_by() on the field `deadline`."""
    due = (Q(**{f"{deadline}__gte": window_start, f"{deadline}__lte": window_end})
           & (Q(**{f"{deadline}__lt": today}) | Q(status=Status.COMPLETED)) & ~Q(status=Status.CANCELLED))
    on_time = due & Q(status=Status.COMPLETED, completed_on__isnull=False, completed_on__lte=F(deadline))
    return due, on_time


SCORECARD_FIELDS = ("assignments", "due_original", "on_time_original", "due_revised", "on_time_revised",
                    "overdue", "expected", "received", "received_on_time")
ROW_FLAGS = ("due_original", "on_time_original", "due_revised", "on_time_revised", "overdue")


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def scorecard_rows(assignments, *, frequency, grace_days, window_start, window_end, today, plan_issued_on=None):
    """One row per assignment (cancelled ones left out) with 0/1 flags for the completion figures and the
    number of reports expected; scorecard() sums them per agency."""
    due_original, on_time_original = completion_filters("original_deadline", window_start=window_start,
                                                        window_end=window_end, today=today)
    due_revised, on_time_revised = completion_filters("deadline_in_force", window_start=window_start,
                                                      window_end=window_end, today=today)
    return (annotate_for_scorecard(assignments).exclude(status=Status.CANCELLED).annotate(
        due_original=_flag(due_original), on_time_original=_flag(on_time_original),
        due_revised=_flag(due_revised), on_time_revised=_flag(on_time_revised),
        overdue=_flag(Q(timeliness=Timeliness.OVERDUE)),
        expected=expected_reports_expression(frequency=frequency, today=today, grace_days=grace_days,
                                             plan_issued_on=plan_issued_on),
    ).values("organisation_id", *ROW_FLAGS, "expected", "reports_received", "reports_on_time").order_by())


def annotate_for_scorecard(assignments):
    return assignments.annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))


def _sum_per_agency(rows):
    """Sum scorecard_rows() per agency in one query.

    The rows are a derived table so that the expected-reports expression is computed once per row and
    then capped by the reports received; inline, SQLite would compute it three times (the ORM has no
    FROM-subquery, hence this one piece of hand-written SQL, which only adds columns up). The fence
    (LIMIT -1 / OFFSET 0) keeps the database from folding the derived table back into the outer query.
    """
    connection = connections[rows.db]
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    fence = " LIMIT -1" if connection.vendor == "sqlite" else " OFFSET 0"

    def capped(column):
        return (f"SUM(CASE WHEN {quote(column)} < {quote('expected')} THEN {quote(column)} "
                f"ELSE {quote('expected')} END)")

    sums = ", ".join([f"SUM({quote(name)})" for name in ROW_FLAGS] + [
        f"SUM({quote('expected')})", capped("reports_received"), capped("reports_on_time")])
    query = (f"SELECT {quote('organisation_id')}, COUNT(*), {sums} FROM ({sql}{fence}) {quote('scorecard_rows')} "
             f"GROUP BY {quote('organisation_id')}")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def with_rates(row):
    """Add the four rates to a row of summed counts (rates are recomputed from sums, never averaged)."""
    row["rate_original"] = rate(row["on_time_original"], row["due_original"])
    row["rate_revised"] = rate(row["on_time_revised"], row["due_revised"])
    row["reporting_rate"] = rate(row["received"], row["expected"])
    row["on_time_reporting_rate"] = rate(row["received_on_time"], row["expected"])
    return row


def total_row(rows):
    return with_rates({name: sum(row[name] for row in rows) for name in SCORECARD_FIELDS})


RANKING_SORTS = {
    # key: (description for the form, sort key); rates missing sort last.
    "rate_revised": lambda r: (r["rate_revised"] is None, -(r["rate_revised"] or 0), r["overdue"], r["name"]),
    "rate_original": lambda r: (r["rate_original"] is None, -(r["rate_original"] or 0), r["overdue"], r["name"]),
    "overdue": lambda r: (-r["overdue"], r["name"]),
    "reporting_rate": lambda r: (r["reporting_rate"] is None, -(r["reporting_rate"] or 0), r["name"]),
    "name": lambda r: (r["name"],),
}


def scorecard(assignments, *, plan, window_start, window_end, today, organisations=None):
    """(ranking rows per assignee agency, total row) of the assignments given, in two queries: the sums,
    and the names of the organisations (`organisations`, default all of them: cheaper than a join)."""
    rows = scorecard_rows(assignments, frequency=plan.reporting_frequency, grace_days=plan.reporting_grace_days,
                          window_start=window_start, window_end=window_end, today=today,
                          plan_issued_on=plan.issued_on)
    sums = _sum_per_agency(rows)
    if not sums:
        return [], total_row([])
    names = {pk: (code, name) for pk, code, name in
             (organisations if organisations is not None else Organisation.objects.all())
             .order_by().values_list("pk", "code", "name")}
    ranking = []
    for organisation_id, *values in sums:
        code, name = names.get(organisation_id, ("", ""))
        row = {field: int(value or 0) for field, value in zip(SCORECARD_FIELDS, values, strict=True)}
        ranking.append(with_rates({**row, "organisation_id": organisation_id, "code": code, "name": name}))
    return ranking, total_row(ranking)


# --- plan overview ----------------------------------------------------------------------------------


def overview(groups, task_rows, assignment_rows):
    """Per group and in total: tasks, incomplete tasks, assignments by status and by timeliness.

    `task_rows` are {group_id, tasks, incomplete}; `assignment_rows` are {group_id, status, timeliness, n}
    (one aggregate query each). Tasks without a group are shown in a row of their own.
    """

    def empty():
        return {"tasks": 0, "incomplete": 0, "assignments": 0,
                "status": dict.fromkeys(Status.values, 0), "timeliness": dict.fromkeys(Timeliness.values, 0)}

    rows = {group.pk: {"group": group, **empty()} for group in groups}
    for row in task_rows:
        target = rows.setdefault(row["group_id"], {"group": None, **empty()})
        target["tasks"] += row["tasks"]
        target["incomplete"] += row["incomplete"]
    for row in assignment_rows:
        target = rows.setdefault(row["group_id"], {"group": None, **empty()})
        target["assignments"] += row["n"]
        target["status"][row["status"]] = target["status"].get(row["status"], 0) + row["n"]
        target["timeliness"][row["timeliness"]] = target["timeliness"].get(row["timeliness"], 0) + row["n"]
    ordered = [rows[g.pk] for g in groups] + ([rows[None]] if None in rows else [])
    total = empty()
    for row in ordered:
        for name in ("tasks", "incomplete", "assignments"):
            total[name] += row[name]
        for name in ("status", "timeliness"):
            for key, n in row[name].items():
                total[name][key] = total[name].get(key, 0) + n
    return ordered, total
