"""The dashboard and its lists cost the same number of queries whatever the volume of data."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
_numbers = itertools.count(800001)


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def add_volume(dash_data, org):
    """Forty more tasks in every timeliness across provinces, thirty more submissions, another indicator."""
    from nq57.feedback.models import Field, State, Submission
    from nq57.indicators import actions as kpi_actions
    from nq57.indicators.periods import parse_period
    from nq57.plans import actions
    from nq57.plans.models import Assignment
    from nq57.plans.timeliness import refresh_timeliness

    today = dash_data.today
    agencies = ["P20", "P20-SKHCN", "X05977", "P01", "P04", "P79", "BKHCN"]
    for n in range(40):
        task = actions.create_task(actor=None, plan=dash_data.plan, code=f"V{n}", title=f"Nhiệm vụ {n}",
                                   group=dash_data.groups[["I", "II", "III"][n % 3]], lead=[org(agencies[n % 7])])
        fields = [dict(original_deadline=today - (n + 5) * DAY),
                  dict(status="completed", original_deadline=today - 30 * DAY, completed_on=today - (n % 50) * DAY),
                  dict(status="in_progress", progress=5, original_deadline=today + 7 * DAY)][n % 3]
        Assignment.objects.filter(task=task).update(**fields)
    refresh_timeliness(Assignment.objects.filter(task__plan=dash_data.plan), today=today)
    field = Field.objects.get(code="the-che-thu-tuc")
    for n in range(30):
        number = next(_numbers)
        received = dash_data.fb["f1"].received_at - (n * 9) * DAY
        Submission.objects.create(
            code=f"PAKN-{received.year}-{number:06d}", year=received.year, number=number, access_key_hash="x" * 64,
            kind="comment", field=field, title=f"Góp ý {n}", content="…", submitter_name="Trần Bình", address="Hà Nội",
            state=State.ANSWERED if n % 2 else State.IN_PROGRESS, intake=org("BCDTW"), holder=org(agencies[n % 7]),
            lead_agency=org(agencies[n % 7]), received_at=received,
            answered_at=received + 5 * DAY if n % 2 else None, answered_on_time=bool(n % 4 == 1) if n % 2 else None,
            due_date=today + (n % 5 - 2) * DAY)
    indicator = kpi_actions.create_indicator(actor=None, owner=org("BKHCN"), code="9", name="Chỉ số thêm",
                                             value_type="percentage", frequency="quarter",
                                             aggregation="weighted_mean", level="province", unit="%")
    kpi_actions.add_obligations(actor=None, indicator=indicator, organisations=[org("P20"), org("P04")],
                                starts_on=datetime.date(2025, 1, 1))
    for code in ("P20", "P04"):
        value = kpi_actions.save_value(actor=None, indicator=indicator, organisation=org(code),
                                       period=parse_period("2025-Q4", "quarter"), value=50, submit=True,
                                       confirm_flags=True, flag_note="ok", notify_approvers=False)
        kpi_actions.approve_value(actor=None, value=value)


@pytest.mark.parametrize("who, params", [
    ("root", {}), ("root", {"measure": "kpi", "sort": "value"}), ("alice", {}),
])
def test_the_dashboard_costs_a_constant_number_of_queries(client, dash_data, org, request, who, params):
    user = request.getfixturevalue(who)
    client.force_login(user)
    client.get("/dashboards/", params)  # warm the session and the caches of the process
    small = count_queries(client, "/dashboards/", params)
    add_volume(dash_data, org)
    large = count_queries(client, "/dashboards/", params)
    assert small == large
    assert large <= 45


@pytest.mark.parametrize("figure", ["assignments", "due", "feedback", "indicators", "reports", "values"])
def test_the_lists_cost_a_constant_number_of_queries(client, dash_data, org, root, figure):
    client.force_login(root)
    params = {"figure": figure}
    client.get("/dashboards/list/", params)
    small = count_queries(client, "/dashboards/list/", params)
    add_volume(dash_data, org)
    assert count_queries(client, "/dashboards/list/", params) == small


def test_the_computed_dashboard_is_kept_for_every_viewer_of_the_scope(client, dash_data, root, settings, org):
    from django.core.cache import caches

    from nq57.core.roles import Role

    cache = caches["dashboards"]  # shared by the web processes and the worker

    settings.NQ57_DASHBOARD_CACHE_SECONDS = 300
    cache.clear()
    try:
        client.force_login(root)
        cold = count_queries(client, "/dashboards/", {})
        warm = count_queries(client, "/dashboards/", {})
        assert warm <= cold - 20
        add_volume(dash_data, org)
        # Still the figures computed a moment ago (the page says when): ten assignments, not fifty.
        response = client.get("/dashboards/")
        assert response.context["figures"][0]["value"] == 10
        # Another viewer of the nation gets the same figures with links of their own.
        other = dash_data.orgs["BCDTW"]
        from nq57.accounts.models import RoleGrant, User

        viewer = User.objects.create_user(username="viewer", password="x-57-correct", organisation=other)
        RoleGrant.objects.create(user=viewer, role=Role.INSPECTOR, organisation=org("DP"))
        client.force_login(viewer)
        response = client.get("/dashboards/")
        assert response.context["scope"].code == "DP" and response.context["figures"][0]["value"] == 44  # its own, computed now
        cache.clear()
        client.force_login(root)
        assert client.get("/dashboards/").context["figures"][0]["value"] == 50
    finally:
        cache.clear()
