"""The early-warning page /dashboards/warnings/: who may open which scope (four ways), the filters by kind and by
agency, bad parameters, the CSV export, the dashboard panel, and a constant number of queries."""

import csv
import datetime
import io
import itertools

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from nq57.dashboards.warnings import early_warnings
from nq57.feedback.models import Field, State, Submission
from nq57.plans.models import Assignment, Plan, Task

pytestmark = pytest.mark.django_db

URL = "/dashboards/warnings/"
DAY = datetime.timedelta(days=1)
T = Assignment.Timeliness


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def late_work(org, today):
    """make(n, agency): n assignments behind schedule (due within 10 days, 5 % done) and n submissions routed
    to the wrong agency three times, for `agency`."""
    plan, _created = Plan.objects.get_or_create(title="Kế hoạch thử trang cảnh báo", defaults={
        "issuer": org("CP"), "owner": org("CP"), "issued_on": today - 100 * DAY})
    field, _created = Field.objects.get_or_create(code="dash-warnings-page", defaults={"name": "Cảnh báo"})
    numbers = itertools.count(Task.objects.count() + 1)

    def make(n, agency="P20"):
        organisation = org(agency)
        for _i in range(n):
            number = next(numbers)
            task = Task.objects.create(plan=plan, code=f"P{number}", title=f"Việc chậm {agency} số {number}")
            Assignment.objects.create(task=task, organisation=organisation, status="in_progress", progress=5,
                                      timeliness=T.AT_RISK, start_date=today - 60 * DAY,
                                      original_deadline=today + 10 * DAY, last_report_on=today - 5 * DAY)
            Submission.objects.create(
                code=f"PAKN-2030-{number}", year=2030, number=number, access_key_hash="x", kind="comment",
                field=field, title=f"Góp ý chuyển sai {agency} số {number}", content="x", submitter_name="x",
                address="x", intake=organisation, holder=organisation, lead_agency=organisation,
                state=State.ROUTED, stage="accept", misroute_count=3, due_date=today + 30 * DAY,
                received_at=timezone.now())

    return make


# --- who may see what --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get(URL, {"scope": org("P20").pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_user_without_a_role_is_refused(client, dave, org):
    client.force_login(dave)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"scope": org("P20").pk}).status_code == 403


@pytest.mark.parametrize("who", ["alice", "lan"])
def test_lang_son_sees_its_own_warnings(client, request, org, late_work, who):
    late_work(2, "P20")
    late_work(1, "P01")
    client.force_login(request.getfixturevalue(who))
    for params in ({}, {"scope": org("P20").pk}):  # the default scope is the province
        response = client.get(URL, params)
        assert response.status_code == 200
        assert response.context["scope"] == org("P20")
        body = response.content.decode()
        assert "Việc chậm P20" in body and "Góp ý chuyển sai P20" in body
        assert "P01" not in " ".join(w.subject for w in response.context["warnings"])
        assert len(response.context["warnings"]) == 4


@pytest.mark.parametrize("who", ["charlie", "minh"])
def test_ha_noi_may_not_open_lang_son(client, request, org, late_work, who):
    late_work(1, "P20")
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL, {"scope": org("P20").pk}).status_code == 403
    assert client.get(URL, {"scope": org("P20-SKHCN").pk}).status_code == 403
    response = client.get(URL)  # their own province by default, without Lạng Sơn's work
    assert response.status_code == 200 and response.context["scope"] == org("P01")
    assert "Việc chậm P20" not in response.content.decode()


def test_a_province_may_not_open_the_nation(client, alice, org):
    client.force_login(alice)
    assert client.get(URL, {"scope": org("BCDTW").pk}).status_code == 403
    # and the selector does not offer it
    response = client.get(URL)
    offered = [o.pk for _label, members in response.context["scopes"] for o in members]
    assert org("BCDTW").pk not in offered and org("P20").pk in offered


def test_national_viewers_default_to_the_nation(client, tam, org, late_work):
    late_work(1, "P20")
    late_work(1, "P01")
    client.force_login(tam)
    response = client.get(URL)
    assert response.context["scope"] == org("BCDTW")
    assert response.context["warning_counts"].total == 4


# --- filters and parameters --------------------------------------------------------------------------------


