"""Custom panels, each measure's figures on the shared dashboard dataset (`dash_data`, see conftest.py): Lạng Sơn's
subtree counts a1, a5, a6, a7, a8, a12; a9 is cancelled, a10's task removed, the sub-task is not top-level."""

import datetime

import pytest

from nq57.dashboards import panel_measures as m
from nq57.dashboards.models import Panel
from nq57.dashboards.panels import MEASURES, PanelContext, render_panel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def _data(dash_data, measure, owner="P20", chart="table", **filters):
    ctx = PanelContext(dash_data.orgs[owner] if owner in dash_data.orgs else _org(owner), dash_data.today)
    return MEASURES[measure].compute(ctx, filters, chart)


def _org(code):
    from nq57.orgs.models import Organisation

    return Organisation.objects.get(code=code)


def _cells(data):
    return {row.label: row.cells for row in data.rows}


def test_tasks_by_timeliness_count_the_provinces_subtree(dash_data):
    data = _data(dash_data, "tasks_timeliness")
    assert {row.label: row.value for row in data.rows} == {
        "Overdue": 1, "At risk": 1, "On schedule": 1, "Completed on time": 1, "Completed late": 1, "No deadline": 1}
    assert data.total.value == 6
    assert [(label, value) for label, value, _f, _r in data.headline] == [("Tasks", 6), ("Overdue", 1), ("At risk", 1)]
    assert all(row.url == "" for row in data.rows)  # no plan chosen: no single task list behind it


def test_tasks_by_timeliness_on_a_national_plan_count_only_the_work_assigned_to_the_province(dash_data):
    plan = dash_data.plan
    data = _data(dash_data, "tasks_timeliness", plan=plan.pk)
    assert data.total.value == 5  # a12 is in the province's own plan
    overdue = data.rows[0]
    assert overdue.url == f"/plans/{plan.pk}/tasks/?timeliness=overdue&agency=P20"
    data = _data(dash_data, "tasks_timeliness", plan=plan.pk, group="II")
    assert {row.label: row.value for row in data.rows if row.value} == {"Overdue": 1, "Completed on time": 1}
    assert f"group={dash_data.groups['II'].pk}" in data.rows[0].url


def test_on_the_provinces_own_plan_the_whole_plan_counts(dash_data):
    data = _data(dash_data, "tasks_timeliness", plan=dash_data.local_plan.pk)
    assert data.total.value == 1 and data.rows[4].value == 1  # a12 completed late
    assert "agency" not in data.rows[0].url


def test_tasks_of_one_unit(dash_data):
    data = _data(dash_data, "tasks_timeliness", assignee=dash_data.orgs["P20-SKHCN"].pk)
    assert {row.label: row.value for row in data.rows if row.value} == {"Overdue": 1, "Completed late": 1}


def test_tasks_by_status_include_the_cancelled(dash_data):
    data = _data(dash_data, "tasks_status")
    assert {row.label: row.value for row in data.rows} == {
        "Not started": 1, "In progress": 3, "Pending verification": 0, "Completed": 2, "Cancelled or suspended": 1}
    assert data.total.value == 7


def test_on_time_rate_overall_and_by_unit(dash_data):
    data = _data(dash_data, "on_time_rate", chart="bar")
    # Due in the last 12 months: a5 (revised −10, open), a6 (on time), a12 (late).
    assert data.total.cells == [1, 3, pytest.approx(1 / 3)]
    cells = _cells(data)
    skhcn = dash_data.orgs["P20-SKHCN"]
    assert cells[skhcn.short_name or skhcn.name] == [0, 2, 0.0]
    own = [row for row in data.rows if row.label.endswith("itself")]
    assert len(own) == 1 and own[0].cells == [1, 1, 1.0]  # a6, assigned to the province itself
    assert data.ranked and data.value_format == "rate"


def test_on_time_rate_agrees_with_the_figures_of_the_subtree(dash_data):
    from nq57.dashboards.figures import scope_figures

    start, end = m._window(dash_data.today, 12)
    figures = scope_figures(dash_data.orgs["P20"], today=dash_data.today, window_start=start, window_end=end)
    data = _data(dash_data, "on_time_rate")
    assert data.total.cells[:2] == [figures.on_time, figures.due]


def test_overdue_trend_matches_the_definition_month_by_month(dash_data):
    from nq57.plans.models import Assignment

    today = dash_data.today
    data = _data(dash_data, "overdue_trend", chart="line", months=12)
    assert len(data.rows) == 12 and data.rows[-1].date == today
    assert data.rows[-1].value == 1  # a5 today
    counted = [dash_data.a[k] for k in ("a1", "a5", "a6", "a7", "a8", "a12")]
    for a in counted:
        a.refresh_from_db()
    for row in data.rows:
        expected = sum(1 for a in counted if a.effective_deadline and a.effective_deadline < row.date
                       and not (a.status == Assignment.Status.COMPLETED and a.completed_on <= row.date))
        assert row.value == expected, row.label


