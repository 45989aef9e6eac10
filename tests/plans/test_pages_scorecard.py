"""The agency scorecard: on-time completion against the original and the revised deadline, overdue
backlog, reporting rates; a date window; one agency's subtree; a ranking of every assignee agency
in the country at a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.orgs.models import Organisation
from nq57.plans import actions
from nq57.plans.models import Assignment, Task

pytestmark = pytest.mark.django_db

S = Assignment.Status
BUDGET = 9  # session, user, grants, two-factor device, plan, visibility, the sums, the names (+ the agency)


@pytest.fixture(autouse=True)
def _setup(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _card(client, user, plan, **params):
    client.force_login(user)
    response = client.get(f"/plans/{plan.pk}/scorecard/", params)
    assert response.status_code == 200, response.context["form"].errors
    rows = {row["code"]: row for row in response.context["page"].paginator.object_list}
    return response, rows


def _window(today):
    # A window of the last year up to today covers the fixture's past deadlines whatever the date.
    return {"date_from": (today - datetime.timedelta(days=365)).strftime("%d/%m/%Y"),
            "date_to": today.strftime("%d/%m/%Y")}


def test_each_assignee_agency_has_its_figures(client, sophie, pages_plan):
    _response, rows = _card(client, sophie, pages_plan.plan, **_window(pages_plan.today))
    assert set(rows) == {"P20", "P01", "BKHCN"}
    assert (rows["P20"]["on_time_revised"], rows["P20"]["due_revised"], rows["P20"]["rate_revised"]) == (1, 1, 1.0)
    assert (rows["P01"]["on_time_revised"], rows["P01"]["due_revised"]) == (0, 1)  # completed late
    assert (rows["BKHCN"]["due_revised"], rows["BKHCN"]["overdue"]) == (1, 1)
    assert rows["P20"]["expected"] > 0 and rows["P20"]["reporting_rate"] == 0.0


def test_an_approved_extension_changes_the_revised_figures_but_not_the_original(client, sophie, pages_plan):
    overdue = pages_plan.assignment("2", "BKHCN")
    request = actions.request_extension(actor=None, assignment=overdue, reason="Chờ thẩm định",
                                        requested_deadline=pages_plan.today + datetime.timedelta(days=60))
    actions.decide_extension(actor=sophie, request=request, approve=True)
    _response, rows = _card(client, sophie, pages_plan.plan, **_window(pages_plan.today))
    bkhcn = rows["BKHCN"]
    assert (bkhcn["due_original"], bkhcn["on_time_original"]) == (1, 0)
    assert bkhcn["due_revised"] == 0 and bkhcn["rate_revised"] is None  # new deadline still ahead
    assert bkhcn["overdue"] == 0


def test_the_scorecard_changes_when_completion_is_verified(client, alice, hanh, sophie, pages_plan, settings,
                                                           tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    assignment = pages_plan.assignment("1", "P20")
    window = {"date_from": "01/01/2000", "date_to": "31/12/2099"}
    _response, before = _card(client, sophie, pages_plan.plan, **window)
    report = actions.save_progress_report(actor=alice, assignment=assignment, period_end=pages_plan.today,
                                          text="Xong", progress=100, self_rating="green", reports_completion=True)
    actions.add_evidence(actor=alice, report=report,
                         uploaded_file=SimpleUploadedFile("sp.pdf", b"%PDF-1.7\n% tiny\n"))
    actions.submit_progress_report(actor=alice, report=report)
    actions.approve_progress_report(actor=hanh, report=report)
    actions.verify_completion(actor=sophie, assignment=assignment)
    _response, after = _card(client, sophie, pages_plan.plan, **window)
    # Completed early: its outcome is known, so it enters the rate although the deadline is ahead.
    assert after["P20"]["due_revised"] == before["P20"]["due_revised"] + 1
    assert after["P20"]["on_time_revised"] == before["P20"]["on_time_revised"] + 1
    assert after["P20"]["received"] == before["P20"]["received"] + 1


def test_the_window_limits_which_deadlines_count(client, sophie, pages_plan):
    long_ago = {"date_from": "01/01/2000", "date_to": "31/12/2000"}
    _response, rows = _card(client, sophie, pages_plan.plan, **long_ago)
    assert all(row["due_revised"] == 0 and row["rate_revised"] is None for row in rows.values())


def test_the_default_window_is_the_current_year(client, sophie, pages_plan):
    response, _rows = _card(client, sophie, pages_plan.plan)
    year = pages_plan.today.year
    assert response.context["window_start"] == datetime.date(year, 1, 1)
    assert response.context["window_end"] == datetime.date(year, 12, 31)


def test_one_agency_and_its_units(client, sophie, pages_plan, org):
    commune = Organisation.objects.filter(parent=org("P20"), kind__in=["commune", "ward"]).first()
    Assignment.objects.create(task=pages_plan.tasks["3"], organisation=commune, status=S.IN_PROGRESS,
                              timeliness=Assignment.Timeliness.OVERDUE, original_deadline=pages_plan.today)
    response, rows = _card(client, sophie, pages_plan.plan, org="Lạng Sơn", **_window(pages_plan.today))
    assert set(rows) == {"P20", commune.code}
    assert response.context["total"]["overdue"] == 1
    assert [a.organisation for a in response.context["overdue"]] == [commune]


def test_an_agency_sees_only_its_own_row(client, alice, pages_plan):
    _response, rows = _card(client, alice, pages_plan.plan)
    assert set(rows) == {"P20"}


@pytest.mark.parametrize("params, field", [
    ({"date_from": "32/01/2025"}, "date_from"), ({"date_to": "abc"}, "date_to"),
    ({"date_from": "01/06/2025", "date_to": "01/01/2025"}, "date_to"),
    ({"org": "Không có cơ quan này"}, "org"), ({"sort": "luck"}, "sort"),
])
def test_bad_input_is_a_message_not_a_500(client, sophie, pages_plan, params, field):
    client.force_login(sophie)
    response = client.get(f"/plans/{pages_plan.plan.pk}/scorecard/", params)
    assert response.status_code == 400 and field in response.context["form"].errors


@pytest.mark.parametrize("sort", ["rate_revised", "rate_original", "overdue", "reporting_rate", "name"])
def test_every_ranking_order_works(client, sophie, pages_plan, sort):
    response, _rows = _card(client, sophie, pages_plan.plan, sort=sort, **_window(pages_plan.today))
    ranking = response.context["page"].paginator.object_list
    assert [row["position"] for row in ranking] == [1, 2, 3]
    if sort == "overdue":
        assert ranking[0]["code"] == "BKHCN"
    if sort == "rate_revised":
        assert ranking[0]["code"] == "P20"


def test_ranking_every_organisation_in_the_country_costs_a_constant_number_of_queries(
        client, sophie, pages_plan, django_assert_max_num_queries):
    url = f"/plans/{pages_plan.plan.pk}/scorecard/"
    client.force_login(sophie)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response

    few, _response = count()
    task = Task.objects.create(plan=pages_plan.plan, code="ALL", title="Nhiệm vụ cho mọi cơ quan", sort_order=99)
    agencies = Organisation.objects.exclude(kind="category")
    Assignment.objects.bulk_create([Assignment(task=task, organisation=o, original_deadline=pages_plan.today)
                                    for o in agencies])
    many, response = count()
    assert many == few
    assert response.context["page"].paginator.count == agencies.count() > 3400
    with django_assert_max_num_queries(BUDGET):
        client.get(url, {"page": "3"})
