"""The task list: per assignment or per task, every filter, search with or without diacritics,
pagination that keeps the filters, bad input answered with a message, and a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.orgs.models import Organisation
from nq57.plans.filters import refresh_search_text, task_search_text
from nq57.plans.models import Assignment, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

S = Assignment.Status
BUDGET = 11  # session, user, grants, two-factor device, plan, visibility, groups, agency, count, page, rows


@pytest.fixture
def tasks_page(client, sophie, pages_plan):
    client.force_login(sophie)
    url = f"/plans/{pages_plan.plan.pk}/tasks/"

    def get(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.context["form"].errors if response.context else response
        return response

    def pairs(**params):
        return [(a.task.code, a.organisation.code) for a in get(**params).context["page"]]

    def codes(**params):
        return [t.code for t in get(view="tasks", **params).context["page"]]

    get.pairs, get.codes, get.url = pairs, codes, url
    return get


def test_one_row_per_assignment_leads_first(tasks_page):
    assert tasks_page.pairs() == [("1", "P20"), ("1", "P01"), ("2", "BKHCN"), ("2", "P01"), ("3", "P01"),
                                  ("4", "P20")]


def test_one_row_per_task_with_its_assignments_summarised(tasks_page):
    page = tasks_page(view="tasks").context["page"]
    assert [t.code for t in page] == ["1", "2", "3", "4"]
    task_two = page[1]
    assert task_two.summary == {"n": 2, "completed": 1, "overdue": 1, "at_risk": 0, "pending": 0}


@pytest.mark.parametrize("params, expected", [
    ({"agency": "P20"}, [("1", "P20"), ("4", "P20")]),
    ({"agency": "Lạng Sơn"}, [("1", "P20"), ("4", "P20")]),
    ({"agency": "lang son"}, [("1", "P20"), ("4", "P20")]),
    ({"agency": "Hà Nội", "role": "lead"}, [("2", "P01"), ("3", "P01")]),
    ({"agency": "thanh pho ha noi", "role": "lead"}, [("2", "P01"), ("3", "P01")]),
    ({"agency": "Bộ Khoa học và Công nghệ"}, [("2", "BKHCN")]),
    ({"role": "coordinating"}, [("1", "P01")]),
    ({"status": ["completed"]}, [("2", "P01"), ("4", "P20")]),
    ({"status": ["completed", "not_started"]}, [("1", "P01"), ("2", "P01"), ("3", "P01"), ("4", "P20")]),
    ({"timeliness": ["overdue"]}, [("2", "BKHCN")]),
    ({"timeliness": ["completed_late", "completed_on_time"]}, [("2", "P01"), ("4", "P20")]),
])
def test_the_assignment_filters(tasks_page, params, expected):
    assert tasks_page.pairs(**params) == expected


def test_the_agency_filter_includes_the_agencys_units_and_communes(tasks_page, pages_plan, org):
    from nq57.plans import actions

    commune = Organisation.objects.filter(parent=org("P20"), kind__in=["commune", "ward"]).first()
    actions.create_subtask(actor=None, assignment=pages_plan.assignment("1", "P20"), organisation=commune,
                           title="Số hóa hồ sơ của xã")
    assert tasks_page.pairs(agency="P20") == [("1", "P20"), ("4", "P20")]  # sub-tasks are hidden by default
    assert tasks_page.pairs(agency="P20", subtasks="on") == [("1", "P20"), ("1", commune.code), ("4", "P20")]
    assert tasks_page.pairs(agency=commune.code, subtasks="on") == [("1", commune.code)]


def test_the_group_and_incomplete_filters(tasks_page, pages_plan):
    group_two = pages_plan.groups["II"].pk
    assert tasks_page.codes(group=group_two) == ["3", "4"]
    assert tasks_page.pairs(group=group_two) == [("3", "P01"), ("4", "P20")]
    incomplete = list(Task.objects.filter(plan=pages_plan.plan, is_incomplete=True).values_list("code", flat=True))
    assert "3" in incomplete  # no deadline, no product
    assert tasks_page.codes(incomplete="on") == sorted(incomplete)


def test_the_deadline_range_uses_dd_mm_yyyy_and_the_deadline_in_force(tasks_page, pages_plan):
    today = pages_plan.today
    start, end = today.replace(day=1) if today.day > 1 else today, today
    in_range = tasks_page.pairs(deadline_from=f"{(today.replace(month=1, day=1)):%d/%m/%Y}",
                                deadline_to=f"{today:%d/%m/%Y}")
    assert ("2", "BKHCN") in in_range and ("1", "P20") not in in_range  # overdue vs due in 120 days
    # An approved extension moves an assignment out of the range: the filter reads the deadline in force.
    Assignment.objects.filter(pk=pages_plan.assignment("2", "BKHCN").pk).update(revised_deadline=end.replace(
        year=end.year + 1))
    assert ("2", "BKHCN") not in tasks_page.pairs(deadline_from=f"{start.replace(month=1, day=1):%d/%m/%Y}",
                                                  deadline_to=f"{end:%d/%m/%Y}")


@pytest.mark.parametrize("query, expected", [
    ("nền tảng", ["1"]),
    ("nen tang", ["1"]),
    ("NEN TANG", ["1"]),
    ("khoa hoc, cong nghe", ["2"]),
    ("Bộ Khoa học", ["2"]),  # the lead agency as written
    ("nghị định", ["2"]),  # the expected product
    ("4", ["4"]),  # a code
    ("không có", []),
])
def test_text_search_works_with_or_without_diacritics(tasks_page, query, expected):
    assert tasks_page.codes(q=query) == expected


def test_the_folded_search_column_is_kept_by_refresh_search_text(pages_plan):
    task = pages_plan.tasks["1"]
    assert "nen tang so" in task.search_text and "xay dung" in task.search_text
    Task.objects.filter(pk=task.pk).update(title="Đào tạo kỹ năng số")
    task.refresh_from_db()
    assert refresh_search_text(Task.objects.filter(pk=task.pk)) == 1
    task.refresh_from_db()
    assert task.search_text == task_search_text(task) and "dao tao ky nang so" in task.search_text
    assert refresh_search_text(Task.objects.filter(pk=task.pk)) == 0  # nothing left to change


def test_assignment_filters_in_the_per_task_view_keep_tasks_with_a_matching_assignment(tasks_page):
    assert tasks_page.codes(agency="P20") == ["1", "4"]
    assert tasks_page.codes(timeliness=["overdue"]) == ["2"]


def test_an_agency_lists_only_its_own_assignments(client, alice, pages_plan):
    client.force_login(alice)
    page = client.get(f"/plans/{pages_plan.plan.pk}/tasks/", {"agency": "P01"}).context["page"]
    assert list(page) == []  # Hà Nội's assignments stay hidden even when asked for by name


@pytest.mark.parametrize("params, field", [
    ({"deadline_from": "31/02/2025"}, "deadline_from"),
    ({"deadline_from": "2025-13-01"}, "deadline_from"),
    ({"deadline_from": "01/06/2025", "deadline_to": "01/01/2025"}, "deadline_to"),
    ({"status": ["finished"]}, "status"),
    ({"timeliness": ["late"]}, "timeliness"),
    ({"group": "abc"}, "group"),
    ({"group": "99999999999999999999999"}, "group"),
    ({"view": "everything"}, "view"),
    ({"agency": "Không có cơ quan nào tên này"}, "agency"),
    ({"agency": "Sở Khoa học và Công nghệ"}, "agency"),  # one per province: ambiguous, the codes are listed
    ({"q": "x" * 500}, "q"),
    ({"q": "nền\x00tảng"}, "q"),  # PostgreSQL refuses NUL; the form says so first
    ({"agency": "\x00"}, "agency"),
])
def test_bad_filters_are_answered_with_a_message_not_a_500(client, sophie, pages_plan, params, field):
    client.force_login(sophie)
    response = client.get(f"/plans/{pages_plan.plan.pk}/tasks/", params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Some filters could not be read" in response.content.decode()


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "99999"}, {"page": "-1"}, {"incomplete": "maybe"},
                                    {"agency": "   "}, {"q": "%_%"}])
def test_odd_values_still_give_a_page(client, sophie, pages_plan, params):
    client.force_login(sophie)
    assert client.get(f"/plans/{pages_plan.plan.pk}/tasks/", params).status_code == 200


def test_an_ambiguous_agency_name_lists_the_codes_to_type(client, sophie, pages_plan):
    client.force_login(sophie)
    response = client.get(f"/plans/{pages_plan.plan.pk}/tasks/", {"agency": "Sở Khoa học và Công nghệ"})
    message = response.context["form"].errors["agency"][0]
    assert message.count("-SKHCN)") == 8  # the first eight, each with the code to type


def _grow(plan, n_tasks, per_task):
    agencies = list(Organisation.objects.filter(kind__in=["commune", "ward"]).order_by("path")[:per_task])
    tasks = Task.objects.bulk_create([Task(plan=plan, code=f"X{i}", title=f"Nhiệm vụ {i}", sort_order=100 + i,
                                           search_text=f"nhiem vu {i}") for i in range(n_tasks)])
    Assignment.objects.bulk_create([Assignment(task=t, organisation=a, status=S.IN_PROGRESS)
                                    for t in tasks for a in agencies])


def _count(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("params", [{}, {"view": "tasks"}, {"agency": "P20", "q": "nhiem vu", "status": "in_progress"},
                                    {"view": "tasks", "timeliness": "at_risk", "incomplete": "on"}])
def test_the_list_costs_the_same_queries_for_a_few_rows_or_thousands(
        client, sophie, pages_plan, params, django_assert_max_num_queries):
    client.force_login(sophie)
    url = f"/plans/{pages_plan.plan.pk}/tasks/"
    small = _count(client, url, params)
    _grow(pages_plan.plan, 120, 60)
    assert _count(client, url, params) == small
    with django_assert_max_num_queries(BUDGET):
        client.get(url, params)


def test_pages_keep_the_filters(client, sophie, pages_plan):
    _grow(pages_plan.plan, 60, 2)
    client.force_login(sophie)
    url = f"/plans/{pages_plan.plan.pk}/tasks/"
    first = client.get(url, {"q": "nhiem vu", "status": "in_progress"})
    assert first.context["page"].paginator.count == 120
    body = first.content.decode()
    assert "q=nhiem+vu&amp;status=in_progress&amp;page=2" in body
    second = client.get(url, {"q": "nhiem vu", "status": "in_progress", "page": "2"})
    assert len(second.context["page"]) == 50 and second.context["page"].number == 2
