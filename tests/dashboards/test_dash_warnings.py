"""Early warnings: the severity rules as pure functions (table-driven), then each kind detected on crafted data in
Lạng Sơn (P20) with the right severity and reason, next to look-alikes that must not warn and Hà Nội (P01) data
that must never show in Lạng Sơn's scope; sorting, the limit, the agency filter, and a constant number of
queries whatever the volume."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from nq57.core import workdays
from nq57.dashboards import warnings as w
from nq57.feedback.models import Field, State, Submission
from nq57.indicators.models import Indicator, IndicatorRollup, IndicatorValue, ReportingObligation
from nq57.indicators.periods import period_containing, previous_period
from nq57.plans.models import Assignment, Plan, Task

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
T = Assignment.Timeliness
S = Assignment.Status
TODAY = datetime.date(2026, 6, 15)


# --- pure functions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("start, deadline, today, share", [
    (None, TODAY, TODAY, None),
    (TODAY - 80 * DAY, TODAY + 20 * DAY, TODAY, 80.0),
    (TODAY + DAY, TODAY + 20 * DAY, TODAY, 0.0),  # not started yet
    (TODAY - 10 * DAY, TODAY, TODAY, 100.0),  # due today
    (TODAY - 10 * DAY, TODAY - 20 * DAY, TODAY, 100.0),  # deadline before the start
])
def test_the_elapsed_share_of_time(start, deadline, today, share):
    assert w.elapsed_share(start=start, deadline=deadline, today=today) == share


@pytest.mark.parametrize("timeliness, progress, elapsed, days_left, behind", [
    (T.AT_RISK, 20, 80.0, 100, True),  # at risk and behind the elapsed share
    (T.AT_RISK, 60, 50.0, 100, False),  # at risk (stale, say) but ahead of time
    (T.ON_SCHEDULE, 40, 50.0, 30, True),  # deadline within 30 days, below 50 %
    (T.ON_SCHEDULE, 40, 50.0, 31, False),
    (T.ON_SCHEDULE, 50, 90.0, 10, False),  # 50 % is not below 50 %; stored on schedule
    (T.OVERDUE, 10, 100.0, -1, False),  # overdue is already late: the dashboard counts it
    (T.AT_RISK, 10, 90.0, None, False),  # no deadline
])
def test_which_assignments_are_behind_schedule(timeliness, progress, elapsed, days_left, behind):
    assert w.is_behind_schedule(timeliness=timeliness, progress=progress, elapsed=elapsed,
                                days_left=days_left) is behind


@pytest.mark.parametrize("days_left, progress, elapsed, severity", [
    (14, 49, 10.0, w.HIGH),  # little progress within two weeks
    (15, 49, 10.0, w.MEDIUM),  # … within 30 days
    (30, 49, 10.0, w.MEDIUM),
    (31, 49, 60.0, w.LOW),  # gap 11 points
    (200, 10, 50.0, w.HIGH),  # 40 points behind
    (200, 10, 49.9, w.MEDIUM),
    (200, 10, 30.0, w.MEDIUM),  # 20 points behind
    (200, 10, 29.9, w.LOW),
    (5, 80, 95.0, w.LOW),  # close but nearly done
    (5, 10, None, w.HIGH),
])
def test_the_severity_of_work_behind_schedule(days_left, progress, elapsed, severity):
    assert w.behind_schedule_severity(days_left=days_left, progress=progress, elapsed=elapsed) == severity


@pytest.mark.parametrize("days_late, frequency, severity", [
    (1, "quarter", w.MEDIUM), (92, "quarter", w.MEDIUM), (93, "quarter", w.HIGH),
    (31, "month", w.MEDIUM), (32, "month", w.HIGH), (366, "year", w.MEDIUM), (367, "year", w.HIGH),
])
def test_the_severity_of_a_stale_report(days_late, frequency, severity):
    assert w.stale_report_severity(days_late=days_late, frequency=frequency) == severity


def test_a_report_is_due_one_period_and_the_grace_days_after_the_last_one():
    assert w.report_due(reference=datetime.date(2026, 1, 1), frequency="quarter", grace_days=5) == \
        datetime.date(2026, 4, 8)


@pytest.mark.parametrize("function, value, severity", [
    (w.rollup_severity, "red", w.HIGH), (w.rollup_severity, "amber", w.MEDIUM), (w.rollup_severity, "green", None),
    (w.misrouting_severity, 1, None), (w.misrouting_severity, 2, w.MEDIUM), (w.misrouting_severity, 3, w.HIGH),
    (w.misrouting_severity, 7, w.HIGH),
])
def test_the_severity_of_ratings_and_misrouting(function, value, severity):
    assert function(value) == severity


@pytest.mark.parametrize("due, severity", [(TODAY + DAY, w.MEDIUM), (TODAY, w.HIGH), (TODAY - DAY, w.HIGH)])
def test_the_severity_of_feedback_near_its_limit(due, severity):
    assert w.feedback_severity(due=due, today=TODAY) == severity


def test_the_owed_periods_are_the_last_ended_one_and_the_one_before():
    owed = w.owed_periods(datetime.date(2026, 4, 10))
    (last, since_last), (before, since_before) = owed["quarter"]
    assert (last.end, since_last, before.end, since_before) == (
        datetime.date(2026, 3, 31), 10, datetime.date(2025, 12, 31), 100)
    assert owed["year"][0][0].end == datetime.date(2025, 12, 31)
    assert owed["month"][0][0].end == datetime.date(2026, 3, 31)


def test_working_days_are_counted_like_the_calendar_walks_them():
    from nq57.core.workdays import WorkCalendar

    calendar = WorkCalendar(days_off=frozenset({datetime.date(2026, 4, 30), datetime.date(2026, 5, 1),
                                                datetime.date(2026, 5, 2)}),  # a Saturday off changes nothing
                            extra_working_days=frozenset({datetime.date(2026, 4, 25)}))  # a Saturday worked
    start = datetime.date(2026, 3, 20)
    for offset in range(0, 120):
        for length in (0, 1, 2, 5, 6, 7, 13, 40, 400):
            begin = start + offset * DAY
            end = begin + length * DAY
            assert w.working_days_between(begin, end, calendar) == calendar.between(begin, end), (begin, end)


# --- crafted data ------------------------------------------------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def plan(org, today):
    return Plan.objects.create(title="Kế hoạch thử cảnh báo", issuer=org("CP"), owner=org("CP"),
                               issued_on=today - 400 * DAY, reporting_frequency="quarter", reporting_grace_days=5)


@pytest.fixture
def assign(plan, org, today):
    """assign(code, agency, **fields) → a top-level assignment of a new task, reported ten days ago."""
    numbers = itertools.count(1)

    def make(title, agency="P20", **fields):
        task = Task.objects.create(plan=plan, code=f"W{next(numbers)}", title=title)
        fields.setdefault("last_report_on", today - 10 * DAY)
        fields.setdefault("status", S.IN_PROGRESS)
        fields.setdefault("timeliness", T.ON_SCHEDULE)
        return Assignment.objects.create(task=task, organisation=org(agency), **fields)

    return make


@pytest.fixture
def assignments(assign, today):
    made = {
        # behind schedule
        "high": assign("Cao: 10 % sau 80 % thời gian", progress=10, timeliness=T.AT_RISK, start_date=today - 80 * DAY,
                       original_deadline=today + 20 * DAY),
        "medium": assign("Trung bình: sắp đến hạn", "P20-SKHCN", progress=40, start_date=today - 25 * DAY,
                         original_deadline=today + 25 * DAY),
        "low": assign("Thấp: chậm nhẹ", progress=45, timeliness=T.AT_RISK, start_date=today - 100 * DAY,
                      original_deadline=today + 100 * DAY),
        # revised deadline in force: 10 days left, not 200
        "revised": assign("Gia hạn còn 10 ngày", progress=30, start_date=today - 90 * DAY,
                          original_deadline=today + 200 * DAY, revised_deadline=today + 10 * DAY),
        # look-alikes that must not warn as behind schedule
        "ahead": assign("Rủi ro nhưng vượt tiến độ", progress=60, timeliness=T.AT_RISK, start_date=today - 50 * DAY,
                        original_deadline=today + 50 * DAY),
        "fine": assign("Sắp đến hạn, đã 60 %", progress=60, start_date=today - 25 * DAY,
                       original_deadline=today + 25 * DAY),
        "overdue": assign("Đã quá hạn", progress=10, timeliness=T.OVERDUE, start_date=today - 90 * DAY,
                          original_deadline=today - 3 * DAY),
        "done": assign("Đã hoàn thành", progress=100, status=S.COMPLETED, timeliness=T.COMPLETED_ON_TIME,
                       start_date=today - 25 * DAY, original_deadline=today + 5 * DAY, completed_on=today),
        "hanoi": assign("Hà Nội chậm", "P01", progress=10, timeliness=T.AT_RISK, start_date=today - 80 * DAY,
                        original_deadline=today + 20 * DAY),
        # stale reports
        "stale": assign("Báo cáo trễ một kỳ", progress=70, start_date=today - 300 * DAY,
                        original_deadline=today + 300 * DAY, last_report_on=today - 100 * DAY),
        "never": assign("Chưa từng báo cáo", progress=70, start_date=today - 200 * DAY,
                        original_deadline=today + 300 * DAY, last_report_on=None),
        "recent": assign("Báo cáo gần đây", progress=70, start_date=today - 200 * DAY,
                         original_deadline=today + 300 * DAY, last_report_on=today - 90 * DAY),
        "cancelled": assign("Đã huỷ", progress=0, status=S.CANCELLED, start_date=today - 300 * DAY,
                            original_deadline=today + 300 * DAY, last_report_on=None),
        "hanoi_stale": assign("Hà Nội trễ báo cáo", "P01", progress=70, start_date=today - 300 * DAY,
                              original_deadline=today + 300 * DAY, last_report_on=None),
    }
    made["sub"] = Assignment.objects.create(task=made["high"].task, organisation=made["high"].organisation,
                                            parent=made["high"], title="Việc con", progress=0,
                                            status=S.IN_PROGRESS, timeliness=T.AT_RISK,
                                            start_date=today - 80 * DAY, original_deadline=today + 5 * DAY,
                                            last_report_on=None)
    return made


@pytest.fixture
def indicators(org, today):
    """i1 owned by the ministry, off track at Lạng Sơn; i2 of some concern now (red before); i3 back on track;
    i4 owned by Lạng Sơn's department, off track. Lạng Sơn owes i1's value for the last quarter (due at once)
    and has sent i2's; i5's value is not due yet for the last quarter, so the quarter before is owed."""
    from nq57.indicators import actions

    ministry, lang_son, hanoi = org("BKHCN"), org("P20"), org("P01")
    last = previous_period(period_containing(today, "quarter"))
    before = previous_period(last)
    since_last = (today - last.end).days

    def indicator(code, owner=ministry, due_days=0):
        made = actions.create_indicator(actor=None, owner=owner, code=code, name=f"Chỉ tiêu {code}",
                                        frequency="quarter", value_type="percentage", aggregation="ratio",
                                        level="province", due_days=due_days)
        actions.add_obligations(actor=None, indicator=made, organisations=[lang_son, hanoi],
                                starts_on=datetime.date(2025, 1, 1))
        return made

    def rollup(ind, organisation, period_end, rag, reported=1, attainment=None, expected=None):
        return IndicatorRollup.objects.create(indicator=ind, organisation=organisation, period_end=period_end,
                                              rag=rag, reported=reported, expected=2, value=30 if reported else None,
                                              attainment=attainment, expected_attainment=expected)

    def value(ind, organisation, period_end, status=IndicatorValue.Status.APPROVED):
        return IndicatorValue.objects.create(indicator=ind, organisation=organisation, period_start=before.start,
                                             period_end=period_end, value=50, status=status, is_current=True)

    i1, i2, i3 = indicator("W1"), indicator("W2"), indicator("W3")
    i4 = indicator("W4", owner=org("P20-SKHCN"))
    i5 = indicator("W5", due_days=since_last)  # the last quarter is due later today: the one before is owed
    rollup(i1, lang_son, before.end, "green", attainment=0.5, expected=0.5)
    rollup(i1, lang_son, last.end, "red", attainment=0.2, expected=0.6)
    rollup(i1, lang_son, last.end + DAY, "", reported=0)  # a later period without data does not count
    rollup(i1, hanoi, last.end, "red", attainment=0.1, expected=0.6)
    rollup(i2, lang_son, before.end, "red", attainment=0.1, expected=0.5)
    rollup(i2, lang_son, last.end, "amber", attainment=0.5, expected=0.6)
    rollup(i3, lang_son, before.end, "red", attainment=0.1, expected=0.5)
    rollup(i3, lang_son, last.end, "green", attainment=0.7, expected=0.6)
    rollup(i4, lang_son, last.end, "red", attainment=None)
    # Values in: i2, i3 and i4 for the last quarter; i5 for the last quarter but not the one before; i1 none.
    for ind in (i2, i3, i4):
        value(ind, lang_son, last.end)
    value(i5, lang_son, last.end)
    value(i3, hanoi, last.end, status=IndicatorValue.Status.DRAFT)  # a draft is not in
    return {"i1": i1, "i2": i2, "i3": i3, "i4": i4, "i5": i5, "last": last, "before": before}


@pytest.fixture
def submissions(org, today):
    calendar = workdays.current()
    field, _created = Field.objects.get_or_create(code="dash-warnings", defaults={"name": "Cảnh báo"})
    numbers = itertools.count(900001)

    def submission(title, holder="P20-SKHCN", lead=None, state=State.IN_PROGRESS, stage="answer", **fields):
        number = next(numbers)
        holder_org = org(holder)
        return Submission.objects.create(
            code=f"PAKN-2026-{number}", year=2026, number=number, access_key_hash="x", kind="recommendation",
            field=field, title=title, content="Nội dung", submitter_name="Nguyễn Văn An", address="Lạng Sơn",
            intake=org("P20"), holder=holder_org, lead_agency=org(lead) if lead else holder_org, state=state,
            stage=stage, received_at=timezone.now() - datetime.timedelta(days=20), **fields)

    return {
        "soon": submission("Còn hai ngày", due_date=calendar.add(today, 2)),
        "edge": submission("Còn ba ngày", due_date=calendar.add(today, 3)),
        "far": submission("Còn bốn ngày", due_date=calendar.add(today, 4)),
        "late": submission("Quá hạn", due_date=today - 7 * DAY),
        "today": submission("Hạn hôm nay", due_date=today),
        "answered": submission("Đã trả lời", due_date=today - 7 * DAY, answered_at=timezone.now(),
                               state=State.ANSWERED),
        "paused": submission("Chờ người gửi", due_date=None, state=State.WAITING_INFO, paused_remaining=2),
        "hanoi": submission("Hà Nội quá hạn", holder="P01", due_date=today - 7 * DAY),
        "held_outside": submission("Bị trả về Ban chỉ đạo", holder="BCDTW", lead="P20", state=State.RECEIVED,
                                   stage="triage", due_date=today + 30 * DAY, misroute_count=2),
        "twice": submission("Chuyển sai hai lần", state=State.ROUTED, stage="accept", misroute_count=2,
                            due_date=today + 30 * DAY),
        "thrice": submission("Chuyển sai ba lần", state=State.ROUTED, stage="accept", misroute_count=3,
                             due_date=None),
        "once": submission("Chuyển sai một lần", state=State.ROUTED, stage="accept", misroute_count=1,
                           due_date=today + 30 * DAY),
        "closed": submission("Đã đóng", state=State.CLOSED, misroute_count=5, answered_at=timezone.now()),
        "hanoi_twice": submission("Hà Nội chuyển sai", holder="P01", state=State.ROUTED, misroute_count=4),
        "calendar": calendar,
    }


@pytest.fixture
def everything(assignments, indicators, submissions):
    return {**assignments, **indicators, **submissions}


def run(org, today, **options):
    with translation.override("en"):
        return w.early_warnings(org("P20"), today=today, **options)


def by_subject(warnings, kind):
    return {x.subject: x for x in warnings if x.kind == kind}


# --- each kind -----------------------------------------------------------------------------------------------


def test_behind_schedule_finds_the_at_risk_and_the_near_deadline_work(assignments, org, today):
    warnings, counts = run(org, today, kinds=[w.BEHIND_SCHEDULE])
    found = by_subject(warnings, w.BEHIND_SCHEDULE)
    assert sorted(found) == sorted(f"{a.task.code}. {a.task.title}" for a in
                                   [assignments["high"], assignments["medium"], assignments["low"],
                                    assignments["revised"]])
    assert counts[w.BEHIND_SCHEDULE] == 4
    high = found[f"{assignments['high'].task.code}. {assignments['high'].task.title}"]
    deadline = (today + 20 * DAY).strftime("%d/%m/%Y")
    assert (high.severity, high.severity_label, high.kind_label) == (w.HIGH, "High", "Behind schedule")
    assert high.reason == f"Progress 10 % with 80 % of the time gone; deadline {deadline} in 20 days"
    assert (high.due, high.days_left, high.agency.code) == (today + 20 * DAY, 20, "P20")
    assert high.url == f"/plans/assignments/{assignments['high'].pk}/"
    medium = found[f"{assignments['medium'].task.code}. {assignments['medium'].task.title}"]
    assert (medium.severity, medium.agency.code) == (w.MEDIUM, "P20-SKHCN")
    assert medium.reason.startswith("Progress 40 % with 50 % of the time gone")
    low = found[f"{assignments['low'].task.code}. {assignments['low'].task.title}"]
    assert (low.severity, low.days_left) == (w.LOW, 100)
    revised = found[f"{assignments['revised'].task.code}. {assignments['revised'].task.title}"]
    assert (revised.severity, revised.due, revised.days_left) == (w.HIGH, today + 10 * DAY, 10)


def test_a_stale_report_is_one_period_and_the_grace_days_old(assignments, org, today):
    warnings, counts = run(org, today, kinds=[w.STALE_REPORT])
    found = {x.url: x for x in warnings}
    stale, never = assignments["stale"], assignments["never"]
    assert set(found) == {f"/plans/assignments/{stale.pk}/", f"/plans/assignments/{never.pk}/"}
    assert counts[w.STALE_REPORT] == 2
    one = found[f"/plans/assignments/{stale.pk}/"]
    last = (today - 100 * DAY).strftime("%d/%m/%Y")
    assert one.severity == w.MEDIUM
    assert one.reason == (f"Last progress report on {last}, 100 days ago (reports due quarterly, 5 grace days)")
    assert (one.due, one.days_left) == (today - 3 * DAY, -3)
    two = found[f"/plans/assignments/{never.pk}/"]
    assert two.severity == w.HIGH  # 200 days: more than two quarters and the grace days
    assert two.reason.startswith("No progress report since the start on")
    assert two.days_left == 97 - 200


def test_kpis_off_trajectory_and_values_missing_past_their_due_date(indicators, org, today):
    warnings, counts = run(org, today, kinds=[w.KPI_OFF_TRAJECTORY])
    i1, i2, i4, i5 = indicators["i1"], indicators["i2"], indicators["i4"], indicators["i5"]
    last, before = indicators["last"], indicators["before"]
    with translation.override("en"):
        last_label, before_label = last.label, before.label
    lang_son = org("P20")
    ratings = [x for x in warnings if x.due is None]
    missing = [x for x in warnings if x.due is not None]
    assert [(x.subject, x.severity) for x in ratings] == [
        ("W1. Chỉ tiêu W1", w.HIGH), ("W4. Chỉ tiêu W4", w.HIGH), ("W2. Chỉ tiêu W2", w.MEDIUM)]
    red = ratings[0]
    assert red.reason == f"Off track: attainment 20 % where 60 % was expected by {last_label}"
    assert red.agency == lang_son  # the ministry owns it, but the scope answers for its own figure
    assert red.url == f"/indicators/{i1.pk}/?scope={lang_son.pk}"
    assert ratings[1].agency == org("P20-SKHCN")  # owned inside the scope: the owner answers
    assert ratings[1].reason == f"Off track in {last_label}"
    assert ratings[2].reason.startswith("Some concern: attainment 50 %")
    assert [(x.subject, x.agency.code, x.severity) for x in missing] == [
        ("W5. Chỉ tiêu W5", "P20", w.MEDIUM), ("W1. Chỉ tiêu W1", "P20", w.MEDIUM)]
    w5, w1 = missing
    assert w1.due == last.end and w1.days_left == -(today - last.end).days
    assert w1.reason == f"No value for {last_label}; due {last.end:%d/%m/%Y}, {(today - last.end).days} days ago"
    assert w5.due == before.end + datetime.timedelta(days=i5.due_days)
    assert before_label in w5.reason
    assert counts[w.KPI_OFF_TRAJECTORY] == 5
    assert i2.pk  # i2's value came in: no missing-value warning for it


def test_feedback_near_its_limit_counts_working_days(submissions, org, today):
    warnings, counts = run(org, today, kinds=[w.FEEDBACK_NEAR_LIMIT])
    found = {x.subject.split(". ", 1)[1]: x for x in warnings}
    assert set(found) == {"Còn hai ngày", "Còn ba ngày", "Quá hạn", "Hạn hôm nay"}
    assert counts[w.FEEDBACK_NEAR_LIMIT] == 4
    calendar = submissions["calendar"]
    soon = found["Còn hai ngày"]
    assert (soon.severity, soon.days_left, soon.agency.code) == (w.MEDIUM, 2, "P20-SKHCN")
    assert soon.reason == f"Not answered; stage “Answer” due {soon.due:%d/%m/%Y}, in 2 working days"
    assert soon.url == f"/feedback/s/{submissions['soon'].pk}/"
    assert found["Còn ba ngày"].severity == w.MEDIUM
    late = found["Quá hạn"]
    assert late.severity == w.HIGH
    assert late.days_left == -calendar.between(today - 7 * DAY, today)
    assert "was due" in late.reason
    assert found["Hạn hôm nay"].severity == w.HIGH
    assert found["Hạn hôm nay"].reason.endswith(f"due today ({today:%d/%m/%Y})")


def test_repeated_misrouting(submissions, org, today):
    warnings, counts = run(org, today, kinds=[w.REPEATED_MISROUTING])
    assert [(x.subject.split(". ", 1)[1], x.severity) for x in warnings] == [
        ("Chuyển sai ba lần", w.HIGH), ("Bị trả về Ban chỉ đạo", w.MEDIUM), ("Chuyển sai hai lần", w.MEDIUM)]
    assert counts[w.REPEATED_MISROUTING] == 3
    thrice = warnings[0]
    assert thrice.reason == f"Routed to the wrong agency 3 times; now with {org('P20-SKHCN').name}"
    assert thrice.days_left is None  # no due date: after those with one within their severity
    assert warnings[1].agency.code == "BCDTW"  # led by Lạng Sơn, held by the Steering Committee


# --- together ----------------------------------------------------------------------------------------------


def test_warnings_are_sorted_by_severity_then_days_left(everything, org, today):
    warnings, counts = run(org, today)
    assert len(warnings) == counts.total == 4 + 2 + 5 + 4 + 3
    keys = [(-x.severity, x.days_left is None, x.days_left or 0) for x in warnings]
    assert keys == sorted(keys)
    assert warnings[0].severity == w.HIGH and warnings[-1].severity == w.LOW


def test_the_limit_keeps_the_most_severe_and_the_counts_stay_complete(everything, org, today):
    full, counts = run(org, today)
    for limit in (1, 3, 10):
        limited, limited_counts = run(org, today, limit=limit)
        assert [x.sort_key() for x in limited] == [x.sort_key() for x in full[:limit]]
        assert limited_counts == counts
    # Each kind's own query returns its most severe first.
    for kind in w.KINDS:
        first, _counts = run(org, today, kinds=[kind], limit=1)
        assert first[0].sort_key() == next(x for x in full if x.kind == kind).sort_key()


def test_nothing_outside_the_scope_is_shown(everything, org, today):
    warnings, _counts = run(org, today)
    lang_son = org("P20").path
    subjects = " ".join(x.subject for x in warnings)
    assert "Hà Nội" not in subjects
    for x in warnings:
        assert x.agency.path.startswith(lang_son) or x.subject.endswith("Bị trả về Ban chỉ đạo")
    # and Hà Nội sees its own, none of Lạng Sơn's
    with translation.override("en"):
        hanoi, counts = w.early_warnings(org("P01"), today=today)
    assert {x.subject.split(". ", 1)[1] for x in hanoi if x.kind != w.KPI_OFF_TRAJECTORY} == {
        "Hà Nội chậm", "Hà Nội trễ báo cáo", "Hà Nội quá hạn", "Hà Nội chuyển sai"}
    assert counts[w.KPI_OFF_TRAJECTORY] == 1 + 5  # i1 red at Hà Nội; no value in from Hà Nội (i3's is a draft)


def test_the_agency_filter_keeps_the_agency_subtree(everything, org, today):
    warnings, counts = run(org, today, agency=org("P20-SKHCN"))
    assert warnings and all(x.agency.code == "P20-SKHCN" for x in warnings)
    assert counts[w.BEHIND_SCHEDULE] == 1 and counts[w.STALE_REPORT] == 0
    assert counts[w.KPI_OFF_TRAJECTORY] == 1  # i4, owned by the department
    assert counts[w.FEEDBACK_NEAR_LIMIT] == 4 and counts[w.REPEATED_MISROUTING] == 2
    with pytest.raises(ValueError):
        run(org, today, agency=org("P01"))
    with pytest.raises(ValueError):
        run(org, today, kinds=["nonsense"])


def test_the_national_scope_sees_everything(everything, org, today):
    _warnings, counts = w.early_warnings(org("BCDTW"), today=today)
    assert counts[w.BEHIND_SCHEDULE] == 5 and counts[w.STALE_REPORT] == 3
    assert counts[w.REPEATED_MISROUTING] == 4
    assert counts[w.KPI_OFF_TRAJECTORY] == 2 + 5  # no roll-up at the root; values missing at P20 (2) and P01 (5)


# --- query budget ------------------------------------------------------------------------------------------


def _more(org, today, n):
    """n more of every kind in Lạng Sơn, in bulk."""
    plan = Plan.objects.first()
    lang_son = org("P20")
    tasks = Task.objects.bulk_create([Task(plan=plan, code=f"M{i}", title=f"Thêm {i}") for i in range(n)])
    Assignment.objects.bulk_create([
        Assignment(task=t, organisation=lang_son, status=S.IN_PROGRESS, timeliness=T.AT_RISK, progress=5,
                   start_date=today - 150 * DAY, original_deadline=today + (i % 40) * DAY, last_report_on=None)
        for i, t in enumerate(tasks)])
    field = Field.objects.get(code="dash-warnings")
    Submission.objects.bulk_create([
        Submission(code=f"PAKN-2027-{i}", year=2027, number=i + 1, access_key_hash="x", kind="comment", field=field,
                   title=f"Thêm {i}", content="x", submitter_name="x", address="x", intake=lang_son, holder=lang_son,
                   lead_agency=lang_son, state=State.ROUTED, stage="accept", misroute_count=2 + i % 3,
                   due_date=today - (i % 5) * DAY, received_at=timezone.now()) for i in range(n)])
    indicators = Indicator.objects.bulk_create([
        Indicator(code=f"M{i}", name=f"Thêm {i}", owner=lang_son, frequency="month", due_days=0) for i in range(n)])
    ReportingObligation.objects.bulk_create([
        ReportingObligation(indicator=i, organisation=lang_son, starts_on=datetime.date(2025, 1, 1))
        for i in indicators])
    IndicatorRollup.objects.bulk_create([
        IndicatorRollup(indicator=i, organisation=lang_son, period_end=today - 40 * DAY, reported=1, value=1,
                        rag="red", attainment=0.1) for i in indicators])


def test_the_number_of_queries_does_not_grow_with_the_data(everything, org, today):
    lang_son = org("P20")
    with CaptureQueriesContext(connection) as small:
        w.early_warnings(lang_son, today=today)
    with CaptureQueriesContext(connection) as small_top:
        w.early_warnings(lang_son, today=today, limit=10)
    _more(org, today, 60)
    with CaptureQueriesContext(connection) as large:
        _warnings, counts = w.early_warnings(lang_son, today=today)
    with CaptureQueriesContext(connection) as large_top:
        top, _counts = w.early_warnings(lang_son, today=today, limit=10)
    assert counts[w.BEHIND_SCHEDULE] > 60 and len(top) == 10
    assert len(small.captured_queries) == len(large.captured_queries)
    # the calendar, the active indicators, then for each of six sources the ranked ids with their count and the
    # rows (the feedback near its limit: a count, then the rows)
    assert len(small_top.captured_queries) == len(large_top.captured_queries) == 2 + 6 * 2
