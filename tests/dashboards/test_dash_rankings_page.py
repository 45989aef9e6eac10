"""The rankings page: who may rank whom, the layout (formula, chart, table, explanations), bad input, exports.

The figures are stubbed here (org_figures replaced by fixed numbers per organisation code) so that each
assertion can be computed by hand; test_dash_rankings_page_data.py runs the page on real data.
"""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from nq57.core.roles import Role
from nq57.dashboards import views_rankings
from nq57.dashboards.figures import Figures
from nq57.orgs.models import Organisation

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:rankings")

# Figures by organisation code; every other organisation has no workload.
STUB = {
    "P20": {"due": 10, "on_time": 9},  # Lạng Sơn
    "P01": {"due": 50, "on_time": 30, "quality_checked": 10, "quality_ok": 10},  # Hà Nội
    "P79": {"due": 10, "on_time": 9},  # Hồ Chí Minh City: the same figures as Lạng Sơn, a tie
    "BKHCN": {"due": 20, "on_time": 10},
    "X05977": {"due": 4, "on_time": 4, "feedback_answered": 2, "feedback_on_time": 1},
}


@pytest.fixture
def stub_figures(monkeypatch):
    calls = []

    def org_figures(organisations, *, today, window_start, window_end):
        organisations = list(organisations)
        calls.append({"count": len(organisations), "start": window_start, "end": window_end, "today": today})
        return {o.pk: Figures(organisation_id=o.pk, **STUB.get(o.code, {})) for o in organisations}

    monkeypatch.setattr(views_rankings, "cached_org_figures", org_figures)
    return calls


@pytest.fixture
def national(make_user):
    """A steering committee leader over the whole map."""
    return make_user("nguyen", home="BCDTW", role=Role.LEADER, scope="BCDTW")


def page(client, user, **params):
    client.force_login(user)
    client.cookies["nq57_language"] = "en"  # the words checked below are the English ones
    return client.get(URL, params)


def ranks(response):
    """{organisation name: rank} read from the table."""
    found = {}
    for row in response.context["rows"]:
        found[row["organisation"].name] = row["rank"]
    return found


# --- who may rank whom --------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_user_without_a_role_is_refused_with_a_message(client, dave, stub_figures):
    response = page(client, dave)
    assert response.status_code == 403
    assert "Your roles cover none of these" in response.content.decode()
    assert not stub_figures


def test_a_national_viewer_sees_the_provinces_by_default(client, national, stub_figures):
    response = page(client, national)
    assert response.status_code == 200
    assert response.context["key"] == "provinces"
    assert len(response.context["rows"]) == 34
    assert response.context["comparison"].parent.code == "DP"
    # On time: peer mean 48/70; Lạng Sơn and Hồ Chí Minh City (9 + 10·48/70)/20 = 79.3, Hà Nội
    # (30 + 10·48/70)/60 = 61.4 but its 10 of 10 reviews (adjusted 100 %) bring its composite to 80.7.
    ranked = [(r["organisation"].code, r["rank"], r["composite"]) for r in response.context["rows"][:4]]
    assert ranked == [("P01", 1, 80.7), ("P79", 2, 79.3), ("P20", 2, 79.3), ("BKHCN", None, None)] or \
        ranked[:3] == [("P01", 1, 80.7), ("P79", 2, 79.3), ("P20", 2, 79.3)]
    assert response.context["rows"][3]["rank"] is None  # the others have no workload
    assert stub_figures[0]["count"] == 34


def test_a_province_focal_officer_ranks_the_communes_of_the_province(client, alice, stub_figures, org):
    response = page(client, alice)
    assert response.status_code == 200
    assert response.context["key"] == "communes"
    comparison = response.context["comparison"]
    assert comparison.within == org("P20")
    communes = Organisation.objects.active().filter(parent=org("P20"), kind__in=["commune", "ward", "special_zone"])
    assert len(response.context["rows"]) == communes.count() > 10
    assert response.context["rows"][0]["organisation"].code == "X05977"
    assert response.context["rows"][0]["rank"] == 1
    assert response.context["ranked_count"] == 1  # the other communes have no workload: not ranked
    assert page(client, alice, peers="communes", within=org("P20").pk).status_code == 200


@pytest.mark.parametrize("params", [{"peers": "provinces"}, {"peers": "ministries"}])
def test_a_province_leader_may_not_rank_the_provinces_or_ministries(client, lan, stub_figures, params):
    response = page(client, lan, **params)
    assert response.status_code == 403
    assert response.context["message"]
    assert not stub_figures


def test_nobody_ranks_the_communes_of_another_province(client, alice, minh, stub_figures, org):
    assert page(client, alice, peers="communes", within=org("P01").pk).status_code == 403
    assert page(client, alice, within=org("P01").pk).status_code == 403
    assert page(client, minh, within=org("P20").pk).status_code == 403
    assert page(client, minh, within=org("P01").pk).status_code == 200


def test_the_government_office_ranks_the_ministries_but_not_the_provinces(client, sophie, stub_figures):
    response = page(client, sophie)
    assert response.status_code == 200
    assert response.context["key"] == "ministries"
    codes = [r["organisation"].code for r in response.context["rows"]]
    assert "BKHCN" in codes and "BTC" in codes
    assert "BHXHVN" not in codes  # inside the Ministry of Finance: counted in its figures, not its peer
    assert "BTTTT" not in codes  # merged away in 2025: no longer active
    assert [key for key, _label in response.context["available"]] == ["ministries"]
    assert page(client, sophie, peers="provinces").status_code == 403