def test_plan_progress_by_group(dash_data):
    data = _data(dash_data, "plan_progress", chart="bar", plan=dash_data.plan.pk)
    cells = {row.label.split(".")[0]: row.cells for row in data.rows}
    # tasks, assigned, completed, overdue, share completed, mean progress
    assert cells["I"][:4] == [1, 1, 0, 0]
    assert cells["II"][:5] == [2, 2, 1, 1, 0.5]
    assert cells["III"][:4] == [2, 2, 0, 0]
    assert data.total.cells[:4] == [5, 5, 1, 1]
    local = _data(dash_data, "plan_progress", plan=dash_data.local_plan.pk)
    assert [(row.label, row.cells[:3]) for row in local.rows] == [("Tasks without a group", [1, 1, 1])]


def test_an_indicator_over_time_at_the_province(dash_data):
    data = _data(dash_data, "indicator_trend", chart="line", indicator=dash_data.k["k1"].pk)
    with_values = [row for row in data.rows if row.value is not None]
    assert [(row.value, row.date) for row in with_values] == [(85.0, datetime.date(2025, 12, 31))]
    assert with_values[0].rag == "green"


def test_an_indicator_by_province(dash_data):
    data = _data(dash_data, "indicator_units", owner="DP", chart="bar", indicator=dash_data.k["k2"].pk)
    values = {row.organisation.code: (row.value, row.rag) for row in data.rows if row.value is not None}
    assert values == {"P20": (20.0, "red"), "P01": (90.0, "green")}
    assert len(data.rows) == 34  # every active province, most without a value
    empty = _data(dash_data, "indicator_units", indicator=dash_data.k["k2"].pk)  # Lạng Sơn's units report nothing
    assert empty.rows == [] and "No unit" in empty.note


def test_kpi_ratings_of_the_province(dash_data):
    data = _data(dash_data, "kpi_rag", chart="number")
    counts = {label: value for label, value, _f, _r in data.headline}
    assert (counts["On track"], counts["Some concern"], counts["Off track"]) == (1, 0, 1)
    assert data.rows[0].url.endswith("&rag=green")


def test_feedback_by_month_of_the_province(dash_data):
    data = _data(dash_data, "feedback_months", chart="line", months=12)
    totals = [sum(row.cells[i] for row in data.rows) for i in range(3)]
    # f1, f2, f3, f4 received in the last 12 months (f8 earlier, f5 has no lead agency); f1 and f2 answered.
    assert totals == [4, 2, 1]
    assert data.second_label


def test_a_figure_by_province(dash_data):
    data = _data(dash_data, "unit_figures", owner="DP", chart="map", figure="overdue", months=12)
    values = {row.organisation.code: row.value for row in data.rows}
    assert values["P20"] == 1 and values["P01"] == 1  # a5; a11
    data = _data(dash_data, "unit_figures", owner="DP", chart="bar", figure="on_time_rate", months=12)
    p20 = next(row for row in data.rows if row.organisation.code == "P20")
    assert p20.cells == [1, 3, pytest.approx(1 / 3)]


def test_every_measure_renders_with_every_chart_it_offers(dash_data):
    from nq57.dashboards.models import CustomDashboard

    filters = {"plan": dash_data.plan.pk, "indicator": dash_data.k["k2"].pk, "figure": "on_time_rate", "months": 12}
    for owner_code in ("P20", "DP"):
        owner = _org(owner_code)
        dashboard = CustomDashboard.objects.create(owner=owner, title=owner_code)
        ctx = PanelContext(owner, dash_data.today)
        for key, measure in MEASURES.items():
            for chart in measure.charts:
                if chart == "map" and owner_code != "DP":
                    continue
                panel = Panel.objects.create(dashboard=dashboard, title=f"{key} {chart}", measure=key, chart=chart,
                                             filters={k: v for k, v in filters.items() if k in measure.filters})
                rendered = render_panel(panel, ctx)
                assert not rendered.error, (key, chart, rendered.error)
                assert rendered.headers, (key, chart)
                if chart == "number":
                    assert rendered.headline, key


def test_a_panel_whose_plan_is_gone_says_so(dash_data):
    from nq57.dashboards.models import CustomDashboard

    dashboard = CustomDashboard.objects.create(owner=dash_data.orgs["P20"], title="x")
    panel = Panel.objects.create(dashboard=dashboard, title="t", measure="tasks_timeliness", chart="bar",
                                 filters={"plan": 987654321})
    rendered = render_panel(panel, PanelContext(dashboard.owner, dash_data.today))
    assert "no longer exists" in rendered.error
    panel.measure = "retired_measure"
    assert "no longer offered" in render_panel(panel, PanelContext(dashboard.owner, dash_data.today)).error
