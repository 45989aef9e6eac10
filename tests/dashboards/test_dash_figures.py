"""The figures of an organisation's subtree (nq57.dashboards.figures): each figure counted on a small dataset
with known answers, for a commune, its province, a ministry and the whole country; the window's bounds; the
expected reports in SQL against the pure function; and a constant number of queries."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nq57.dashboards.figures import (
    Figures, Window, default_window, expected_reports_in_window, expected_reports_in_window_expression, org_figures,
    scope_figures,
)
from nq57.feedback.models import Field, State, Submission
from nq57.indicators.models import Indicator, IndicatorRollup, IndicatorValue
from nq57.orgs.models import Organisation
from nq57.plans.metrics import expected_reports
from nq57.plans.models import Assignment, Plan, ProgressReport, Task

D = datetime.date
S = Assignment.Status
T = Assignment.Timeliness
R = ProgressReport.Status
V = IndicatorValue.Status

TODAY = D(2026, 7, 10)
WINDOW = dict(today=TODAY, window_start=D(2026, 1, 1), window_end=D(2026, 6, 30))


def at(day, hour=10, minute=0):
    """An aware moment on a local date."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# --- pure functions ------------------------------------------------------------------------------------------


def test_the_default_window_is_the_last_twelve_months():
    assert default_window(D(2026, 7, 10)) == (D(2025, 7, 11), D(2026, 7, 10))


@pytest.mark.parametrize("start, deadline, completed_on, expected, why", [
    (D(2025, 1, 1), None, None, 2, "Q1 and Q2 of 2026 end in the window; 2025's quarters before it"),
    (D(2026, 2, 1), None, None, 2, "started in Q1: its Q1 report is due"),
    (D(2026, 4, 1), None, None, 1, "started in Q2"),
    (D(2025, 1, 1), D(2026, 5, 15), None, 1, "the deadline mid-Q2 ends the obligation"),
    (D(2025, 1, 1), None, D(2026, 3, 31), 1, "completed on Q1's last day: it still reports Q1"),
    (D(2025, 1, 1), D(2025, 12, 31), None, 0, "deadline before the window"),
    (D(2026, 8, 1), None, None, 0, "starts after the window"),
])
def test_expected_reports_count_only_periods_ending_in_the_window(start, deadline, completed_on, expected, why):
    assert expected_reports_in_window(frequency="quarter", start=start, deadline=deadline, completed_on=completed_on,
                                      grace_days=5, **WINDOW) == expected, why


def test_the_grace_days_hold_back_a_period_that_just_ended():
    # Q2 ended on 30 June; with 15 grace days its report is not yet late on 10 July.
    assert expected_reports_in_window(frequency="quarter", start=D(2025, 1, 1), deadline=None, completed_on=None,
                                      grace_days=15, **WINDOW) == 1


def test_a_window_covering_everything_gives_the_plan_pages_figure():
    kwargs = dict(frequency="month", start=D(2025, 3, 9), deadline=D(2026, 2, 20), completed_on=None, today=TODAY,
                  grace_days=5)
    assert expected_reports_in_window(window_start=D(2000, 1, 1), window_end=D(2100, 1, 1), **kwargs) == \
        expected_reports(**kwargs) == 11


# --- a dataset with known answers ------------------------------------------------------------------------------


def _report(assignment, period_end, status, reviewed, *, on_time=None, comment=""):
    return ProgressReport.objects.create(assignment=assignment, period_end=period_end, text="Tiến độ", progress=50,
                                         self_rating="green", status=status, on_time=on_time,
                                         reviewed_at=at(reviewed) if reviewed else None, review_comment=comment)


def _value(indicator, organisation, period_end, *, due_on, on_time=True, status=V.APPROVED, reviewed=None,
           comment="", current=True, version=1):
    return IndicatorValue.objects.create(indicator=indicator, organisation=organisation, period_end=period_end,
                                         period_start=period_end.replace(day=1), value=1, status=status,
                                         due_on=due_on, submitted_on_time=on_time, is_current=current,
                                         version=version, reviewed_at=at(reviewed) if reviewed else None,
                                         review_comment=comment)


_numbers = itertools.count(1)


def _submission(field, lead, received, *, answered=None, on_time=None, state=State.IN_PROGRESS, due=None):
    number = next(_numbers)
    root = Organisation.objects.get(code="BCDTW")
    return Submission.objects.create(
        code=f"PAKN-2026-{number:06d}", year=2026, number=number, access_key_hash="x" * 64, kind="comment",
        field=field, title="Góp ý", content="Nội dung", submitter_name="Nguyễn Văn A", address="Hà Nội",
        intake=root, holder=lead or root, lead_agency=lead, state=state, received_at=received,
        answered_at=answered, answered_on_time=on_time, due_date=due)


