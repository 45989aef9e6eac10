"""The plan overview: counts per group by status and timeliness, links to the filtered task list,
and a constant number of queries however many tasks and assignments the plan has."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.orgs.models import Organisation
from nq57.plans.models import Assignment, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

S = Assignment.Status
T = Assignment.Timeliness
BUDGET = 10  # session, user, grants, two-factor device, plan, visibility, groups, two aggregates, implementing


def _row(response, code):
    return next(r for r in response.context["rows"] if r["group"] and r["group"].code == code)


def test_the_standing_office_sees_every_group_counted_by_status_and_timeliness(client, sophie, pages_plan):
    client.force_login(sophie)
    response = client.get(f"/plans/{pages_plan.plan.pk}/")
    group_one, group_two = _row(response, "I"), _row(response, "II")
    assert (group_one["tasks"], group_one["assignments"]) == (2, 4)
    assert group_one["status"][S.IN_PROGRESS] == 2 and group_one["status"][S.COMPLETED] == 1
    assert group_one["timeliness"][T.OVERDUE] == 1 and group_one["timeliness"][T.COMPLETED_LATE] == 1
    assert group_two["timeliness"][T.COMPLETED_ON_TIME] == 1 and group_two["timeliness"][T.NOT_APPLICABLE] == 1
    total = response.context["total"]
    assert (total["tasks"], total["assignments"]) == (4, 6)
    assert total["incomplete"] == Task.objects.filter(plan=pages_plan.plan, is_incomplete=True).count() >= 1


def test_every_count_links_to_the_task_list_filtered_the_same_way(client, sophie, pages_plan):
    client.force_login(sophie)
    plan = pages_plan.plan
    body = client.get(f"/plans/{plan.pk}/").content.decode()
    group = pages_plan.groups["I"].pk
    link = f'/plans/{plan.pk}/tasks/?group={group}&amp;timeliness=overdue">1<'
    assert link in body
    # Following it lists exactly the overdue assignment of group I.
    rows = list(client.get(f"/plans/{plan.pk}/tasks/", {"group": group, "timeliness": "overdue"}).context["page"])
    assert [(a.task.code, a.organisation.code) for a in rows] == [("2", "BKHCN")]
    # And the incomplete-task count links to the per-task list of incomplete tasks.
    incomplete = re.search(rf'/plans/{plan.pk}/tasks/\?view=tasks&amp;incomplete=on">(\d+)<', body)
    tasks = list(client.get(f"/plans/{plan.pk}/tasks/", {"view": "tasks", "incomplete": "on"}).context["page"])
    assert int(incomplete.group(1)) == len(tasks) and all(t.is_incomplete for t in tasks)


def test_an_agency_counts_only_its_own_assignments(client, alice, pages_plan):
    client.force_login(alice)
    response = client.get(f"/plans/{pages_plan.plan.pk}/")
    total = response.context["total"]
    assert total["assignments"] == 2  # Lạng Sơn leads tasks 1 and 4
    assert total["tasks"] == 2
    assert "You see the tasks and assignments of your own agencies" in response.content.decode()


def test_the_overview_shows_the_chain_of_documents_it_implements(client, sophie, pages_plan, org):
    from nq57.plans import actions

    child = actions.create_plan(actor=None, kind="plan", number="45/KH-BKHCN", title="Kế hoạch của Bộ",
                                issuer=org("BKHCN"), owner=org("CP"), implements=pages_plan.plan)
    client.force_login(sophie)
    body = client.get(f"/plans/{child.pk}/").content.decode()
    assert f'href="/plans/{pages_plan.plan.pk}/">03/NQ-CP</a>' in body
    parent_page = client.get(f"/plans/{pages_plan.plan.pk}/")
    assert child in list(parent_page.context["implementing"])


def _grow(plan, groups, n_tasks, per_task):
    """Add n_tasks tasks, each assigned to per_task provinces or communes, straight into the tables."""
    agencies = list(Organisation.objects.filter(kind__in=["commune", "ward"]).order_by("path")[:per_task])
    group_list = list(groups.values())
    tasks = Task.objects.bulk_create([Task(plan=plan, group=group_list[i % len(group_list)], code=f"X{i}",
                                           title=f"Nhiệm vụ {i}", sort_order=100 + i) for i in range(n_tasks)])
    Assignment.objects.bulk_create([Assignment(task=t, organisation=a, status=S.IN_PROGRESS, timeliness=T.AT_RISK)
                                    for t in tasks for a in agencies])


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_overview_costs_the_same_queries_for_six_or_thousands_of_assignments(
        client, sophie, pages_plan, django_assert_max_num_queries):
    client.force_login(sophie)
    url = f"/plans/{pages_plan.plan.pk}/"
    small = _count(client, url)
    _grow(pages_plan.plan, pages_plan.groups, 40, 100)
    large = _count(client, url)
    assert small == large
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
    assert response.context["total"]["assignments"] == 6 + 4000
