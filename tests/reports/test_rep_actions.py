"""Report services: requesting a report (validated, audited, queued after commit), generating it again, and
the schedules (APPROVE on the scope, e-mail addresses checked, first run worked out)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nq57.audit.models import AuditEvent
from nq57.reports import actions, tasks
from nq57.reports.models import Report, ReportSchedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The ids generate_report was enqueued with (nothing runs)."""
    ids = []

    class Recorder:
        def enqueue(self, report_id):
            ids.append(report_id)

    monkeypatch.setattr(tasks, "generate_report", Recorder())
    return ids


def request(actor, scope, **fields):
    values = {"period_kind": "half", "year": 2025, "period_number": 1}
    values.update(fields)
    return actions.request_report(actor=actor, scope=scope, **values)


# --- request_report --------------------------------------------------------------------------------------


def test_a_request_creates_a_queued_report_audits_it_and_enqueues_after_commit(
        alice, org, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = request(alice, org("P20"), language="en", document_number=" 15/BC-BCĐ ", place="Lạng Sơn",
                         recipients="UBND tỉnh\n\n  Sở KH&CN  \n", signer_title="TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN",
                         signer_name="Nguyễn Văn B")
        assert queued == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1 and queued == [report.pk]
    report.refresh_from_db()
    assert (report.status, report.progress, report.requested_by) == (Report.Status.QUEUED, 0, alice)
    assert (report.period_start, report.period_end) == (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert (report.language, report.number, report.recipients) == ("en", "15/BC-BCĐ", "UBND tỉnh\nSở KH&CN")
    assert report.signer_title == "TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN"
    event = AuditEvent.objects.get(verb="report_requested")
    assert event.actor == alice and event.organisation == org("P20")


def test_a_yearly_report_ignores_the_number(alice, org, queued):
    report = request(alice, org("P20"), period_kind="year", year=2024, period_number=None)
    assert (report.period_start, report.period_end) == (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


@pytest.mark.parametrize("fields, field", [
    ({"period_kind": "week"}, "period_kind"),
    ({"year": 1999}, "year"),
    ({"year": timezone.localdate().year + 1}, "year"),
    ({"period_number": 3}, "period_number"),  # a year has two halves
    ({"period_kind": "month", "period_number": 13}, "period_number"),
    ({"period_kind": "quarter", "period_number": 0}, "period_number"),
    ({"period_number": None}, "period_number"),
    ({"language": "fr"}, "language"),
])
def test_a_bad_period_or_language_is_refused_with_a_message_on_its_field(alice, org, queued, fields, field):
    with pytest.raises(ValidationError) as caught:
        request(alice, org("P20"), **fields)
    assert field in caught.value.message_dict
    assert not Report.objects.exists() and queued == []


def test_a_period_that_has_not_started_is_refused():
    today = datetime.date(2025, 6, 15)
    with pytest.raises(ValidationError) as caught:
        actions.period_bounds("month", 2025, 7, today=today)
    assert "period_number" in caught.value.message_dict
    assert actions.period_bounds("quarter", 2025, 2, today=today) == (datetime.date(2025, 4, 1),
                                                                       datetime.date(2025, 6, 30))


def test_the_current_period_may_be_reported_on_so_far(alice, org, queued):
    today = timezone.localdate()
    report = request(alice, org("P20"), period_kind="month", year=today.year, period_number=today.month)
    assert report.period_start <= today <= report.period_end


def test_a_scope_outside_the_users_view_is_refused(charlie, org, queued):
    with pytest.raises(PermissionDenied):
        request(charlie, org("P20"))
    assert not Report.objects.exists()


def test_the_system_may_request_any_scope(org, queued):
    report = request(None, org("BCDTW"))
    assert report.requested_by is None


# --- retry_report ---------------------------------------------------------------------------------------


def test_a_failed_report_is_queued_again_in_place(alice, make_report, queued, django_capture_on_commit_callbacks):
    report = make_report(status=Report.Status.FAILED, progress=42, error="boom", requested_by=alice,
                         started_at=timezone.now(), finished_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        actions.retry_report(actor=alice, report=report)
    report.refresh_from_db()
    assert (report.status, report.progress, report.error, report.started_at) == (Report.Status.QUEUED, 0, "", None)
    assert queued == [report.pk]
    assert AuditEvent.objects.filter(verb="report_retried", object_id=str(report.pk)).exists()


def test_a_report_that_is_done_or_running_normally_is_not_queued_again(alice, make_report, queued):
    done = make_report(status=Report.Status.DONE, progress=100)
    running = make_report(status=Report.Status.RUNNING, started_at=timezone.now())
    for report in (done, running):
        with pytest.raises(ValidationError):
            actions.retry_report(actor=alice, report=report)
    assert queued == []


def test_a_report_running_for_hours_lost_its_worker_and_may_be_queued_again(alice, make_report, queued):
    report = make_report(status=Report.Status.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=2))
    assert actions.may_retry(report)
    actions.retry_report(actor=alice, report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED


def test_a_second_retry_of_the_same_failure_is_refused(alice, make_report, queued):
    report = make_report(status=Report.Status.FAILED)
    stale = Report.objects.get(pk=report.pk)
    actions.retry_report(actor=alice, report=report)
    with pytest.raises(ValidationError):
        actions.retry_report(actor=alice, report=stale)  # read before the first retry: its UPDATE matches nothing


def test_retry_needs_view_on_the_scope(charlie, make_report, queued):
    report = make_report(status=Report.Status.FAILED)
    with pytest.raises(PermissionDenied):
        actions.retry_report(actor=charlie, report=report)


# --- schedules ------------------------------------------------------------------------------------------


def schedule_values(**fields):
    values = {"period_kind": "quarter", "emails": "a@example.vn\nb@example.vn", "language": "vi",
              "recipients": "UBND tỉnh", "days_after": 3, "active": True}
    values.update(fields)
    return values


def test_a_standing_office_creates_a_schedule_audited(lan, org):
    schedule = actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values(
        emails="  a@example.vn ;b@example.vn,  A@example.vn\n\n"))
    assert schedule.emails == "a@example.vn\nb@example.vn"  # split, trimmed, duplicates dropped
    assert schedule.created_by == lan and schedule.active
    assert AuditEvent.objects.filter(verb="report_schedule_created", organisation=org("P20")).exists()


@pytest.mark.parametrize("user", ["alice", "minh"])
def test_a_schedule_needs_approve_on_its_scope(request, org, user):
    # alice only views and reports (focal officer); minh approves, but in Hà Nội.
    with pytest.raises(PermissionDenied):
        actions.create_schedule(actor=request.getfixturevalue(user), scope=org("P20"), **schedule_values())


@pytest.mark.parametrize("emails, message", [
    ("", "at least one"),
    ("a@example.vn\nnot-an-address", "not-an-address"),
    ("\n".join(f"p{i}@example.vn" for i in range(51)), "at most 50"),
])
def test_bad_addresses_are_refused(lan, org, emails, message):
    with pytest.raises(ValidationError) as caught:
        actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values(emails=emails))
    assert message in " ".join(caught.value.message_dict["emails"])


def test_fifty_addresses_are_enough(lan, org):
    emails = "\n".join(f"p{i}@example.vn" for i in range(50))
    assert actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values(emails=emails)).pk


@pytest.mark.parametrize("fields, field", [
    ({"period_kind": "week"}, "period_kind"), ({"days_after": -1}, "days_after"), ({"days_after": 61}, "days_after"),
    ({"language": "fr"}, "language"),
])
def test_bad_schedule_values_are_refused(lan, org, fields, field):
    with pytest.raises(ValidationError) as caught:
        actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values(**fields))
    assert field in caught.value.message_dict