@pytest.fixture
def dataset(db, org):
    """A commune of Lạng Sơn (P20), the province itself and one of its departments, the Ministry of Science
    and Technology (BKHCN) and Hà Nội (P01), with assignments, reports, KPI values, roll-ups and feedback."""
    commune = org("P20").children.filter(kind="commune").order_by("path").first()
    places = {"commune": commune, "province": org("P20"), "department": org("P20-SKHCN"), "ministry": org("BKHCN"),
              "hanoi": org("P01"), "root": org("BCDTW")}
    owner = org("CP")
    plan = Plan.objects.create(title="Kế hoạch", issuer=owner, owner=owner, issued_on=D(2025, 1, 9),
                               reporting_frequency="quarter", reporting_grace_days=5)
    removed = Task.objects.create(plan=plan, code="removed", title="Nhiệm vụ bỏ", removed=True)
    codes = itertools.count(1)

    def assign(place, *, deadline=None, revised=None, status=S.IN_PROGRESS, completed=None, timeliness=T.ON_SCHEDULE,
               parent=None, on=None):
        # One task per assignment (one top-level assignment per task, agency and role).
        task = parent.task if parent else on or Task.objects.create(plan=plan, code=str(next(codes)), title="Nhiệm vụ")
        return Assignment.objects.create(task=task, organisation=places[place], parent=parent,
                                         start_date=D(2025, 1, 1), original_deadline=deadline,
                                         revised_deadline=revised, status=status, completed_on=completed,
                                         timeliness=timeliness)

    a = {
        # the commune
        "c_done": assign("commune", deadline=D(2026, 3, 31), status=S.COMPLETED, completed=D(2026, 3, 10),
                         timeliness=T.COMPLETED_ON_TIME),
        "c_late": assign("commune", deadline=D(2026, 2, 28), timeliness=T.OVERDUE),
        "c_running": assign("commune", deadline=D(2026, 12, 31), timeliness=T.AT_RISK),
        # the province itself
        "p_revised": assign("province", deadline=D(2026, 4, 1), revised=D(2026, 5, 15), status=S.COMPLETED,
                            completed=D(2026, 5, 1), timeliness=T.COMPLETED_ON_TIME),
        "p_before": assign("province", deadline=D(2025, 12, 31), status=S.COMPLETED, completed=D(2026, 1, 10),
                           timeliness=T.COMPLETED_LATE),
        "p_window_start": assign("province", deadline=D(2026, 1, 1), timeliness=T.OVERDUE, on=removed),
        # a department of the province: deadline after the window
        "d_after": assign("department", deadline=D(2026, 7, 1), status=S.COMPLETED, completed=D(2026, 6, 1),
                          timeliness=T.COMPLETED_ON_TIME),
        # the ministry
        "m_on_window_end": assign("ministry", deadline=D(2026, 6, 30), status=S.COMPLETED, completed=D(2026, 6, 30),
                                  timeliness=T.COMPLETED_ON_TIME),
        "m_on_window_start": assign("ministry", deadline=D(2026, 1, 1), status=S.NOT_STARTED, timeliness=T.OVERDUE),
        # Hà Nội
        "hanoi": assign("hanoi", deadline=D(2026, 3, 1), timeliness=T.OVERDUE),
    }
    # Left out everywhere: cancelled, a sub-task, a removed task (p_window_start above is on the removed task).
    assign("commune", deadline=D(2026, 2, 1), status=S.CANCELLED)
    assign("province", deadline=D(2026, 2, 1), timeliness=T.OVERDUE, parent=a["p_revised"])

    # Progress reports: period ends and reviews in and out of the window.
    _report(a["c_running"], D(2025, 12, 31), R.APPROVED, D(2026, 1, 3), on_time=True)  # period before the window
    _report(a["c_running"], D(2026, 3, 31), R.APPROVED, D(2026, 4, 3), on_time=True)
    _report(a["c_running"], D(2026, 6, 30), R.APPROVED, D(2026, 7, 20), on_time=False)  # late; reviewed after
    _report(a["c_late"], D(2025, 12, 31), R.RETURNED, D(2026, 1, 2), comment="Bổ sung")
    _report(a["p_revised"], D(2026, 3, 31), R.APPROVED, D(2026, 4, 2), on_time=True, comment="Đã sửa")
    _report(a["p_revised"], D(2026, 6, 30), R.APPROVED, D(2026, 6, 30), on_time=True)  # beyond the one expected
    _report(a["m_on_window_end"], D(2026, 3, 31), R.SUBMITTED, None)  # not reviewed
    _report(a["m_on_window_end"], D(2026, 3, 31), R.APPROVED, D(2025, 12, 31), on_time=True)  # reviewed before

    # KPI values and roll-ups.
    kpi = Indicator.objects.create(code="K1", name="Chỉ tiêu 1", owner=owner, frequency="quarter")
    other = Indicator.objects.create(code="K2", name="Chỉ tiêu 2", owner=owner, frequency="quarter")
    retired = Indicator.objects.create(code="K3", name="Chỉ tiêu cũ", owner=owner, frequency="quarter",
                                       is_active=False)
    _value(kpi, commune, D(2026, 3, 31), due_on=D(2026, 4, 15), reviewed=D(2026, 4, 20))
    _value(kpi, commune, D(2025, 12, 31), due_on=D(2026, 1, 15), on_time=False, status=V.RETURNED,
           reviewed=D(2026, 1, 20), comment="Sai số liệu")
    _value(kpi, commune, D(2025, 9, 30), due_on=D(2025, 10, 15), reviewed=D(2025, 10, 20))  # before the window
    _value(other, commune, D(2026, 3, 31), due_on=D(2026, 4, 15), status=V.SUPERSEDED, current=False,
           reviewed=D(2026, 4, 16))
    _value(other, commune, D(2026, 3, 31), due_on=D(2026, 4, 15), version=2, reviewed=D(2026, 4, 28),
           comment="Đã trả lại một lần")
    _value(kpi, places["ministry"], D(2026, 6, 30), due_on=D(2026, 7, 15), status=V.SUBMITTED)  # due after

    def rollup(indicator, place, period_end, attainment, rag, series=""):
        IndicatorRollup.objects.create(indicator=indicator, organisation=places[place], period_end=period_end,
                                       attainment=attainment, rag=rag, series=series, reported=1, expected=1)

    rollup(kpi, "province", D(2026, 3, 31), 0.5, "amber")
    rollup(kpi, "province", D(2026, 6, 30), 1.4, "green")  # latest in the window; capped to 1
    rollup(kpi, "province", D(2026, 6, 30), 0.3, "red", series="ASEAN")  # the unnamed series is preferred
    rollup(kpi, "province", D(2026, 9, 30), 0.1, "red")  # after the window
    rollup(other, "province", D(2026, 3, 31), -0.2, "red")  # capped to 0
    rollup(other, "province", D(2026, 6, 30), None, "")  # no attainment: the earlier one stands
    rollup(retired, "province", D(2026, 6, 30), 0.9, "green")  # inactive indicator
    rollup(kpi, "ministry", D(2026, 6, 30), 0.8, "amber")

    # Feedback.
    field = Field.objects.create(code="f", name="Lĩnh vực")
    _submission(field, commune, at(D(2026, 2, 1)), answered=at(D(2026, 2, 10)), on_time=True, state=State.ANSWERED)
    _submission(field, commune, at(D(2026, 3, 1)), answered=at(D(2026, 4, 20)), on_time=False, state=State.PUBLISHED)
    _submission(field, commune, at(D(2026, 5, 1)), due=D(2026, 6, 1))  # open, overdue
    _submission(field, commune, at(D(2025, 6, 1)), due=D(2025, 7, 1))  # open, overdue, received before the window
    _submission(field, commune, at(D(2026, 4, 1)), state=State.WAITING_INFO, due=D(2026, 5, 1))  # clock paused
    _submission(field, commune, at(D(2026, 6, 30), 23, 30), due=D(2026, 8, 1))  # last minutes of the window
    _submission(field, commune, at(D(2026, 7, 1), 0, 10), due=D(2026, 8, 1))  # after it
    _submission(field, places["ministry"], at(D(2026, 1, 1), 0, 5), answered=at(D(2026, 1, 5)), on_time=True,
                state=State.CLOSED)
    _submission(field, None, at(D(2026, 3, 1)), state=State.RECEIVED, due=D(2026, 3, 5))  # not routed: nowhere
    return places


