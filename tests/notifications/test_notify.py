"""notify(): one row per person, once per dedupe key, in the person's language; e-mail after commit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from nq57.notifications.models import Notification
from nq57.notifications.services import Message, mark_read, notify, notify_many, unread_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_each_person_gets_a_notification_and_an_email_after_commit(alice, charlie, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([alice, charlie], kind="test", title="Báo cáo quý", body="Nội dung", url="/plans/1/")
        assert mailoutbox == []  # nothing leaves before the commit
    assert {n.user for n in created} == {alice, charlie}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, charlie.email])
    mail = next(m for m in mailoutbox if m.to == [alice.email])
    assert mail.subject == "[NQ57] Báo cáo quý"
    assert "Nội dung" in mail.body and "http://127.0.0.1:8000/plans/1/" in mail.body
    assert all(n.emailed_at for n in Notification.objects.all())


def test_a_rolled_back_write_sends_no_email(alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(alice, kind="test", title="x")
    assert len(callbacks) == 1 and mailoutbox == []


def test_without_email_only_the_in_app_row_is_written(alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(alice, kind="test", title="x", email=False)
    assert mailoutbox == [] and Notification.objects.get().emailed_at is None


def test_a_person_without_an_address_gets_the_in_app_notification_only(make_user, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    nomail = make_user("nomail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(nomail, kind="test", title="x")
    assert Notification.objects.filter(user=nomail).count() == 1 and mailoutbox == []


def test_a_dedupe_key_makes_it_happen_once_per_person(alice, charlie):
    notify(alice, kind="reminder", title="x", dedupe_key="due7:1")
    assert notify([alice, charlie], kind="reminder", title="x", dedupe_key="due7:1") == [
        Notification.objects.get(user=charlie)]
    assert notify([alice, alice], kind="reminder", title="x", dedupe_key="due1:1")[0].user == alice
    assert Notification.objects.filter(user=alice).count() == 2


def test_disabled_accounts_and_missing_people_are_skipped(alice, make_user):
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    assert [n.user for n in notify([gone, None, alice], kind="t", title="x")] == [alice]
    assert notify(None, kind="t", title="x") == []


def test_titles_are_written_in_each_persons_language(make_user):
    english = make_user("eng", language="en")
    vietnamese = make_user("vie", language="vi")
    title = format_lazy(gettext_lazy("Task {code} for {agency} is due on {date}"), code="7", agency="Lạng Sơn",
                        date="30/06/2025")
    notify([english, vietnamese], kind="t", title=title, body=lambda: "computed")
    english_title = Notification.objects.get(user=english).title
    assert english_title == "Task 7 for Lạng Sơn is due on 30/06/2025"
    assert Notification.objects.get(user=vietnamese).body == "computed"


def test_many_messages_cost_a_few_queries(make_user):
    people = [make_user(f"p{n}") for n in range(30)]
    messages = [Message(user=p, kind="t", title="x", dedupe_key=f"k:{n}") for n in range(3) for p in people]
    with CaptureQueriesContext(connection) as captured:
        created = notify_many(messages, email=False)
    assert len(created) == 90
    assert len(captured.captured_queries) <= 4  # existing keys, a savepoint pair, one INSERT


def test_a_digest_email_lists_every_new_notification(alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([Message(user=alice, kind="t", title=f"Nhiệm vụ {n}", url=f"/plans/{n}/") for n in range(25)])
    (mail,) = mailoutbox
    assert "25" in mail.subject
    assert "Nhiệm vụ 0" in mail.body and "Nhiệm vụ 19" in mail.body and "Nhiệm vụ 24" not in mail.body
    assert "5" in mail.body.splitlines()[-3]  # "… and 5 more."


def test_mark_read_touches_only_the_persons_own_unread_notifications(alice, charlie):
    mine = notify(alice, kind="t", title="a") + notify(alice, kind="t", title="b")
    theirs = notify(charlie, kind="t", title="c")
    assert unread_count(alice) == 2
    assert mark_read(actor=alice, notification_ids=[mine[0].pk, theirs[0].pk]) == 1
    assert unread_count(alice) == 1 and unread_count(charlie) == 1
    assert mark_read(actor=alice) == 1
    assert unread_count(alice) == 0 and unread_count(charlie) == 1