def test_a_ministry_officer_has_nothing_to_rank(client, make_user, stub_figures):
    officer = make_user("tuan", home="BKHCN", role=Role.FOCAL_OFFICER, scope="BKHCN")
    response = page(client, officer)
    assert response.status_code == 403
    assert response.context["message"]


def test_a_national_viewer_may_rank_every_commune_of_the_country(client, national, stub_figures, root, org):
    response = page(client, national, peers="communes")
    assert response.status_code == 200
    assert response.context["comparison"].within.code == "BCDTW"
    assert len(response.context["rows"]) == 3321
    assert len(response.context["page"]) == views_rankings.PAGE_SIZE
    assert page(client, national, peers="communes", within=org("P20").pk).status_code == 200


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_formula_is_shown_next_to_the_ranking(client, national, stub_figures):
    html = page(client, national).content.decode()
    formula = html.index('id="rank-formula-h"')
    assert formula < html.index("<table")
    assert "k = 10" in html
    for label in ("On-time completion", "Reporting timeliness", "KPI attainment", "Data quality",
                  "Feedback answered on time"):
        assert label in html
    assert "weight 20%" in html


def test_each_rank_is_explained_in_an_expandable_row(client, national, stub_figures):
    response = page(client, national)
    html = response.content.decode()
    assert html.count('<details class="rank-why">') == 34
    # Lạng Sơn: 9 of 10 on time, peer mean 48/70
    row = next(r for r in response.context["rows"] if r["organisation"].code == "P20")
    on_time = row["cells"][0]
    assert "9 of 10 assignments due were completed on time = 90.0%" in on_time["explanation"]
    assert "no workload" in row["cells"][3]["explanation"]  # no reviews: quality not scored
    assert row["composite"] == round(100 * on_time["score"].adjusted, 1)  # the only measure with a workload


def test_peers_without_workload_are_listed_as_not_ranked(client, national, stub_figures):
    response = page(client, national)
    rows = response.context["rows"]
    unranked = [r for r in rows if r["rank"] is None]
    assert len(unranked) == 34 - response.context["ranked_count"]
    assert all(r["peer"].reason for r in unranked)
    assert rows.index(unranked[0]) == response.context["ranked_count"]  # after every ranked one
    assert "Not ranked: why" in response.content.decode()


def test_the_chart_has_the_table_as_its_alternative(client, national, stub_figures):
    html = page(client, national).content.decode()
    assert '<svg' in html and 'role="img"' in html and 'id="ranking-chart-title"' in html
    assert html.index("<svg") < html.index("<table")


def test_sorting_by_one_measure(client, national, stub_figures):
    response = page(client, national, measure="quality")
    assert response.status_code == 200
    ranked = [r for r in response.context["rows"] if r["rank"] is not None]
    assert [r["organisation"].code for r in ranked] == ["P01"]  # the only province with reviews
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_organisations_link_to_their_dashboard(client, national, stub_figures, org):
    html = page(client, national).content.decode()
    assert f'href="{reverse("dashboards:home")}?scope={org("P20").pk}"' in html


def test_the_page_passes_the_content_security_policy(client, national, stub_figures):
    html = page(client, national).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html


def test_the_window_defaults_to_the_last_twelve_months_and_can_be_chosen(client, national, stub_figures):
    import datetime

    response = page(client, national)
    today = response.context["today"]
    assert response.context["window_end"] == today
    assert response.context["window_start"] == views_rankings.default_window(today)[0]
    response = page(client, national, **{"from": "01/01/2025", "to": "2025-06-30"})
    assert (response.context["window_start"], response.context["window_end"]) == (
        datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert stub_figures[-1]["start"] == datetime.date(2025, 1, 1)


def test_the_default_window_survives_a_leap_day():
    import datetime

    assert views_rankings.default_window(datetime.date(2028, 2, 29)) == (datetime.date(2027, 3, 1),
                                                                         datetime.date(2028, 2, 29))


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"measure": "nonsense"},
    {"peers": "districts"},
    {"within": "abc"},
    {"within": "99999999999999999999999"},
    {"within": "-3"},
    {"within": "99999999"},  # no such organisation
    {"from": "31/02/2025"},
    {"from": "01/01/1900"},
    {"to": "01/01/3000"},
    {"from": "01/06/2025", "to": "01/01/2025"},
    {"format": "pdf"},
])
def test_bad_parameters_give_a_clear_message(client, national, stub_figures, params):
    response = page(client, national, **params)
    assert response.status_code == 400
    assert 'class="errors" role="alert"' in response.content.decode()


def test_communes_are_taken_only_from_a_province(client, national, stub_figures, org):
    response = page(client, national, peers="communes", within=org("X05977").pk)
    assert response.status_code == 400


# --- downloads ---------------------------------------------------------------------------------------------------


def test_the_csv_download_is_the_same_table(client, national, stub_figures):
    response = page(client, national, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 34
    assert header[:3] == ["Rank", "Code", "Organisation"]
    first = body[0]
    assert [row[:2] for row in body[:3]] == [["1", "P01"], ["2", "P79"], ["2", "P20"]]
    assert body[2][3:7] == ["9", "10", "90.0", "79.3"]  # numerator, workload, raw %, adjusted %
    assert body[0][-5] == "80.7"  # the composite


def test_the_excel_download_is_the_same_table(client, national, stub_figures):
    response = page(client, national, format="xlsx", measure="on_time")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = list(sheet.values)
    assert len(values) == 35
    screen = page(client, national, measure="on_time").context["rows"]
    assert [(v[0], v[1]) for v in values[1:]] == [(r["rank"], r["organisation"].code) for r in screen]
    hanoi = next(v for v in values if v[1] == "P01")
    assert hanoi[3:6] == (30, 50, 60.0)