EXPECTED = {
    "commune": Figures(
        organisation_id=0, assignments=3, completed=1, due=2, on_time=1, overdue=1, at_risk=1,
        # c_running: Q1 and Q2 expected, Q1 on time (Q2 late); c_done and c_late: their deadlines end before Q1 does.
        reports_expected=2, reports_on_time=1,
        values_due=3, values_on_time=2,
        # reports reviewed in the window: c_running's 2025-Q4 and Q1 (ok), c_late's returned one; values: K1 Q1 (ok),
        # K1 2025-Q4 returned, K2 version 2 approved after a return (the superseded version 1 is not counted)
        quality_checked=6, quality_ok=3,
        feedback_received=5, feedback_answered=2, feedback_on_time=1, feedback_open_overdue=2),
    "province": Figures(
        organisation_id=0, assignments=6, completed=4, due=3, on_time=2, overdue=1, at_risk=1,
        # + p_revised: Q1 (completed 1 May), capped at 1; d_after: Q1, none filed; p_before: none in the window
        reports_expected=4, reports_on_time=2,
        values_due=3, values_on_time=2,
        quality_checked=8, quality_ok=4,  # + p_revised's Q1 (approved after a return) and Q2 (ok)
        kpi_assessed=2, kpi_attainment_sum=1.0, kpi_green=1, kpi_red=1,
        feedback_received=5, feedback_answered=2, feedback_on_time=1, feedback_open_overdue=2),
    "ministry": Figures(
        organisation_id=0, assignments=2, completed=1, due=2, on_time=1, overdue=1,
        # m_on_window_end, completed on Q2's last day: Q1 and Q2 expected; its on-time report for Q1 counts whenever
        # reviewed. m_on_window_start: the deadline (1 January) comes before Q1 ends: none expected.
        reports_expected=2, reports_on_time=1,
        kpi_assessed=1, kpi_attainment_sum=0.8, kpi_amber=1,
        feedback_received=1, feedback_answered=1, feedback_on_time=1),
}


