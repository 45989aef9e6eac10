"""Periodic jobs: each due run is claimed once (conditional UPDATE), and the worker runs them."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nq57.accounts.models import LoginFailure
from nq57.core import scheduler
from nq57.core.models import ScheduledJob
from nq57.core.tasks import housekeeping

pytestmark = pytest.mark.django_db

DB_BACKEND = "django_tasks_db.DatabaseBackend"
IMMEDIATE_BACKEND = "django.tasks.backends.immediate.ImmediateBackend"
INTERVAL = dict((name, interval) for name, _path, interval in scheduler.SCHEDULE)["housekeeping"]


@pytest.fixture(autouse=True)
def _only_housekeeping(monkeypatch):
    # Later issues register more jobs; these tests are about the claiming mechanism, on one job.
    monkeypatch.setattr(scheduler, "SCHEDULE", [job for job in scheduler.SCHEDULE if job[0] == "housekeeping"])


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": DB_BACKEND}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}


def _queued_housekeeping():
    return DBTaskResult.objects.filter(task_path="nq57.core.tasks.housekeeping")


def _old_and_new_failures():
    old = LoginFailure.objects.create(username="old", ip_address="127.0.0.1")
    new = LoginFailure.objects.create(username="new", ip_address="127.0.0.1")
    LoginFailure.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=2))
    return old, new


def test_a_due_job_is_enqueued_once_even_when_asked_twice(db_tasks):
    now = timezone.now()
    assert scheduler.enqueue_due(now) == ["housekeeping"]
    assert scheduler.enqueue_due(now) == []
    assert _queued_housekeeping().count() == 1
    job = ScheduledJob.objects.get(name="housekeeping")
    assert (job.next_run_at, job.last_enqueued_at) == (now + INTERVAL, now)


def test_the_job_is_enqueued_again_when_its_interval_has_passed(db_tasks):
    now = timezone.now()
    scheduler.enqueue_due(now)
    assert scheduler.enqueue_due(now + INTERVAL - datetime.timedelta(seconds=1)) == []
    assert scheduler.enqueue_due(now + INTERVAL) == ["housekeeping"]
    assert _queued_housekeeping().count() == 2


def test_a_second_worker_with_a_stale_view_of_the_job_loses_the_claim(db_tasks, monkeypatch):
    # Two workers read the same due job; the first claims it. The second still holds the old
    # next_run_at, so its conditional UPDATE matches no row and it enqueues nothing.
    now = timezone.now()
    ScheduledJob.objects.create(name="housekeeping", next_run_at=now - datetime.timedelta(minutes=1))
    stale = ScheduledJob.objects.get(name="housekeeping")
    assert scheduler.enqueue_due(now) == ["housekeeping"]
    monkeypatch.setattr(ScheduledJob.objects, "get_or_create", lambda **kwargs: (stale, False))
    assert scheduler.enqueue_due(now) == []
    assert _queued_housekeeping().count() == 1


def test_with_the_immediate_backend_the_job_runs_at_once_and_only_once(immediate_tasks):
    now = timezone.now()
    _old_and_new_failures()
    scheduler.enqueue_due(now)
    assert not LoginFailure.objects.filter(username="old").exists()  # it ran
    # An old failure left now would be removed by another run; none happens.
    _old_and_new_failures()
    scheduler.enqueue_due(now)
    assert LoginFailure.objects.filter(username="old").exists()


def test_housekeeping_forgets_old_login_failures_and_keeps_recent_ones():
    old, new = _old_and_new_failures()
    assert housekeeping.call() == {"login_failures_deleted": 1}
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [new.pk]


def test_housekeeping_run_through_the_immediate_backend(immediate_tasks):
    _old_and_new_failures()
    result = housekeeping.enqueue()
    assert result.return_value == {"login_failures_deleted": 1}
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["new"]


def test_the_worker_in_batch_mode_enqueues_due_jobs_and_runs_them(db_tasks, monkeypatch):
    # The worker drops stale connections between tasks; inside a test's transaction that would
    # close the connection holding it (PostgreSQL). The real worker runs in autocommit.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    _old_and_new_failures()
    call_command("worker", batch=True)
    (result,) = _queued_housekeeping()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"login_failures_deleted": 1}
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["new"]
    # Run again at once: the job is not due, nothing new is queued.
    call_command("worker", batch=True)
    assert _queued_housekeeping().count() == 1


def test_a_failing_scheduler_tick_is_logged_and_the_loop_goes_on(monkeypatch, caplog):
    import threading

    stop = threading.Event()
    ticks = []

    def failing():
        ticks.append(1)
        if len(ticks) >= 2:
            stop.set()
        raise RuntimeError("database away")

    monkeypatch.setattr(scheduler, "enqueue_due", failing)
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    scheduler.run_forever(stop, every_seconds=0)
    assert len(ticks) == 2
    assert "scheduler tick failed" in caplog.text
