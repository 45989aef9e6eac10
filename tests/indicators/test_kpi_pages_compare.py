"""Comparison of provinces (or ministries) on one indicator for one period: ranked in the indicator's
direction, with on-time reporting, a bar chart and the same numbers in a table."""

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nq57.indicators import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def compared(kpi, report):
    report(kpi.indicator, "P20", "2025-Q2", numerator=45, denominator=100)
    report(kpi.indicator, "P01", "2025-Q2", numerator=60, denominator=100)
    return kpi.indicator


def _url(indicator):
    return f"/indicators/{indicator.pk}/compare/"


def test_four_ways_of_opening_the_comparison(client, compared, dave, alice, charlie):
    response = client.get(_url(compared))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(dave)
    assert client.get(_url(compared)).status_code == 403
    for user in (alice, charlie):  # the comparison is national: every role holder sees it
        client.force_login(user)
        assert client.get(_url(compared), {"period": "2025-Q2"}).status_code == 200


def test_provinces_are_ranked_best_first_for_higher_is_better(client, compared, alice):
    client.force_login(alice)
    response = client.get(_url(compared), {"period": "2025-Q2"})
    rows = response.context["rows"]
    assert [(r["organisation"].code, r["rank"]) for r in rows[:2]] == [("P01", 1), ("P20", 2)]
    assert all(r["rank"] is None for r in rows[2:]) and len(rows) == 34
    body = response.content.decode()
    assert 'aria-labelledby="compare-chart-title compare-chart-desc"' in body and "<rect" in body


def test_lower_is_better_reverses_the_ranking(client, make_indicator, report, root):
    cost = make_indicator("4", name="Thời gian xử lý hồ sơ (ngày)", value_type="count", aggregation="sum",
                          direction="lower")
    report(cost, "P20", "2025-Q2", value=3)
    report(cost, "P01", "2025-Q2", value=9)
    client.force_login(root)
    rows = client.get(_url(cost), {"period": "2025-Q2"}).context["rows"]
    assert [(r["organisation"].code, r["rank"]) for r in rows[:2]] == [("P20", 1), ("P01", 2)]


def test_the_default_period_is_the_latest_reported_and_ties_share_a_rank(client, kpi, report, root):
    report(kpi.indicator, "P20", "2025-Q3", numerator=50, denominator=100)
    report(kpi.indicator, "P01", "2025-Q3", numerator=50, denominator=100)
    client.force_login(root)
    response = client.get(_url(kpi.indicator))
    assert response.context["period"].key == "2025-Q3"
    assert [r["rank"] for r in response.context["rows"][:2]] == [1, 1]


def test_on_time_reporting_is_counted_per_province(client, kpi, alice, hanh, root, org, period):
    value = actions.save_value(actor=alice, indicator=kpi.indicator, organisation=org("P20"),
                               period=period("2025-Q2"), numerator=45, denominator=100, submit=True,
                               today=datetime.date(2025, 7, 10))
    actions.approve_value(actor=hanh, value=value)
    client.force_login(root)
    rows = {r["organisation"].code: r for r in client.get(_url(kpi.indicator), {"period": "2025-Q2"})
            .context["rows"]}
    assert (rows["P20"]["on_time"], rows["P20"]["expected"]) == (1, 1)
    assert rows["P01"]["on_time"] == 0


def test_rating_labels_are_words_not_only_colours(client, compared, root):
    client.force_login(root)
    with translation.override("vi"):
        body = client.get(_url(compared), {"period": "2025-Q2"}).content.decode()
        assert gettext("On track") in body and gettext("No data") in body


@pytest.mark.parametrize("text", ["2025-Q9", "2025-M04", "2025", "Q2", "2025-Q2'; drop", "x" * 25])
def test_a_bad_period_is_a_message(client, compared, root, text):
    client.force_login(root)
    response = client.get(_url(compared), {"period": text})
    assert response.status_code == 400
    assert 'class="errors" role="alert"' in response.content.decode()


def test_the_period_field_suggests_the_periods_that_have_values(client, compared, report, alice):
    report(compared, "P20", "2025-Q1", numerator=40, denominator=100)
    client.force_login(alice)
    response = client.get(_url(compared))
    assert [p.key for p in response.context["period_options"]] == ["2025-Q2", "2025-Q1"]
    assert '<option value="2025-Q2">' in response.content.decode()
