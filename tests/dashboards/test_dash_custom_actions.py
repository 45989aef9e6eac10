"""Custom dashboards, the service functions: who may create, see, edit, share and delete a dashboard and its
panels; every write audited; filters checked against what the owner may see."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nq57.audit.models import AuditEvent
from nq57.core.roles import Role
from nq57.dashboards import actions
from nq57.dashboards.models import CustomDashboard, Panel
from nq57.dashboards.panels import clean_filters

pytestmark = pytest.mark.django_db


@pytest.fixture
def son(make_user):
    """Lạng Sơn's steering committee leader (VIEW and APPROVE on P20, not ASSIGN)."""
    return make_user("son", home="P20-BCD", role=Role.LEADER, scope="P20", full_name="Sơn Lạng Sơn")


def _dashboard(son, org, *, shared=False, title="Chương trình chuyển đổi số của tỉnh"):
    return actions.create_dashboard(actor=son, owner=org("P20"), title=title, shared=shared)


def test_a_leader_builds_a_private_dashboard_for_the_province(son, org):
    dashboard = _dashboard(son, org)
    assert (dashboard.owner, dashboard.created_by, dashboard.shared) == (org("P20"), son, False)
    event = AuditEvent.objects.get(verb="dashboard_created", object_id=str(dashboard.pk))
    assert event.actor == son and event.organisation == org("P20")


def test_nobody_builds_a_dashboard_for_an_organisation_they_may_not_view(son, charlie, org):
    with pytest.raises(PermissionDenied):
        actions.create_dashboard(actor=charlie, owner=org("P20"), title="Lạng Sơn")
    with pytest.raises(PermissionDenied):
        actions.create_dashboard(actor=son, owner=org("P01"), title="Hà Nội")


def test_a_dashboard_needs_a_title(son, org):
    with pytest.raises(ValidationError) as error:
        actions.create_dashboard(actor=son, owner=org("P20"), title="   ")
    assert "title" in error.value.message_dict


def test_a_private_dashboard_is_its_authors_only(son, alice, lan, charlie, org):
    dashboard = _dashboard(son, org)
    assert actions.can_see_dashboard(son, dashboard)
    assert not actions.can_see_dashboard(alice, dashboard)  # VIEW on P20, but not the author
    assert not actions.can_see_dashboard(lan, dashboard)  # ASSIGN does not open someone's private dashboard
    assert not actions.can_see_dashboard(charlie, dashboard)
    assert list(actions.visible_dashboards(alice)) == []
    assert list(actions.visible_dashboards(son)) == [dashboard]


def test_sharing_opens_it_to_everyone_who_may_view_the_owner(son, alice, charlie, org):
    dashboard = _dashboard(son, org)
    actions.update_dashboard(actor=son, dashboard=dashboard, title=dashboard.title, shared=True)
    assert actions.can_see_dashboard(alice, dashboard)
    assert not actions.can_see_dashboard(charlie, dashboard)
    assert list(actions.visible_dashboards(alice)) == [dashboard]
    assert list(actions.visible_dashboards(charlie)) == []
    assert AuditEvent.objects.filter(verb="dashboard_shared", object_id=str(dashboard.pk)).exists()


def test_an_author_who_loses_the_right_no_longer_sees_their_private_dashboard(son, org):
    from nq57.core.permissions import forget_grants

    dashboard = _dashboard(son, org)
    son.grants.all().delete()
    forget_grants(son)
    assert not actions.can_see_dashboard(son, dashboard)
    assert not actions.can_edit_dashboard(son, dashboard)


def test_the_standing_office_edits_shared_dashboards_but_a_colleague_does_not(son, alice, lan, org):
    shared = _dashboard(son, org, shared=True)
    private = _dashboard(son, org, title="Nháp")
    assert actions.can_edit_dashboard(lan, shared)  # ASSIGN on P20
    assert not actions.can_edit_dashboard(lan, private)
    assert not actions.can_edit_dashboard(alice, shared)  # VIEW only
    actions.update_dashboard(actor=lan, dashboard=shared, title="Đề án trọng điểm", shared=True)
    shared.refresh_from_db()
    assert shared.title == "Đề án trọng điểm"
    with pytest.raises(PermissionDenied):
        actions.update_dashboard(actor=alice, dashboard=shared, title="Không được", shared=True)
    with pytest.raises(PermissionDenied):
        actions.delete_dashboard(actor=alice, dashboard=shared)


def test_deleting_a_dashboard_deletes_its_panels_and_is_audited(son, org):
    dashboard = _dashboard(son, org)
    actions.add_panel(actor=son, dashboard=dashboard, measure="kpi_rag", chart="number")
    pk = dashboard.pk
    actions.delete_dashboard(actor=son, dashboard=dashboard)
    assert not CustomDashboard.objects.filter(pk=pk).exists()
    assert not Panel.objects.filter(dashboard_id=pk).exists()
    assert AuditEvent.objects.filter(verb="dashboard_deleted", object_id=str(pk)).exists()