@pytest.mark.parametrize("place", ["commune", "province", "ministry"])
def test_each_figure_is_counted_for_the_subtree(dataset, place):
    organisation = dataset[place]
    got = scope_figures(organisation, **WINDOW)
    expected = {**EXPECTED[place].as_dict(), "organisation_id": organisation.pk}
    assert got.as_dict() == pytest.approx(expected)
    # Plain numbers on every database (PostgreSQL sums bigints into numerics), so the figures serialise as JSON.
    assert all(type(value) is (float if name == "kpi_attainment_sum" else int) for name, value in got.as_dict().items())


@pytest.mark.parametrize("how", ["read whole", "submissions through the window"])
def test_every_way_of_reading_gives_the_same_figures(dataset, monkeypatch, how):
    # Small sets are read through a list of their organisations, and their submissions agency by agency; the
    # other ways (most of the map; agencies with many submissions) must count the same.
    from nq57.dashboards import figures

    monkeypatch.setattr(figures, "MAX_FILTERED_ORGANISATIONS" if how == "read whole" else "FEW_SUBMISSIONS", 0)
    for place in ("commune", "province", "ministry"):
        got = scope_figures(dataset[place], **WINDOW)
        assert got.as_dict() == pytest.approx({**EXPECTED[place].as_dict(), "organisation_id": dataset[place].pk})


def test_the_whole_country_adds_every_subtree(dataset):
    got = scope_figures(dataset["root"], **WINDOW)
    # Lạng Sơn + the ministry + Hà Nội's overdue assignment; roll-ups are the root's own (none here).
    assert (got.assignments, got.due, got.on_time, got.overdue) == (6 + 2 + 1, 3 + 2 + 1, 2 + 1, 1 + 1 + 1)
    assert (got.feedback_received, got.feedback_open_overdue) == (6, 2)
    assert got.kpi_assessed == 0


def test_many_organisations_at_once_give_each_its_own_subtree(dataset):
    places = [dataset[name] for name in ("commune", "province", "ministry", "hanoi", "root")]
    together = org_figures(places, **WINDOW)
    for place in places:
        assert together[place.pk].as_dict() == scope_figures(place, **WINDOW).as_dict(), place.code
    assert together[dataset["hanoi"].pk].assignments == 1 and together[dataset["hanoi"].pk].overdue == 1


@pytest.mark.parametrize("others", [100, 4000])
def test_a_commune_among_many_is_counted_as_alone(dataset, others):
    # A hundred communes are read through a list of them; all 3,321 by reading the sources whole.
    communes = [dataset["commune"], *Organisation.objects.filter(kind="commune").order_by("path")[:others]]
    together = org_figures(communes, **WINDOW)
    assert together[dataset["commune"].pk] == scope_figures(dataset["commune"], **WINDOW)
    assert sum(f.assignments for f in together.values()) == 3


def test_an_empty_list_costs_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert org_figures([], **WINDOW) == {}


