"""The notification pages, four ways: anonymous, an account without a role, the owner of the
notifications, and someone else (who may never see or touch them)."""

import pytest
from django.utils.translation import gettext, ngettext
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nq57.notifications.context_processors import notifications as notifications_context
from nq57.notifications.models import Notification
from nq57.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def alices(alice):
    """Two notifications for alice, the newer one pointing at a page."""
    notify(alice, kind="report_returned", title="Báo cáo bị trả lại", body="Bổ sung số liệu", email=False)
    notify(alice, kind="deadline_reminder", title="Nhiệm vụ 12 đến hạn", url="/plans/", email=False)
    return list(Notification.objects.filter(user=alice))


def _login(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("persona, status", [("anonymous", 302), ("dave", 200), ("alice", 200), ("charlie", 200)])
def test_the_list_is_for_signed_in_people(request, client, alices, persona, status):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    response = _login(client, user).get("/notifications/")
    assert response.status_code == status
    body = response.content.decode()
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif persona == "alice":
        assert "Báo cáo bị trả lại" in body and "Nhiệm vụ 12 đến hạn" in body and "<caption>" in body
    else:
        # Everyone sees only their own notifications.
        with translation.override("vi"):
            nothing = gettext("No notifications.")
        assert "Báo cáo bị trả lại" not in body and nothing in body


@pytest.mark.parametrize("persona, status", [("anonymous", 302), ("dave", 404), ("alice", 302), ("charlie", 404)])
def test_only_the_owner_marks_a_notification_read(request, client, alices, persona, status):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    target = alices[0]
    response = _login(client, user).post(f"/notifications/{target.pk}/read/")
    assert response.status_code == status
    target.refresh_from_db()
    assert (target.read_at is not None) == (persona == "alice")


@pytest.mark.parametrize("persona, status", [("anonymous", 302), ("dave", 302), ("alice", 302), ("charlie", 302)])
def test_mark_all_read_touches_only_ones_own(request, client, alices, persona, status):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    response = _login(client, user).post("/notifications/read-all/")
    assert response.status_code == status
    unread = Notification.objects.filter(read_at__isnull=True).count()
    assert unread == (0 if persona == "alice" else 2)


def test_marking_read_needs_a_post(client, alice, alices):
    _login(client, alice)
    assert client.get(f"/notifications/{alices[0].pk}/read/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    assert client.post("/notifications/").status_code == 405


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, alice, alices):
    newest = alices[0]
    response = _login(client, alice).post(f"/notifications/{newest.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/plans/"
    newest.refresh_from_db()
    assert newest.read_at is not None


def test_redirects_stay_on_the_site(client, alice, alices):
    Notification.objects.filter(pk=alices[0].pk).update(url="//evil.example/")
    _login(client, alice)
    response = client.post(f"/notifications/{alices[0].pk}/read/", {"open": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"
    response = client.post("/notifications/read-all/", {"next": "/notifications/?unread=1"})
    assert response["Location"] == "/notifications/?unread=1"


def test_the_unread_filter_and_the_count(client, alice, alices):
    _login(client, alice).post(f"/notifications/{alices[0].pk}/read/")
    body = client.get("/notifications/?unread=1").content.decode()
    assert "Báo cáo bị trả lại" in body and "Nhiệm vụ 12 đến hạn" not in body
    with translation.override("vi"):
        one_unread = ngettext("%(n)s unread notification", "%(n)s unread notifications", 1) % {"n": 1}
    assert one_unread in body


def test_a_bad_page_number_is_not_an_error(client, alice, alices):
    assert _login(client, alice).get("/notifications/?page=abc").status_code == 200
    assert client.get("/notifications/?page=99999999999999999999").status_code == 200


def test_the_list_costs_the_same_for_2_or_120_notifications(client, alice, alices, django_assert_max_num_queries):
    _login(client, alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for n in range(118):
        notify(alice, kind="t", title=f"n{n}", email=False)
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_header_count_is_counted_only_when_shown(alice, alices, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(0):
        context = notifications_context(request)
    with django_assert_num_queries(1):
        # As the header uses it: {% if unread_notifications %}{{ unread_notifications }}{% endif %}
        assert context["unread_notifications"] and str(context["unread_notifications"]) == "2"
