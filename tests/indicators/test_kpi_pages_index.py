"""The KPI index: one row per indicator with its latest roll-up, targets, attainment, rating and trend,
for a scope the user may look at; filters, accent-insensitive search, and a constant number of queries."""

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nq57.indicators import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def index_data(kpi, make_indicator, report):
    """kpi (ratio, 1): Lạng Sơn 45 %, Hà Nội 60 % in Q1/2025 → national 52.5 %, on track.
    2 (count, sum): 10 of a target of 100 by 2025 → off track. 2.1 a child of 2, without values."""
    report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    report(kpi.indicator, "P01", "2025-Q1", numerator=60, denominator=100)
    count = make_indicator("2", name="Số doanh nghiệp công nghệ số", value_type="count", aggregation="sum",
                           layer="operational")
    actions.set_target(actor=None, indicator=count, year=2025, comparator="gte", value=100)
    actions.set_baseline(actor=None, indicator=count, value=0, as_of=datetime.date(2024, 12, 31))
    report(count, "P20", "2025-Q4", value=4)
    report(count, "P01", "2025-Q4", value=6)
    child = make_indicator("2.1", name="Doanh nghiệp công nghệ số ở nông thôn", value_type="count",
                           aggregation="sum", parent=count)
    return kpi.indicator, count, child


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/indicators/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_user_without_a_role_is_refused(client, dave):
    client.force_login(dave)
    assert client.get("/indicators/").status_code == 403


def test_the_national_index_shows_rolled_up_values_targets_and_ratings(client, root, index_data):
    client.force_login(root)
    with translation.override("vi"):
        response = client.get("/indicators/", HTTP_ACCEPT_LANGUAGE="vi")
        body = response.content.decode()
        on_track, off_track = gettext("On track"), gettext("Off track")
    assert response.status_code == 200
    assert response.context["scope"].code == "BCDTW"
    rows = {r["indicator"].code: r for r in response.context["rows"]}
    assert float(rows["1"]["latest_value"]) == 52.5  # (45 + 60) / (100 + 100), not a mean of percentages
    assert rows["1"]["rag"] == "green" and rows["2"]["rag"] == "red" and rows["2.1"]["rag"] == ""
    assert float(rows["2"]["latest_value"]) == 10
    assert "52,5" in body and "≥ 80 (2030)" in body
    assert on_track in body and off_track in body
    assert response.context["counts"] == {"green": 1, "amber": 0, "red": 1, "none": 1}
    assert 'role="img"' in body


def test_children_follow_their_parent_indented(client, root, index_data):
    client.force_login(root)
    response = client.get("/indicators/")
    assert [(r["indicator"].code, r["depth"]) for r in response.context["rows"]] == [("1", 0), ("2", 0), ("2.1", 1)]
    assert 'class="indent-1"' in response.content.decode()


def test_a_province_officer_sees_her_province_by_default_and_the_nation_on_request(client, alice, index_data,
                                                                                   org):
    client.force_login(alice)
    response = client.get("/indicators/")
    assert response.context["scope"].code == "P20"
    rows = {r["indicator"].code: r for r in response.context["rows"]}
    assert float(rows["1"]["latest_value"]) == 45
    national = client.get("/indicators/", {"scope": org("BCDTW").pk})
    assert national.status_code == 200
    assert float(national.context["rows"][0]["latest_value"]) == 52.5


def test_another_province_is_out_of_reach(client, alice, index_data, org):
    client.force_login(alice)
    assert client.get("/indicators/", {"scope": org("P01").pk}).status_code == 403
    assert client.get("/indicators/", {"scope": 99999999}).status_code == 404


def test_search_ignores_accents_and_filters_combine(client, root, index_data):
    client.force_login(root)
    codes = lambda response: [r["indicator"].code for r in response.context["rows"]]  # noqa: E731
    assert codes(client.get("/indicators/", {"q": "chu ky so"})) == ["1"]
    assert codes(client.get("/indicators/", {"q": "NÔNG THÔN"})) == ["2.1"]
    assert codes(client.get("/indicators/", {"layer": "operational"})) == ["2"]
    assert codes(client.get("/indicators/", {"rag": "red"})) == ["2"]
    assert codes(client.get("/indicators/", {"rag": "none"})) == ["2.1"]


def test_bad_filters_answer_400_with_a_message(client, root, index_data):
    client.force_login(root)
    for query in ({"scope": "abc"}, {"owner": "999999"}, {"layer": "both"}, {"rag": "purple"}, {"plan": "x"}):
        response = client.get("/indicators/", query)
        assert response.status_code == 400, query
        assert 'role="alert"' in response.content.decode()
    assert client.get("/indicators/", {"q": "a\x00b"}).status_code == 200


def test_the_index_costs_the_same_queries_for_three_or_twelve_indicators(client, root, index_data, make_indicator,
                                                                         report, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(root)
    client.get("/indicators/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as few:
        client.get("/indicators/")
    for n in range(3, 12):
        indicator = make_indicator(str(n), name=f"Chỉ tiêu {n}", value_type="count", aggregation="sum")
        report(indicator, "P20", "2025-Q1", value=n)
    with django_assert_max_num_queries(16):
        response = client.get("/indicators/")
    assert len(response.context["rows"]) == 12
    with CaptureQueriesContext(connection) as many:
        client.get("/indicators/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_trend_is_a_sparkline_with_the_same_numbers_in_a_hidden_table(client, root, kpi, report, quarter_label):
    for key, numerator in (("2025-Q1", 45), ("2025-Q2", 50), ("2025-Q3", 55)):
        report(kpi.indicator, "P20", key, numerator=numerator, denominator=100)
    client.force_login(root)
    with translation.override("vi"):
        body = client.get("/indicators/").content.decode()
    svg = body[body.index('<svg'):body.index('</svg>')]
    assert "<polyline" in svg and "45; 50; 55" in svg  # the <desc> lists the values
    hidden = body[body.index('<div class="visually-hidden">'):]
    assert quarter_label("2025-Q3") in hidden

