"""The plan list, a new plan (a province tracks its own documents) and a new task whose agencies are
typed as the document writes them and resolved by name, with what does not resolve shown on the form."""

import pytest

from nq57.audit.models import AuditEvent
from nq57.core.roles import Role
from nq57.core.text import fold
from nq57.plans.models import Assignment, Plan, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def lan(make_user):
    """Standing office of Lạng Sơn: administers the province's own plans."""
    return make_user("lan", home="P20", role=Role.STANDING_OFFICE, scope="P20", full_name="Lan Văn phòng tỉnh")


def _new_plan(client, **overrides):
    data = {"kind": "plan", "number": "12/KH-UBND", "title": "Kế hoạch chuyển đổi số tỉnh Lạng Sơn",
            "issuer": "P20", "owner": "Lạng Sơn", "issued_on": "01/03/2025", "reporting_frequency": "month"}
    data.update(overrides)
    return client.post("/plans/new/", data)


def test_a_province_creates_its_own_plan_implementing_the_national_one(client, lan, pages_plan):
    client.force_login(lan)
    response = _new_plan(client, implements=pages_plan.plan.pk)
    plan = Plan.objects.get(number="12/KH-UBND")
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert plan.owner.code == "P20" and plan.implements == pages_plan.plan and plan.reporting_frequency == "month"
    assert AuditEvent.objects.filter(verb="plan_created", object_id=str(plan.pk)).exists()
    listed = {p.pk: p for p in client.get("/plans/").context["page"]}
    assert listed[plan.pk].chain == [{"pk": pages_plan.plan.pk, "label": "03/NQ-CP"}]


def test_a_province_cannot_create_a_plan_for_another_province(client, lan):
    client.force_login(lan)
    response = _new_plan(client, owner="P01")
    assert response.status_code == 400 and "owner" in response.context["form"].errors
    assert not Plan.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"title": ""}, "title"), ({"issuer": "Không tồn tại"}, "issuer"), ({"issued_on": "30/02/2025"}, "issued_on"),
    ({"kind": "poem"}, "kind"), ({"implements": "abc"}, "implements"), ({"reporting_frequency": "daily"},
                                                                        "reporting_frequency"),
])
def test_a_bad_plan_form_comes_back_with_its_errors(client, lan, overrides, field):
    client.force_login(lan)
    response = _new_plan(client, **overrides)
    assert response.status_code == 400 and field in response.context["form"].errors


def test_the_list_can_be_searched_without_diacritics(client, sophie, pages_plan):
    client.force_login(sophie)
    assert [p.pk for p in client.get("/plans/", {"q": "03/NQ"}).context["page"]] == [pages_plan.plan.pk]
    assert [p.pk for p in client.get("/plans/", {"q": "chinh phu"}).context["page"]] == [pages_plan.plan.pk]
    assert list(client.get("/plans/", {"q": "không có"}).context["page"]) == []


def test_the_new_plan_button_shows_only_to_those_who_may_assign(client, alice, lan):
    client.force_login(alice)
    assert 'href="/plans/new/"' not in client.get("/plans/").content.decode()
    client.force_login(lan)
    assert 'href="/plans/new/"' in client.get("/plans/").content.decode()


def _add_task(client, plan, **overrides):
    data = {"code": "II.5", "title": "Xây dựng cơ sở dữ liệu khoa học", "lead_text": "Bộ Khoa học và Công nghệ",
            "coordinating_text": "Bộ Tài chính, Lạng Sơn", "deadline_text": "Quý II/2026",
            "product_text": "Cơ sở dữ liệu"}
    data.update(overrides)
    return client.post(f"/plans/{plan.pk}/tasks/new/", data)


def test_agencies_typed_as_written_resolve_to_assignments(client, sophie, pages_plan):
    client.force_login(sophie)
    response = _add_task(client, pages_plan.plan, group=pages_plan.groups["II"].pk)
    task = Task.objects.get(plan=pages_plan.plan, code="II.5")
    assert response.status_code == 302 and response["Location"] == f"/plans/tasks/{task.pk}/"
    roles = set(Assignment.objects.filter(task=task).values_list("organisation__code", "role"))
    assert roles == {("BKHCN", "lead"), ("BTC", "coordinating"), ("P20", "coordinating")}
    assert task.deadline_text == "Quý II/2026" and task.deadline.isoformat() == "2026-06-30"
    assert task.lead_text == "Bộ Khoa học và Công nghệ" and task.group == pages_plan.groups["II"]


def test_a_former_ministry_resolves_to_its_successor(client, sophie, pages_plan):
    client.force_login(sophie)
    _add_task(client, pages_plan.plan, lead_text="Bộ Thông tin và Truyền thông", coordinating_text="")
    task = Task.objects.get(plan=pages_plan.plan, code="II.5")
    assert list(task.assignments.values_list("organisation__code", flat=True)) == ["BKHCN"]


def test_a_named_group_fans_out_to_its_members(client, sophie, pages_plan):
    client.force_login(sophie)
    response = _add_task(client, pages_plan.plan, lead_text="Các tỉnh, thành phố trực thuộc Trung ương",
                         coordinating_text="")
    assert response.status_code == 302
    task = Task.objects.get(plan=pages_plan.plan, code="II.5")
    assert task.assignments.count() == 34


def test_names_that_do_not_resolve_are_shown_and_nothing_is_created(client, sophie, pages_plan):
    client.force_login(sophie)
    response = _add_task(client, pages_plan.plan, lead_text="Bộ Khoa học và Công nghệ, Bộ Phép Thuật",
                         coordinating_text="Sở Khoa học và Công nghệ")
    assert response.status_code == 400
    errors = response.context["form"].errors
    # Each mention that does not resolve is named (as the resolver read it) on its own field.
    assert any("bo phep thuat" in fold(e) for e in errors["lead_text"])
    assert any("so khoa hoc" in fold(e) for e in errors["coordinating_text"])
    assert not Task.objects.filter(code="II.5").exists()


def test_a_duplicate_code_is_refused_on_the_form(client, sophie, pages_plan):
    client.force_login(sophie)
    response = _add_task(client, pages_plan.plan, code="1")
    assert response.status_code == 400 and "code" in response.context["form"].errors


def test_a_group_of_another_plan_is_not_offered(client, sophie, pages_plan, org):
    from nq57.plans import actions
    from nq57.plans.models import TaskGroup

    other = actions.create_plan(actor=None, kind="plan", number="", title="Khác", issuer=org("CP"), owner=org("CP"))
    foreign = TaskGroup.objects.create(plan=other, code="I", title="Nhóm khác")
    client.force_login(sophie)
    response = _add_task(client, pages_plan.plan, group=foreign.pk)
    assert response.status_code == 400 and "group" in response.context["form"].errors