def test_the_kind_filter_and_the_chips(client, alice, org, late_work):
    late_work(2, "P20")
    client.force_login(alice)
    response = client.get(URL, {"kind": "repeated_misrouting"})
    assert response.status_code == 200
    assert {w.kind for w in response.context["warnings"]} == {"repeated_misrouting"}
    counts = response.context["warning_counts"]
    assert (counts["behind_schedule"], counts["repeated_misrouting"], counts.total) == (2, 2, 4)
    body = response.content.decode()
    assert 'href="?kind=behind_schedule"' in body and 'aria-current="page"' in body


def test_the_agency_filter(client, lan, org, late_work):
    late_work(1, "P20")
    late_work(2, "P20-SKHCN")
    client.force_login(lan)
    department = org("P20-SKHCN")
    response = client.get(URL, {"scope": org("P20").pk, "agency": department.pk})
    assert response.status_code == 200
    assert {w.agency.pk for w in response.context["warnings"]} == {department.pk}
    assert response.context["warning_counts"].total == 4
    # each agency name filters to it
    assert f"agency={department.pk}" in client.get(URL).content.decode()


@pytest.mark.parametrize("params", [
    {"scope": "abc"}, {"scope": "0"}, {"scope": "99999999999999"}, {"kind": "everything"}, {"agency": "x"},
    {"format": "pdf"}, {"agency": "-1"},
])
def test_bad_parameters_are_a_clear_400(client, alice, params):
    client.force_login(alice)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert 'class="errors"' in response.content.decode()


def test_an_agency_outside_the_scope_is_refused(client, alice, org):
    client.force_login(alice)
    response = client.get(URL, {"scope": org("P20").pk, "agency": org("P01").pk})
    assert response.status_code == 400
    assert "not inside the chosen scope" in response.content.decode()


def test_an_unknown_scope_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(URL, {"scope": 2**31 - 1}).status_code == 404


# --- export and panel --------------------------------------------------------------------------------------


def test_the_csv_export_has_the_rows_of_the_page(client, alice, org, late_work):
    late_work(2, "P20")
    client.force_login(alice)
    response = client.get(URL, {"format": "csv", "kind": "behind_schedule"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2
    assert all(row[-1].startswith("http://testserver/plans/assignments/") for row in rows[1:])
    assert all("Việc chậm P20" in row[2] for row in rows[1:])


def test_the_dashboard_panel_renders_the_top_warnings(org, late_work, today):
    late_work(12, "P20")
    scope = org("P20")
    with translation.override("en"):
        warnings, counts = early_warnings(scope, today=today, limit=10)
        html = render_to_string("dashboards/_warnings_panel.html",
                                {"warnings": warnings, "warning_counts": counts, "scope": scope})
    assert html.count("<tr>") == 1 + 10
    assert f"/dashboards/warnings/?scope={scope.pk}&amp;kind=repeated_misrouting" in html
    assert "See all 24 warnings" in html


def test_the_panel_alone_follows_the_same_rules(client, alice, charlie, dave, org, late_work):
    late_work(12, "P20")
    panel = reverse("dashboards:warnings_panel")
    lang_son = org("P20").pk
    assert client.get(panel, {"scope": lang_son}).status_code == 302
    client.force_login(dave)
    assert client.get(panel, {"scope": lang_son}).status_code == 403
    client.force_login(charlie)
    assert client.get(panel, {"scope": lang_son}).status_code == 403
    client.force_login(alice)
    response = client.get(panel, {"scope": lang_son})
    assert response.status_code == 200
    assert len(response.context["warnings"]) == 10 and response.context["warning_counts"].total == 24
    assert "<html" not in response.content.decode()  # a fragment
    assert client.get(panel, {"scope": "x"}).status_code == 400


# --- query budget ------------------------------------------------------------------------------------------


def test_the_page_costs_a_constant_number_of_queries(client, lan, org, late_work):
    client.force_login(lan)
    late_work(2, "P20")
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, {"scope": org("P20").pk}).status_code == 200
    late_work(40, "P20-SKHCN")
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL, {"scope": org("P20").pk})
    assert response.context["warning_counts"].total == 84
    assert len(large.captured_queries) == len(small.captured_queries)