def test_a_window_that_ends_earlier_moves_the_figures(dataset):
    first_quarter = dict(today=TODAY, window_start=D(2026, 1, 1), window_end=D(2026, 3, 31))
    got = scope_figures(dataset["commune"], **first_quarter)
    assert (got.due, got.on_time) == (2, 1)  # both deadlines are in Q1
    assert (got.reports_expected, got.reports_on_time) == (1, 1)  # c_running's Q1 only
    assert got.feedback_received == 2


def _count_queries(organisations):
    with CaptureQueriesContext(connection) as queries:
        org_figures(organisations, **WINDOW)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_organisations_or_rows(dataset, org):
    provinces = list(Organisation.objects.filter(kind__in=["province", "city"]).order_by("path"))
    communes = list(Organisation.objects.filter(kind="commune").order_by("path"))
    # Subtrees of a few hundred organisations at most (read through a list of them), or most of the map (read
    # whole): the same queries.
    small = _count_queries(communes[:3])
    assert small == _count_queries(communes[:30]) == _count_queries(provinces[:3]) == 8
    assert small == _count_queries(provinces[:30]) == _count_queries(communes) == _count_queries([dataset["root"]])
    # Ten times the assignments and reports: still the same queries.
    commune = dataset["commune"]
    template = Assignment.objects.filter(organisation=commune).first()
    for i in range(10):
        copy = Assignment.objects.create(task=Task.objects.create(plan=template.task.plan, code=f"x{i}", title="x"),
                                         organisation=commune, original_deadline=D(2026, 2, 1), status=S.IN_PROGRESS)
        _report(copy, D(2026, 3, 31), R.APPROVED, D(2026, 4, 1), on_time=True)
    assert _count_queries(communes[:3]) == _count_queries(provinces[:30]) == small


# --- the SQL expression agrees with the pure function -------------------------------------------------------------

GRID_DATES = [None, D(2025, 12, 31), D(2026, 1, 1), D(2026, 2, 28), D(2026, 3, 31), D(2026, 5, 15), D(2026, 6, 30),
              D(2026, 7, 1), D(2026, 12, 31)]


@pytest.mark.parametrize("frequency", ["month", "quarter", "half", "year"])
def test_expected_reports_in_sql_match_the_pure_function(db, org, frequency):
    owner = org("CP")
    plan = Plan.objects.create(title="Lưới", issuer=owner, owner=owner, issued_on=D(2025, 1, 9),
                               reporting_frequency=frequency, reporting_grace_days=12)
    task = Task.objects.create(plan=plan, code="1", title="Nhiệm vụ")
    agencies = list(Organisation.objects.filter(kind="commune").order_by("path")[:200])
    combos = list(itertools.product([None, D(2025, 1, 1), D(2026, 3, 31), D(2026, 4, 1)], GRID_DATES,
                                    [None, D(2026, 6, 30), D(2026, 2, 10)]))
    Assignment.objects.bulk_create(Assignment(task=task, organisation=agencies[i % len(agencies)], start_date=start,
                                              original_deadline=deadline, completed_on=completed)
                                   for i, (start, deadline, completed) in enumerate(combos))
    window = Window(TODAY, D(2026, 1, 1), D(2026, 6, 30))
    rows = (Assignment.objects.filter(task=task)
            .annotate(n=expected_reports_in_window_expression(frequency=frequency, grace_days=12, window=window))
            .values_list("start_date", "original_deadline", "completed_on", "n"))
    checked = 0
    for start, deadline, completed, n in rows:
        assert n == expected_reports_in_window(
            frequency=frequency, start=start or plan.issued_on, deadline=deadline, completed_on=completed,
            grace_days=12, **WINDOW), (start, deadline, completed)
        checked += 1
    assert checked == len(combos)


def test_each_plan_keeps_its_own_frequency_and_grace_days(dataset, org):
    # A monthly plan with 20 grace days: on 10 July, June's report is not late yet (January to May are due).
    owner = org("CP")
    plan = Plan.objects.create(title="Hàng tháng", issuer=owner, owner=owner, issued_on=D(2025, 1, 9),
                               reporting_frequency="month", reporting_grace_days=20)
    Assignment.objects.create(task=Task.objects.create(plan=plan, code="1", title="Hàng tháng"),
                              organisation=dataset["hanoi"], start_date=D(2025, 6, 1))
    assert scope_figures(dataset["hanoi"], **WINDOW).reports_expected == 5
    assert scope_figures(dataset["commune"], **WINDOW).reports_expected == 2  # the quarterly plan's, unchanged