@pytest.mark.parametrize("today, kind, days, expected", [
    # The period just ended is still ahead of its delay: it is the first run.
    ("2025-07-02", "half", 3, "2025-07-03"),
    ("2025-07-03", "half", 3, "2025-07-03"),
    # Past it: the end of the current period plus the delay.
    ("2025-07-04", "half", 3, "2025-12-31+3"),
    ("2025-05-20", "quarter", 5, "2025-06-30+5"),
    ("2025-05-20", "month", 0, "2025-05-31"),
    ("2025-01-10", "year", 15, "2025-01-15"),
    ("2025-02-10", "year", 15, "2025-12-31+15"),
])
def test_the_first_run_follows_the_end_of_a_period_and_the_delay(today, kind, days, expected):
    base, _, plus = expected.partition("+")
    expected_day = datetime.date.fromisoformat(base) + datetime.timedelta(days=int(plus or 0))
    assert actions.first_run_on(kind, days, datetime.date.fromisoformat(today)) == expected_day


def test_changing_the_period_retimes_the_schedule_and_is_audited(lan, org):
    schedule = actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values())
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_on=datetime.date(2000, 1, 1))
    schedule.refresh_from_db()
    actions.update_schedule(actor=lan, schedule=schedule, scope=org("P20"), **schedule_values(emails="c@example.vn"))
    schedule.refresh_from_db()
    assert schedule.next_run_on == datetime.date(2000, 1, 1)  # same period and delay: the next run stays
    actions.update_schedule(actor=lan, schedule=schedule, scope=org("P20"), **schedule_values(period_kind="year"))
    schedule.refresh_from_db()
    assert schedule.next_run_on == actions.first_run_on("year", 3)
    assert AuditEvent.objects.filter(verb="report_schedule_updated").count() == 2


def test_a_schedule_cannot_be_moved_to_a_scope_outside_the_users_rights(lan, org):
    schedule = actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values())
    with pytest.raises(PermissionDenied):
        actions.update_schedule(actor=lan, schedule=schedule, scope=org("P01"), **schedule_values())


def test_deleting_a_schedule_keeps_its_reports(lan, org, make_report):
    schedule = actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values())
    report = make_report(schedule=schedule)
    actions.delete_schedule(actor=lan, schedule=schedule)
    report.refresh_from_db()
    assert report.schedule is None and not ReportSchedule.objects.exists()
    assert AuditEvent.objects.filter(verb="report_schedule_deleted", organisation=org("P20")).exists()


def test_only_approvers_of_the_scope_delete_a_schedule(lan, minh, org):
    schedule = actions.create_schedule(actor=lan, scope=org("P20"), **schedule_values())
    with pytest.raises(PermissionDenied):
        actions.delete_schedule(actor=minh, schedule=schedule)