def test_panels_are_added_at_the_end_with_the_measures_name_by_default(son, org):
    dashboard = _dashboard(son, org)
    first = actions.add_panel(actor=son, dashboard=dashboard, measure="tasks_timeliness", chart="bar")
    second = actions.add_panel(actor=son, dashboard=dashboard, measure="feedback_months", chart="line",
                               filters={"months": "6"}, title="Phản ánh, kiến nghị")
    assert (first.title, first.sort_order, first.filters) == ("Tasks by timeliness", 0, {})
    assert (second.sort_order, second.filters) == (1, {"months": 6})
    assert AuditEvent.objects.filter(verb="panel_added").count() == 2


def test_moving_a_panel_swaps_it_with_its_neighbour(son, org):
    dashboard = _dashboard(son, org)
    panels = [actions.add_panel(actor=son, dashboard=dashboard, measure="kpi_rag", chart="number", title=str(i))
              for i in range(3)]
    actions.move_panel(actor=son, panel=panels[2], direction="up")
    assert [p.title for p in dashboard.panels.order_by("sort_order")] == ["0", "2", "1"]
    actions.move_panel(actor=son, panel=panels[0], direction="up")  # already first: nothing changes
    actions.move_panel(actor=son, panel=panels[0], direction="down")
    assert [p.title for p in dashboard.panels.order_by("sort_order")] == ["2", "0", "1"]
    with pytest.raises(ValidationError):
        actions.move_panel(actor=son, panel=panels[0], direction="sideways")


def test_updating_and_deleting_a_panel(son, alice, org):
    dashboard = _dashboard(son, org, shared=True)
    panel = actions.add_panel(actor=son, dashboard=dashboard, measure="kpi_rag", chart="number")
    actions.update_panel(actor=son, panel=panel, measure="kpi_rag", chart="bar", filters={"layer": "strategic"},
                         title="Chỉ tiêu chiến lược")
    panel.refresh_from_db()
    assert (panel.chart, panel.filters, panel.title) == ("bar", {"layer": "strategic"}, "Chỉ tiêu chiến lược")
    with pytest.raises(PermissionDenied):
        actions.delete_panel(actor=alice, panel=panel)
    actions.delete_panel(actor=son, panel=panel)
    assert not dashboard.panels.exists()
    assert AuditEvent.objects.filter(verb__in=["panel_updated", "panel_deleted"]).count() == 2


def test_a_chart_the_measure_does_not_offer_is_refused(son, org):
    dashboard = _dashboard(son, org)
    with pytest.raises(ValidationError) as error:
        actions.add_panel(actor=son, dashboard=dashboard, measure="feedback_months", chart="bar")
    assert "chart" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_panel(actor=son, dashboard=dashboard, measure="unit_figures", chart="map")  # P20 has no provinces
    assert "chart" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_panel(actor=son, dashboard=dashboard, measure="no_such_measure", chart="bar")
    assert "measure" in error.value.message_dict


def test_a_map_is_offered_to_the_owner_of_the_provinces(root, org):
    dashboard = actions.create_dashboard(actor=root, owner=org("DP"), title="Các tỉnh")
    panel = actions.add_panel(actor=root, dashboard=dashboard, measure="unit_figures", chart="map",
                              filters={"figure": "overdue"})
    assert panel.chart == "map"


# --- the one validator of filters ----------------------------------------------------------------------------


def test_filters_are_checked_against_what_the_owner_may_see(pages_plan, org):
    from nq57.plans import actions as plan_actions

    hanoi_plan = plan_actions.create_plan(actor=None, kind="plan", number="05/KH-UBND", title="Kế hoạch của Hà Nội",
                                          issuer=org("P01"), owner=org("P01"))
    owner = org("P20")
    plan = pages_plan.plan
    assert clean_filters("tasks_timeliness", {"plan": str(plan.pk), "group": "II"}, owner) == {
        "plan": plan.pk, "group": "II"}
    bad = [
        ({"plan": "abc"}, "plan"),  # not a number
        ({"plan": "99999999999"}, "plan"),  # out of range
        ({"plan": True}, "plan"),
        ({"plan": hanoi_plan.pk}, "plan"),  # Hà Nội's own plan assigns nothing to Lạng Sơn
        ({"plan": plan.pk, "group": "IX"}, "group"),
        ({"group": "II"}, "group"),  # a group without its plan
        ({"assignee": org("P01-SKHCN").pk}, "assignee"),  # not one of Lạng Sơn's units
        ({"assignee": "x"}, "assignee"),
    ]
    for raw, name in bad:
        with pytest.raises(ValidationError) as error:
            clean_filters("tasks_timeliness", raw, owner)
        assert name in error.value.message_dict, raw
    assert clean_filters("tasks_timeliness", {"assignee": org("P20-SKHCN").pk, "months": 6}, owner) == {
        "assignee": org("P20-SKHCN").pk}  # months is not a filter of this measure: dropped


def test_measures_with_a_required_filter_say_so(org):
    owner = org("P20")
    with pytest.raises(ValidationError) as error:
        clean_filters("plan_progress", {}, owner)
    assert "plan" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        clean_filters("indicator_trend", {"indicator": "-3"}, owner)
    assert "indicator" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        clean_filters("feedback_months", {"months": "7"}, owner)
    assert "months" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        clean_filters("unit_figures", {"figure": "everything"}, owner)
    assert "figure" in error.value.message_dict
    assert clean_filters("unit_figures", {}, owner) == {"figure": "on_time_rate", "months": 12}
