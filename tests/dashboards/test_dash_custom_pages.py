"""Custom dashboards, the pages: the leader's journey (list → new dashboard → add panel → measure → filters and
chart → panel shown), who sees and edits what (author, colleague, standing office, out of scope, no role,
anonymous), bad input answered with a message and never a 500, and a dashboard of six panels at a constant
number of queries as the data grow."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.core.roles import Role
from nq57.dashboards import actions
from nq57.dashboards.models import Panel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def son(make_user):
    """Lạng Sơn's steering committee leader, as langson.lanhdao in the demo (LEADER on P20)."""
    return make_user("son", home="P20-BCD", role=Role.LEADER, scope="P20", full_name="Sơn Lạng Sơn")


@pytest.fixture
def shared(son, org):
    dashboard = actions.create_dashboard(actor=son, owner=org("P20"), title="Đề án trọng điểm", shared=True)
    actions.add_panel(actor=son, dashboard=dashboard, measure="tasks_status", chart="bar")
    return dashboard


@pytest.fixture
def private(son, org):
    return actions.create_dashboard(actor=son, owner=org("P20"), title="Bản nháp riêng")


# --- the journey --------------------------------------------------------------------------------------------


def test_a_leader_builds_a_dashboard_and_its_first_panel(client, son, dash_data, org):
    client.force_login(son)
    page = client.get("/dashboards/custom/")
    assert page.status_code == 200 and "Dashboards of my organisation" in page.text
    assert 'href="/dashboards/custom/new/"' in page.text

    form = client.get("/dashboards/custom/new/")
    assert form.status_code == 200
    # The province is offered first and chosen by default, its departments and communes below it.
    assert re.search(rf'<option value="{org("P20").pk}" selected>', form.text)
    response = client.post("/dashboards/custom/new/", {
        "owner": org("P20").pk, "title": "Chuyển đổi số tỉnh Lạng Sơn", "description": "", "shared": "on"})
    assert response.status_code == 302
    detail_url = response["Location"]
    detail = client.get(detail_url)
    assert "Add panel" in detail.text and "no panel yet" in detail.text
    dashboard_pk = int(detail_url.strip("/").split("/")[-1])

    new_panel = f"/dashboards/custom/{dashboard_pk}/panels/new/"
    step_one = client.get(new_panel)
    assert step_one.status_code == 200 and 'name="measure"' in step_one.text
    assert 'hx-get="' in step_one.text  # with JavaScript the second step follows the choice in place
    step_two = client.get(new_panel, {"measure": "tasks_timeliness"})
    assert step_two.status_code == 200 and "2. Filters and chart" in step_two.text
    assert f'<option value="{dash_data.plan.pk}">' in step_two.text
    saved = client.post(new_panel, {"measure": "tasks_timeliness", "title": "", "plan": dash_data.plan.pk,
                                    "group": "", "assignee": "", "chart": "bar"})
    assert saved.status_code == 302
    panel = Panel.objects.get(dashboard_id=dashboard_pk)
    assert saved["Location"].endswith(f"#panel-{panel.pk}")
    shown = client.get(detail_url)
    assert shown.status_code == 200
    assert f'id="panel-{panel.pk}"' in shown.text and "Tasks by timeliness" in shown.text
    assert "<svg" in shown.text and "<table" in shown.text


