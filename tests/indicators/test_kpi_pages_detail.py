"""An indicator's page: definition, targets and baselines with their versions, the time series as an SVG
chart and as a table, the breakdown by province or ministry, data quality and linked tasks."""

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nq57.indicators import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(kpi, report):
    """Lạng Sơn 45 % then 50 %, Hà Nội 60 % then 70 % (Q1 and Q2/2025): national 52.5 % then 60 %."""
    report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    report(kpi.indicator, "P01", "2025-Q1", numerator=60, denominator=100)
    report(kpi.indicator, "P20", "2025-Q2", numerator=50, denominator=100)
    report(kpi.indicator, "P01", "2025-Q2", numerator=70, denominator=100)
    return kpi


def _url(kpi):
    return f"/indicators/{kpi.indicator.pk}/"


def test_four_ways_of_opening_an_indicator(client, series, dave, alice, charlie, org):
    response = client.get(_url(series))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(dave)
    assert client.get(_url(series)).status_code == 403
    client.force_login(alice)
    response = client.get(_url(series))
    assert response.status_code == 200 and response.context["scope"].code == "P20"
    client.force_login(charlie)  # Hà Nội may see the nation and itself, not Lạng Sơn
    assert client.get(_url(series), {"scope": org("P20").pk}).status_code == 403
    assert client.get(_url(series), {"scope": org("BCDTW").pk}).status_code == 200


def test_the_definition_targets_and_baselines_are_shown_with_their_versions(client, series, root):
    actions.set_target(actor=None, indicator=series.indicator, year=2030, comparator="gte", value=85,
                       reason="Nâng mục tiêu theo Kết luận 2025")
    client.force_login(root)
    with translation.override("vi"):
        body = client.get(_url(series)).content.decode()
        ratio = str(series.indicator.get_aggregation_display())
    assert "Tỷ lệ dân số trưởng thành có chữ ký số" in body and ratio in body
    assert "≥ 85 (2030)" in body and "≥ 80 (2030)" in body  # the current and the replaced target
    assert "Nâng mục tiêu theo Kết luận 2025" in body
    assert 'class="superseded"' in body
    assert "31/12/2024" in body  # the baseline's date, day first


def test_the_time_series_is_a_labelled_chart_and_the_same_numbers_in_a_table(client, series, root, quarter_label):
    client.force_login(root)
    with translation.override("vi"):
        response = client.get(_url(series))
        on_track = gettext("On track")
    body = response.content.decode()
    chart = body[body.index('<svg'):body.index('</svg>')]
    assert 'role="img"' in chart and 'aria-labelledby="series-chart-title series-chart-desc"' in chart
    assert "<title" in chart and "<desc" in chart and 'stroke-dasharray' in chart  # the expected trajectory
    assert 'class="target"' in chart
    points = [(p["label"], float(p["value"])) for p in response.context["points"]]
    assert points == [(quarter_label("2025-Q2"), 60.0), (quarter_label("2025-Q1"), 52.5)]
    table = body[body.index("</svg>"):]
    assert "52,5" in table and "60" in table and on_track in table
    assert "2 / 2" in table  # organisations reported / expected


def test_the_breakdown_lists_every_province_with_its_value(client, series, root):
    client.force_login(root)
    response = client.get(_url(series), {"period": "2025-Q1"})
    rows = {r["organisation"].code: r for r in response.context["breakdown"]}
    assert len(rows) == 34
    assert float(rows["P20"]["value"]) == 45 and float(rows["P01"]["value"]) == 60
    others = [r for code, r in rows.items() if code not in ("P20", "P01")]
    assert all(r["value"] is None and r["rag"] == "" for r in others)
    assert response.context["period"].key == "2025-Q1"


def test_a_ministry_level_indicator_breaks_down_by_ministry(client, make_indicator, report, root):
    indicator = make_indicator("5", name="Tỷ lệ hồ sơ trực tuyến toàn trình", level="ministry",
                               reporters=("BKHCN", "BTC"))
    report(indicator, "BKHCN", "2025-Q1", numerator=30, denominator=100)
    client.force_login(root)
    response = client.get(f"/indicators/{indicator.pk}/")
    codes = [r["organisation"].code for r in response.context["breakdown"]]
    assert "BKHCN" in codes and "BTC" in codes and "P20" not in codes


def test_the_data_quality_panel_counts_what_came_in(client, series, root, kpi):
    client.force_login(root)
    quality = client.get(_url(series)).context["quality"]
    # Two provinces owe every quarter since Q1/2025; two quarters each came in.
    assert quality["received"] == 4 and quality["expected"] > 4
    assert quality["rows"][0]["organisation"].code in ("P01", "P20")


def test_linked_tasks_link_to_their_page(client, series, root, national_plan, org):
    from nq57.plans import actions as plan_actions

    task = plan_actions.create_task(actor=None, plan=national_plan, code="7", title="Phổ cập chữ ký số",
                                    lead=[org("BKHCN")])
    series.indicator.tasks.add(task)
    client.force_login(root)
    assert f"/plans/tasks/{task.pk}/" in client.get(_url(series)).content.decode()


@pytest.mark.parametrize("query", [{"series": "ASEAN"}, {"period": "2025-Q9"}, {"period": "2025-M03"},
                                   {"scope": "abc"}, {"scope": "-1"}])
def test_bad_parameters_answer_400_with_a_message(client, series, root, query):
    client.force_login(root)
    response = client.get(_url(series), query)
    assert response.status_code == 400
    assert 'class="errors" role="alert"' in response.content.decode()


def test_an_unknown_indicator_is_404(client, root):
    client.force_login(root)
    assert client.get("/indicators/99999999/").status_code == 404


def test_the_page_costs_the_same_queries_for_two_or_many_periods(client, series, root, report,
                                                               django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(root)
    client.get(_url(series))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(series))
    for key in ("2025-Q3", "2025-Q4", "2026-Q1"):
        report(series.indicator, "P20", key, numerator=55, denominator=100)
        report(series.indicator, "P01", key, numerator=72, denominator=100)
    with django_assert_max_num_queries(26):
        response = client.get(_url(series))
    assert len(response.context["points"]) == 5
    with CaptureQueriesContext(connection) as many:
        client.get(_url(series))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_qualitative_indicator_shows_progress_instead_of_numbers(client, make_indicator, report, root):
    milestone = make_indicator("9", name="Ban hành khung kiến trúc số", value_type="milestone", aggregation="none",
                               level="national", reporters=("BKHCN",), frequency="year")
    actions.set_target(actor=None, indicator=milestone, year=2026, comparator="qualitative",
                       text="Ban hành trước 31/12/2026")
    report(milestone, "BKHCN", "2025", progress="in_progress")
    client.force_login(root)
    with translation.override("vi"):
        response = client.get(f"/indicators/{milestone.pk}/")
        in_progress = gettext("In progress")
    assert response.status_code == 200
    assert in_progress in response.content.decode()
    assert datetime.date(2025, 12, 31) in [p["period_end"] for p in response.context["points"]]

