"""Every plan page four ways: anonymous, an account without a role, a role in scope, a role out of scope.

The target is Lạng Sơn's own plan (owned by the province, assigning work to its Department of Science
and Technology): alice (focal officer of Lạng Sơn) is in scope, charlie (Hà Nội) is not, dave has no role.
For the pages that need the right to assign, lan (standing office of Lạng Sơn) is in scope and
minh (standing office of Hà Nội) is not.
"""

import datetime

import pytest

from nq57.plans import actions
from nq57.plans.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

PERSONAS = ["anonymous", "no_role", "in_scope", "out_of_scope"]
CAST = {"view": ("alice", "charlie"), "assign": ("lan", "minh")}
LOGIN = "login"
SCOPED = {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 403}
LOGGED_IN = {"anonymous": LOGIN, "no_role": 200, "in_scope": 200, "out_of_scope": 200}


@pytest.fixture
def province_plan(db, org):
    """Lạng Sơn's own plan with one task led by its Department of Science and Technology."""
    plan = actions.create_plan(actor=None, kind="plan", number="12/KH-UBND", title="Kế hoạch chuyển đổi số tỉnh",
                               issuer=org("P20"), owner=org("P20"), issued_on=datetime.date(2025, 3, 1))
    task = actions.create_task(actor=None, plan=plan, code="1", title="Số hóa hồ sơ thủ tục hành chính",
                               deadline_text="12/2025", product_text="Kho dữ liệu", lead=[org("P20-SKHCN")],
                               lead_text="Sở Khoa học và Công nghệ")
    return plan, task, Assignment.objects.get(task=task)


def _targets(province_plan):
    plan, task, assignment = province_plan
    return {
        "plans:list": ("/plans/", "view", LOGGED_IN),
        "plans:new": ("/plans/new/", "assign", {"anonymous": LOGIN, "no_role": 403, "in_scope": 200,
                                                "out_of_scope": 200}),
        "plans:add_task": (f"/plans/{plan.pk}/tasks/new/", "assign", SCOPED),
        "plans:my_work": ("/plans/my-work/", "view", LOGGED_IN),
        "plans:overview": (f"/plans/{plan.pk}/", "view", SCOPED),
        "plans:tasks": (f"/plans/{plan.pk}/tasks/", "view", SCOPED),
        "plans:tasks_export": (f"/plans/{plan.pk}/tasks/export/", "view", SCOPED),
        "plans:scorecard": (f"/plans/{plan.pk}/scorecard/", "view", SCOPED),
        "plans:task": (f"/plans/tasks/{task.pk}/", "view", SCOPED),
        "plans:assignment": (f"/plans/assignments/{assignment.pk}/", "view", SCOPED),
    }


PAGES = ["plans:list", "plans:new", "plans:add_task", "plans:my_work", "plans:overview", "plans:tasks",
         "plans:tasks_export", "plans:scorecard", "plans:task", "plans:assignment"]


@pytest.fixture
def as_persona(client, request, alice):
    def login(persona, cast):
        if persona != "anonymous":
            name = {"no_role": "dave", "in_scope": CAST[cast][0], "out_of_scope": CAST[cast][1]}[persona]
            client.force_login(request.getfixturevalue(name))
        return client

    return login


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PAGES)
def test_each_plan_page_answers_each_persona_as_expected(as_persona, province_plan, persona, name):
    url, cast, expected = _targets(province_plan)[name]
    response = as_persona(persona, cast).get(url)
    if expected[persona] == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected[persona], (name, persona)


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("in_scope", 400), ("out_of_scope", 403)])
def test_posting_to_an_assignment_answers_each_persona_as_expected(as_persona, province_plan, persona, expected):
    # In scope, an empty POST names no operation: the page comes back with a message, not a 500.
    _plan, _task, assignment = province_plan
    response = as_persona(persona, "view").post(f"/plans/assignments/{assignment.pk}/", {})
    if expected == LOGIN:
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("in_scope", 400), ("out_of_scope", 403)])
def test_posting_a_new_task_answers_each_persona_as_expected(as_persona, province_plan, persona, expected):
    plan, _task, _assignment = province_plan
    response = as_persona(persona, "assign").post(f"/plans/{plan.pk}/tasks/new/", {})
    if expected == LOGIN:
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who, sees", [("dave", False), ("alice", True), ("lan", True), ("charlie", False),
                                      ("minh", False)])
def test_the_plan_list_shows_a_province_plan_only_within_the_province(client, request, province_plan, who, sees):
    client.force_login(request.getfixturevalue(who))
    plans = list(client.get("/plans/").context["page"])
    assert (province_plan[0] in plans) is sees


def test_a_superuser_sees_every_plan(client, province_plan, make_user):
    boss = make_user("boss", is_superuser=True)
    client.force_login(boss)
    assert province_plan[0] in list(client.get("/plans/").context["page"])
    assert client.get(f"/plans/{province_plan[0].pk}/").status_code == 200


def test_an_agency_sees_a_national_plan_through_its_own_assignments_only(client, alice, charlie, pages_plan):
    client.force_login(alice)
    assert pages_plan.plan in list(client.get("/plans/").context["page"])
    rows = list(client.get(f"/plans/{pages_plan.plan.pk}/tasks/").context["page"])
    assert {a.organisation.code for a in rows} == {"P20"}
    # A task with no Lạng Sơn assignment is not alice's to open.
    assert client.get(f"/plans/tasks/{pages_plan.tasks['3'].pk}/").status_code == 403
    assert client.get(f"/plans/assignments/{pages_plan.assignment('3', 'P01').pk}/").status_code == 403
    client.force_login(charlie)
    assert {a.organisation.code for a in client.get(f"/plans/{pages_plan.plan.pk}/tasks/").context["page"]} == {"P01"}


@pytest.mark.parametrize("url", ["/plans/999999/", "/plans/999999/tasks/", "/plans/999999/tasks/export/",
                                 "/plans/999999/scorecard/", "/plans/999999/tasks/new/", "/plans/tasks/999999/",
                                 "/plans/assignments/999999/", "/plans/99999999999999999999/"])
def test_missing_objects_are_404_not_500(client, alice, url):
    client.force_login(alice)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who, sees_menu", [(None, False), ("dave", True), ("alice", True)])
def test_the_plans_and_my_work_menus_show_to_logged_in_people(client, request, who, sees_menu):
    if who:
        client.force_login(request.getfixturevalue(who))
    body = client.get("/").content.decode()
    assert ('href="/plans/"' in body) is sees_menu
    assert ('href="/plans/my-work/"' in body) is sees_menu