def test_every_chart_of_every_measure_renders_on_the_page(client, root, dash_data, org):
    from nq57.dashboards.panels import MEASURES

    client.force_login(root)
    filters = {"plan": dash_data.plan.pk, "indicator": dash_data.k["k2"].pk}
    combos = [(key, chart, {k: v for k, v in filters.items() if k in measure.filters})
              for key, measure in MEASURES.items() for chart in measure.charts]
    for half in (combos[:len(combos) // 2], combos[len(combos) // 2:]):  # a dashboard holds at most 24 panels
        dashboard = actions.create_dashboard(actor=root, owner=org("DP"), title="Các tỉnh", shared=True)
        for key, chart, panel_filters in half:
            actions.add_panel(actor=root, dashboard=dashboard, measure=key, chart=chart, filters=panel_filters)
        page = client.get(f"/dashboards/custom/{dashboard.pk}/")
        assert page.status_code == 200
        assert page.text.count('<section class="dash-panel') == len(half)
        assert "style=" not in page.text.split("<main", 1)[1]  # no inline style (CSP)
    assert "tilemap" in page.text  # the map panels (last measures) draw the provinces' tile grid


def test_editing_a_panel_keeps_its_filters_and_can_change_its_measure(client, son, shared, dash_data):
    client.force_login(son)
    panel = shared.panels.get()
    page = client.get(f"/dashboards/panels/{panel.pk}/edit/")
    assert page.status_code == 200 and "Tasks by status" in page.text
    response = client.post(f"/dashboards/panels/{panel.pk}/edit/", {
        "measure": "overdue_trend", "title": "Nợ đọng", "plan": "", "group": "", "assignee": "", "months": "6",
        "chart": "line"})
    assert response.status_code == 302
    panel.refresh_from_db()
    assert (panel.measure, panel.chart, panel.filters, panel.title) == ("overdue_trend", "line", {"months": 6},
                                                                        "Nợ đọng")


def test_panels_move_and_are_removed_by_post(client, son, shared):
    client.force_login(son)
    second = actions.add_panel(actor=son, dashboard=shared, measure="kpi_rag", chart="number")
    assert client.get(f"/dashboards/panels/{second.pk}/move/").status_code == 405
    assert client.post(f"/dashboards/panels/{second.pk}/move/", {"direction": "up"}).status_code == 302
    assert list(shared.panels.order_by("sort_order").values_list("pk", flat=True))[0] == second.pk
    assert client.post(f"/dashboards/panels/{second.pk}/move/", {"direction": "diagonal"}).status_code == 302
    assert client.post(f"/dashboards/panels/{second.pk}/delete/").status_code == 302
    assert not Panel.objects.filter(pk=second.pk).exists()


def test_a_dashboard_is_renamed_unshared_and_deleted(client, son, shared):
    client.force_login(son)
    response = client.post(f"/dashboards/custom/{shared.pk}/edit/", {"title": "Mới", "description": "Ghi chú"})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert (shared.title, shared.description, shared.shared) == ("Mới", "Ghi chú", False)
    assert client.get(f"/dashboards/custom/{shared.pk}/delete/").status_code == 405
    assert client.post(f"/dashboards/custom/{shared.pk}/delete/").status_code == 302
    assert client.get(f"/dashboards/custom/{shared.pk}/").status_code == 404


# --- who sees what ------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, shared):
    panel = shared.panels.get()
    for url in ["/dashboards/custom/", "/dashboards/custom/new/", f"/dashboards/custom/{shared.pk}/",
                f"/dashboards/custom/{shared.pk}/edit/", f"/dashboards/custom/{shared.pk}/panels/new/",
                f"/dashboards/panels/{panel.pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in [f"/dashboards/custom/{shared.pk}/delete/", f"/dashboards/panels/{panel.pk}/delete/",
                f"/dashboards/panels/{panel.pk}/move/"]:
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_colleague_sees_the_shared_dashboard_but_not_the_private_one(client, alice, shared, private):
    client.force_login(alice)
    listing = client.get("/dashboards/custom/")
    assert shared.title in listing.text and private.title not in listing.text
    assert client.get(f"/dashboards/custom/{shared.pk}/").status_code == 200
    assert client.get(f"/dashboards/custom/{private.pk}/").status_code == 403
    # Seeing is not editing: alice holds VIEW on Lạng Sơn, not ASSIGN, and is not the author.
    assert "Add panel" not in client.get(f"/dashboards/custom/{shared.pk}/").text
    assert client.get(f"/dashboards/custom/{shared.pk}/edit/").status_code == 403
    assert client.get(f"/dashboards/custom/{shared.pk}/panels/new/").status_code == 403
    assert client.post(f"/dashboards/custom/{shared.pk}/delete/").status_code == 403
    panel = shared.panels.get()
    assert client.post(f"/dashboards/panels/{panel.pk}/delete/").status_code == 403


def test_the_standing_office_edits_shared_dashboards_of_its_province_only(client, lan, minh, shared, private):
    panel = shared.panels.get()
    client.force_login(minh)  # Hà Nội's standing office
    for url in [f"/dashboards/custom/{shared.pk}/edit/", f"/dashboards/custom/{shared.pk}/panels/new/",
                f"/dashboards/panels/{panel.pk}/edit/"]:
        assert client.get(url).status_code == 403, url
    for url in [f"/dashboards/panels/{panel.pk}/move/", f"/dashboards/panels/{panel.pk}/delete/",
                f"/dashboards/custom/{shared.pk}/delete/"]:
        assert client.post(url, {"direction": "up"}).status_code == 403, url
    client.force_login(lan)
    assert client.get(f"/dashboards/custom/{shared.pk}/edit/").status_code == 200
    assert client.get(f"/dashboards/custom/{shared.pk}/panels/new/").status_code == 200
    assert client.get(f"/dashboards/panels/{panel.pk}/edit/").status_code == 200
    assert client.get(f"/dashboards/custom/{private.pk}/edit/").status_code == 403
    assert client.post(f"/dashboards/panels/{panel.pk}/move/", {"direction": "up"}).status_code == 302
    assert client.post(f"/dashboards/panels/{panel.pk}/delete/").status_code == 302
    assert client.post(f"/dashboards/custom/{shared.pk}/delete/").status_code == 302


def test_out_of_scope_and_role_less_users_are_refused(client, charlie, dave, shared):
    panel = shared.panels.get()
    client.force_login(charlie)
    assert shared.title not in client.get("/dashboards/custom/").text
    assert client.get(f"/dashboards/custom/{shared.pk}/").status_code == 403
    assert client.get(f"/dashboards/panels/{panel.pk}/edit/").status_code == 403
    assert client.post(f"/dashboards/panels/{panel.pk}/move/", {"direction": "up"}).status_code == 403
    client.force_login(dave)
    assert client.get("/dashboards/custom/").status_code == 403
    assert client.get("/dashboards/custom/new/").status_code == 403
    assert client.get(f"/dashboards/custom/{shared.pk}/").status_code == 403


def test_nobody_creates_a_dashboard_for_an_organisation_out_of_reach(client, son, org):
    client.force_login(son)
    response = client.post("/dashboards/custom/new/", {"owner": org("P01").pk, "title": "Hà Nội"})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    response = client.post("/dashboards/custom/new/", {"owner": "abc", "title": ""})
    assert response.status_code == 400


# --- bad input ------------------------------------------------------------------------------------------------


def test_bad_panel_input_is_answered_on_the_form(client, son, shared, dash_data, org):
    from nq57.plans import actions as plan_actions

    hanoi = plan_actions.create_plan(actor=None, kind="plan", number="05/KH", title="Kế hoạch Hà Nội",
                                     issuer=org("P01"), owner=org("P01"))
    client.force_login(son)
    url = f"/dashboards/custom/{shared.pk}/panels/new/"
    unknown = client.get(url, {"measure": "<script>"})
    assert unknown.status_code == 400 and "Select a valid choice" in unknown.text
    assert client.post(url, {"measure": "nothing"}).status_code == 400
    base = {"measure": "tasks_timeliness", "title": "", "group": "", "assignee": "", "chart": "bar"}
    for changes, message in [
        ({"plan": "abc"}, "Select a valid choice"),
        ({"plan": str(hanoi.pk)}, "Select a valid choice"),  # not among the province's plans
        ({"plan": str(dash_data.plan.pk), "group": "IX"}, "has no group"),
        ({"plan": "", "group": "II"}, "Choose a plan first"),
        ({"plan": "", "assignee": "99999999999"}, "Select a valid choice"),
        ({"plan": "", "chart": "map"}, "Select a valid choice"),  # no map for a province
        ({"plan": "", "chart": "line"}, "Select a valid choice"),
    ]:
        response = client.post(url, {**base, **changes})
        assert response.status_code == 400, changes
        assert message in response.text, (changes, message)
    response = client.post(url, {"measure": "plan_progress", "title": "", "assignee": "", "chart": "bar"})
    assert response.status_code == 400 and "This field is required" in response.text
    assert client.get("/dashboards/custom/99999999999/").status_code == 404
    assert client.get("/dashboards/panels/0/edit/").status_code == 404
    assert shared.panels.count() == 1  # nothing saved


# --- query budget --------------------------------------------------------------------------------------------


def _more_data(dash_data, org):
    from nq57.feedback.models import Submission
    from nq57.orgs.models import Organisation
    from nq57.plans import actions as plan_actions
    from nq57.plans.models import Assignment
    from nq57.plans.timeliness import refresh_timeliness

    communes = list(Organisation.objects.filter(parent=org("P20"), kind="commune").order_by("pk")[:12])
    today = dash_data.today
    for i in range(5):
        task = plan_actions.create_task(actor=None, plan=dash_data.plan, code=f"G{i}", title=f"Nhiệm vụ {i}",
                                        group=dash_data.groups["II"], lead=communes, deadline_text="2026",
                                        product_text="Báo cáo")
        task.assignments.update(original_deadline=today - datetime.timedelta(days=30 * i + 5))
    refresh_timeliness(Assignment.objects.filter(task__plan=dash_data.plan))
    template = dash_data.fb["f1"]
    for i in range(30):
        template.pk = None
        template.number, template.code = 950000 + i, f"PAKN-2026-{950000 + i}"
        template.received_at -= datetime.timedelta(days=7)
        template.save()
    assert Submission.objects.filter(lead_agency__path__startswith=org("P20").path).count() > 30


def _six_panels(son, org, dash_data):
    dashboard = actions.create_dashboard(actor=son, owner=org("P20"), title="Sáu ô", shared=True)
    for measure, chart, filters in [
        ("tasks_timeliness", "bar", {"plan": dash_data.plan.pk, "group": "II"}),
        ("on_time_rate", "bar", {}),
        ("overdue_trend", "line", {"months": 24}),
        ("plan_progress", "table", {"plan": dash_data.plan.pk}),
        ("kpi_rag", "number", {}),
        ("feedback_months", "line", {}),
    ]:
        actions.add_panel(actor=son, dashboard=dashboard, measure=measure, chart=chart, filters=filters)
    return dashboard


def test_a_dashboard_of_six_panels_costs_the_same_queries_as_the_data_grow(client, son, dash_data, org):
    dashboard = _six_panels(son, org, dash_data)
    client.force_login(son)
    url = f"/dashboards/custom/{dashboard.pk}/"
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_data(dash_data, org)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large]
    assert len(small) <= 20
