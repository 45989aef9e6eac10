"""The rankings page on real data (the shared `dash_data` set, the real `org_figures`): the numbers shown are
the figures of each peer's subtree, and the page costs the same number of queries for 3,321 communes as for a
handful."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nq57.core.roles import Role
from nq57.dashboards.figures import org_figures
from nq57.orgs.models import COMMUNE_KINDS, Organisation

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:rankings")


@pytest.fixture
def national(make_user):
    return make_user("nguyen", home="BCDTW", role=Role.LEADER, scope="BCDTW")


def page(client, user, **params):
    client.force_login(user)
    client.cookies["nq57_language"] = "en"
    return client.get(URL, params)


def row_of(response, code):
    return next(r for r in response.context["rows"] if r["organisation"].code == code)


def numbers(row, key):
    cell = next(c for c in row["cells"] if c["measure"].key == key)
    return cell["score"].numerator, cell["score"].denominator


def test_the_provinces_are_ranked_on_their_subtrees_figures(client, national, dash_data):
    response = page(client, national)
    assert response.status_code == 200
    lang_son, ha_noi = row_of(response, "P20"), row_of(response, "P01")
    # Lạng Sơn's subtree: a5 (overdue) and a12 (late) and a6 (on time) are due; a1, a7 not yet; a8 has no deadline.
    assert numbers(lang_son, "on_time") == (1, 3)
    assert numbers(ha_noi, "on_time") == (0, 2)  # a4 completed late, a11 overdue
    # Feedback: f1 on time, f2 late, f4 open past its due date (counts against); f8 is outside the window.
    assert numbers(lang_son, "feedback") == (1, 3)
    assert numbers(ha_noi, "feedback") == (1, 1)
    assert response.context["ranked_count"] == 2
    assert {r["rank"] for r in response.context["rows"] if r["organisation"].code not in ("P01", "P20")} == {None}


def test_every_number_shown_is_the_figures_of_the_subtree(client, national, dash_data):
    response = page(client, national)
    start, end, today = (response.context[k] for k in ("window_start", "window_end", "today"))
    provinces = [r["organisation"] for r in response.context["rows"]]
    figures = org_figures(provinces, today=today, window_start=start, window_end=end)
    for row in response.context["rows"]:
        f = figures[row["organisation"].pk]
        assert numbers(row, "on_time") == (f.on_time, f.due)
        assert numbers(row, "reporting") == (f.reports_on_time + f.values_on_time, f.reports_expected + f.values_due)
        assert numbers(row, "kpi") == (pytest.approx(f.kpi_attainment_sum), f.kpi_assessed)
        assert numbers(row, "quality") == (f.quality_ok, f.quality_checked)
        assert numbers(row, "feedback") == (f.feedback_on_time, f.feedback_answered + f.feedback_open_overdue)


def test_the_ministries_are_ranked_for_the_government_office(client, sophie, dash_data):
    response = page(client, sophie)
    assert response.status_code == 200 and response.context["key"] == "ministries"
    science = row_of(response, "BKHCN")
    assert numbers(science, "on_time") == (0, 1)  # a3 overdue
    assert numbers(science, "feedback") == (1, 1)  # f7
    assert science["rank"] is not None


def test_a_province_sees_its_communes_and_why_they_are_not_ranked(client, alice, dash_data):
    response = page(client, alice)
    assert response.status_code == 200
    assert response.context["comparison"].within.code == "P20"
    commune = row_of(response, "X05977")
    assert numbers(commune, "on_time") == (0, 0)  # a7 is due in ten days: not yet counted
    if response.context["ranked_count"] == 0:
        assert "No workload on any measure in the window." in response.content.decode()
    assert page(client, alice, peers="provinces").status_code == 403


def test_the_download_has_the_numbers_of_the_page(client, national, dash_data):
    response = page(client, national, format="csv")
    body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    lang_son = next(line for line in body if line[1] == "P20")
    assert lang_son[3:6] == ["1", "3", "33.3"]


def test_a_window_before_the_data_counts_only_the_feedback_backlog(client, national, dash_data):
    response = page(client, national, **{"from": "01/01/2020", "to": "31/12/2020"})
    assert response.status_code == 200
    # Nothing was due, reported or received in 2020; f4, open past its due date today, still counts against.
    assert response.context["ranked_count"] == 1
    lang_son = response.context["rows"][0]
    assert lang_son["organisation"].code == "P20"
    assert numbers(lang_son, "on_time") == (0, 0) and numbers(lang_son, "feedback") == (0, 1)
    assert lang_son["composite"] == 0.0  # one measure left, its weight renormalised to 100 %


def smallest_province():
    """The province with the fewest communes."""
    from django.db.models import Count, Q

    return (Organisation.objects.active().filter(kind__in=["city", "province"])
            .annotate(n=Count("children", filter=Q(children__kind__in=COMMUNE_KINDS))).order_by("n", "pk").first())


def test_the_page_costs_the_same_queries_for_3321_communes_as_for_a_few(client, national, dash_data):
    small = smallest_province()
    client.force_login(national)
    client.get(URL, {"peers": "communes", "within": small.pk})  # warm the session and caches
    counts = {}
    for label, within in (("few", small.pk), ("all", Organisation.objects.get(code="BCDTW").pk)):
        params = {"peers": "communes", "within": within}
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, params)
        assert response.status_code == 200
        counts[label] = (len(captured), len(response.context["rows"]))
    assert counts["all"][1] == 3321 and counts["few"][1] < 200
    assert counts["few"][0] == counts["all"][0], counts


def test_the_provinces_and_the_ministries_cost_a_constant_number_of_queries(client, national, dash_data):
    client.force_login(national)
    client.get(URL)
    counts = []
    for peers in ("provinces", "ministries"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"peers": peers}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 30, counts
