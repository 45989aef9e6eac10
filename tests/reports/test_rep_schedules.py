"""Scheduled reports: when a schedule is due, the report of the period just ended is queued (once), generated,
and e-mailed with its Word, PDF and Excel files attached; the next run moves to the next period."""

import datetime

import pytest
from django.core import mail

from nq57.core import scheduler
from nq57.reports import actions, tasks
from nq57.reports import content as report_content
from nq57.reports.mail import CONTENT_TYPES
from nq57.reports.models import Report, ReportSchedule

pytestmark = pytest.mark.django_db

D = datetime.date


class FakeWriter:
    def __init__(self, fmt):
        self.fmt = fmt

    def write(self, content, stream):
        stream.write(f"{self.fmt} file".encode())


@pytest.fixture
def pipeline(monkeypatch, settings, tmp_path):
    """Queued reports run at once (immediate task backend) with a fake build() and fake writers."""
    from rep_writer_samples import vietnamese

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    built = []

    def build(report, progress=None):
        built.append((report.period_start, report.period_end))
        return vietnamese()

    monkeypatch.setattr(report_content, "build", build)
    monkeypatch.setattr(tasks, "_writer", lambda path: FakeWriter(path.rsplit(".", 1)[1].split("_")[0]))
    return built


@pytest.fixture
def schedule(lan, org):
    """A quarterly schedule of Lạng Sơn, 5 days after each quarter, due on 5 October 2025 (Q3 2025)."""
    created = actions.create_schedule(actor=lan, scope=org("P20"), period_kind="quarter", language="vi",
                                      emails="lanh.dao@langson.gov.vn\nvan.phong@langson.gov.vn",
                                      recipients="Thường trực Tỉnh ủy", days_after=5)
    ReportSchedule.objects.filter(pk=created.pk).update(next_run_on=D(2025, 10, 5))
    created.refresh_from_db()
    return created


def run(today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.run_schedules(today)


def test_a_due_schedule_generates_and_emails_the_report_of_the_period_just_ended(
        schedule, pipeline, django_capture_on_commit_callbacks):
    queued = run(D(2025, 10, 5), django_capture_on_commit_callbacks)
    report = Report.objects.get()
    assert queued == [report.pk]
    assert (report.period_kind, report.period_start, report.period_end) == ("quarter", D(2025, 7, 1), D(2025, 9, 30))
    assert (report.schedule, report.requested_by, report.recipients) == (schedule, None, "Thường trực Tỉnh ủy")
    assert report.status == Report.Status.DONE
    (message,) = mail.outbox
    assert message.to == ["lanh.dao@langson.gov.vn", "van.phong@langson.gov.vn"]
    assert "Quý III năm 2025" in message.subject
    assert f"/reports/{report.pk}/" in message.body
    names = [name for name, _content, _type in message.attachments]
    assert [name.rsplit(".", 1)[1] for name in names] == ["docx", "pdf", "xlsx"]
    assert all("quy-iii-nam-2025" in name for name in names)
    assert [mimetype for _name, _content, mimetype in message.attachments] == list(CONTENT_TYPES.values())
    assert message.attachments[1][1] == b"pdf file"
    schedule.refresh_from_db()
    assert schedule.next_run_on == D(2025, 12, 31) + datetime.timedelta(days=5)  # Q4's report


def test_running_again_the_same_day_does_nothing(schedule, pipeline, django_capture_on_commit_callbacks):
    run(D(2025, 10, 5), django_capture_on_commit_callbacks)
    assert run(D(2025, 10, 5), django_capture_on_commit_callbacks) == []
    assert Report.objects.count() == 1 and len(mail.outbox) == 1


def test_a_schedule_is_not_due_before_its_day(schedule, pipeline, django_capture_on_commit_callbacks):
    assert run(D(2025, 10, 4), django_capture_on_commit_callbacks) == []
    assert not Report.objects.exists() and not mail.outbox


def test_an_existing_report_of_the_period_is_not_made_twice(schedule, pipeline, make_report,
                                                             django_capture_on_commit_callbacks):
    make_report(kind="quarter", year=2025, number=3, schedule=schedule)
    assert run(D(2025, 10, 5), django_capture_on_commit_callbacks) == []
    schedule.refresh_from_db()
    assert Report.objects.count() == 1 and schedule.next_run_on == D(2026, 1, 5)  # still moved on


def test_two_runs_racing_queue_one_report(schedule, pipeline):
    stale = ReportSchedule.objects.get(pk=schedule.pk)
    assert tasks.run_schedule(schedule, D(2025, 10, 5)) is not None
    assert tasks.run_schedule(stale, D(2025, 10, 5)) is None  # its claim (the old next_run_on) matches nothing
    assert Report.objects.count() == 1


def test_after_an_outage_only_the_latest_due_period_is_reported(schedule, pipeline,
                                                                django_capture_on_commit_callbacks):
    # Not run since October: on 20 April 2026 Q1 2026 is due (5 April); Q4 2025 is skipped, not sent late.
    run(D(2026, 4, 20), django_capture_on_commit_callbacks)
    assert list(Report.objects.values_list("period_start", flat=True)) == [D(2026, 1, 1)]
    schedule.refresh_from_db()
    assert schedule.next_run_on == D(2026, 7, 5)


def test_inactive_schedules_do_not_run(schedule, pipeline, django_capture_on_commit_callbacks):
    ReportSchedule.objects.filter(pk=schedule.pk).update(active=False)
    assert run(D(2025, 10, 5), django_capture_on_commit_callbacks) == []


def test_a_failed_scheduled_report_sends_no_mail_and_tells_the_schedules_author(
        schedule, pipeline, monkeypatch, lan, django_capture_on_commit_callbacks):
    from nq57.notifications.models import Notification

    def broken(report, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_content, "build", broken)
    run(D(2025, 10, 5), django_capture_on_commit_callbacks)
    assert Report.objects.get().status == Report.Status.FAILED
    assert not [m for m in mail.outbox if m.attachments]
    assert Notification.objects.get(user=lan).kind == "report_failed"


def test_the_task_and_the_scheduler_know_the_job(schedule, pipeline, django_capture_on_commit_callbacks):
    assert ("report_schedules", "nq57.reports.tasks.run_report_schedules", datetime.timedelta(hours=1)) \
        in scheduler.SCHEDULE
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_on=D(2000, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_report_schedules.enqueue()
    assert len(result.return_value["queued"]) == 1
