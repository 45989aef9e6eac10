"""Progress reports through the service functions: draft, evidence, submit, approve or return.

alice (focal officer of Lạng Sơn) writes, hanh (head of Lạng Sơn) approves, sophie (standing office
of the Government, which owns the plan) is told; charlie (Hà Nội) and dave (no role) may do nothing.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from nq57.audit.models import AuditEvent
from nq57.audit.services import history_for
from nq57.notifications.models import Notification
from nq57.plans import actions
from nq57.plans.models import Assignment, ProgressReport, Recommendation, TaskEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield

R = ProgressReport.Status
PDF = b"%PDF-1.7\n% a tiny PDF\n"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


def _period_end():
    return timezone.localdate() - datetime.timedelta(days=1)


def _draft(actor, assignment, **overrides):
    values = dict(period_end=_period_end(), text="Đã hoàn thành khảo sát hiện trạng", progress=40,
                  self_rating=ProgressReport.Rating.AMBER_GREEN)
    values.update(overrides)
    return actions.save_progress_report(actor=actor, assignment=assignment, **values)


def _submitted(alice, assignment, **overrides):
    report = _draft(alice, assignment, **overrides)
    if report.reports_completion:
        actions.add_evidence(actor=alice, report=report, uploaded_file=SimpleUploadedFile("san-pham.pdf", PDF))
    return actions.submit_progress_report(actor=alice, report=report)


def _notes():
    """Notifications other than "you have a new task" (the fixtures create the task after the people)."""
    return Notification.objects.exclude(kind="assigned")


def _kinds(task):
    return list(TaskEvent.objects.filter(task=task).order_by("at", "id").values_list("kind", flat=True))


# --- Drafts ----------------------------------------------------------------------------------


def test_alice_saves_a_draft_that_nobody_else_is_told_about(alice, hanh, lang_son_assignment):
    report = _draft(alice, lang_son_assignment)
    assert (report.status, report.author, report.progress) == (R.DRAFT, alice, 40)
    assert history_for(report).get().verb == "report_drafted"
    assert not _notes().exists()
    assert "report_submitted" not in _kinds(lang_son_assignment.task)


def test_a_draft_can_be_corrected_and_the_change_is_audited(alice, lang_son_assignment):
    report = _draft(alice, lang_son_assignment)
    again = _draft(alice, lang_son_assignment, progress=45, report=report)
    assert again.pk == report.pk and again.progress == 45
    change = history_for(report).first()
    assert (change.verb, change.before["progress"], change.after["progress"]) == ("report_edited", 40, 45)


@pytest.mark.parametrize("field, overrides", [
    ("text", {"text": "   "}),
    ("progress", {"progress": 101}),
    ("progress", {"progress": -1}),
    ("progress", {"progress": "forty"}),
    ("progress", {"progress": 40.5}),
    ("progress", {"progress": 90, "reports_completion": True}),
    ("self_rating", {"self_rating": "excellent"}),
    ("period_end", {"period_end": "2025-03-31"}),
])
def test_a_draft_with_bad_values_is_refused_with_a_message_on_the_field(alice, lang_son_assignment, field,
                                                                        overrides):
    with pytest.raises(ValidationError) as caught:
        _draft(alice, lang_son_assignment, **overrides)
    assert field in caught.value.message_dict
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "dave", "sophie"])
def test_only_the_assignee_scope_may_write_reports(request, lang_son_assignment, who):
    # charlie reports for Hà Nội, dave has no role, sophie administers the plan but does not report for Lạng Sơn.
    with pytest.raises(PermissionDenied):
        _draft(request.getfixturevalue(who), lang_son_assignment)


def test_a_submitted_report_cannot_be_edited(alice, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment)
    with pytest.raises(ValidationError, match="draft or a returned"):
        _draft(alice, lang_son_assignment, report=report)


def test_a_report_of_another_assignment_cannot_be_edited_through_this_one(alice, lang_son_assignment, org):
    other = actions.assign_task(actor=None, task=lang_son_assignment.task, organisation=org("P20-SKHCN"))
    report = _draft(alice, other)
    with pytest.raises(ValidationError, match="another assignment"):
        _draft(alice, lang_son_assignment, report=report)


# --- Submission -------------------------------------------------------------------------------


def test_submitting_tells_the_agency_head_and_leaves_a_timeline_line(alice, hanh, sophie, lang_son_assignment,
                                                                     django_capture_on_commit_callbacks, mailoutbox):
    report = _draft(alice, lang_son_assignment)
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_progress_report(actor=alice, report=report)
    report.refresh_from_db()
    assert report.status == R.SUBMITTED and report.submitted_at is not None
    (note,) = _notes()
    assert (note.user, note.kind) == (hanh, "report_submitted")
    assert "1" in note.title and note.emailed_at is not None
    assert note.url == lang_son_assignment.get_absolute_url()
    assert [m.to for m in mailoutbox] == [[hanh.email]]
    assert note.title in mailoutbox[0].subject
    event = TaskEvent.objects.get(kind="report_submitted")
    assert (event.actor, event.assignment, event.data["report"], event.data["progress"]) == (
        alice, lang_son_assignment, report.pk, 40)
    assert history_for(report).first().verb == "report_submitted"


def test_no_email_leaves_before_the_transaction_commits(alice, hanh, lang_son_assignment, mailoutbox):
    actions.submit_progress_report(actor=alice, report=_draft(alice, lang_son_assignment))
    assert _notes().filter(user=hanh).exists()  # stored with the change
    assert mailoutbox == []  # the test's transaction never commits, so no mail went out


def test_the_agency_head_is_not_told_about_her_own_submission(hanh, lang_son_assignment):
    actions.submit_progress_report(actor=hanh, report=_draft(hanh, lang_son_assignment))
    assert not _notes().filter(user=hanh).exists()


def test_a_completion_report_needs_the_product_as_evidence(alice, lang_son_assignment):
    report = _draft(alice, lang_son_assignment, progress=100, reports_completion=True)
    with pytest.raises(ValidationError, match="evidence"):
        actions.submit_progress_report(actor=alice, report=report)


def test_charlie_cannot_submit_a_lang_son_report(alice, charlie, lang_son_assignment):
    with pytest.raises(PermissionDenied):
        actions.submit_progress_report(actor=charlie, report=_draft(alice, lang_son_assignment))


def test_a_report_is_submitted_once(alice, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment)
    with pytest.raises(ValidationError):
        actions.submit_progress_report(actor=alice, report=report)


# --- Approval ---------------------------------------------------------------------------------


def test_hanh_approves_and_the_report_becomes_the_assignments_progress(alice, hanh, sophie, lang_son_assignment,
                                                                       django_capture_on_commit_callbacks,
                                                                       mailoutbox):
    report = _submitted(alice, lang_son_assignment)
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_progress_report(actor=hanh, report=report)
    report.refresh_from_db()
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert (report.status, report.reviewed_by, report.on_time) == (R.APPROVED, hanh, True)
    assert (assignment.status, assignment.progress, assignment.self_rating) == (
        Assignment.Status.IN_PROGRESS, 40, ProgressReport.Rating.AMBER_GREEN)
    assert (assignment.reports_received, assignment.reports_on_time) == (1, 1)
    assert assignment.last_report_on == timezone.localdate()
    # The assigning body (the Government's standing office) hears of it, by e-mail too.
    note = Notification.objects.get(kind="report_approved")
    assert note.user == sophie
    assert sophie.email in [m.to[0] for m in mailoutbox]
    assert _kinds(assignment.task)[-2:] == ["report_submitted", "report_approved"]
    verbs = set(AuditEvent.objects.filter(verb__in=["report_approved", "report_applied"]).values_list("verb",
                                                                                                       flat=True))
    assert verbs == {"report_approved", "report_applied"}
    applied = history_for(assignment).get(verb="report_applied")
    assert (applied.before["progress"], applied.after["progress"]) == (0, 40)


def test_a_report_submitted_after_the_grace_days_counts_as_late(alice, hanh, lang_son_assignment):
    grace = lang_son_assignment.task.plan.reporting_grace_days
    report = _submitted(alice, lang_son_assignment,
                        period_end=timezone.localdate() - datetime.timedelta(days=grace + 1))
    actions.approve_progress_report(actor=hanh, report=report)
    report.refresh_from_db()
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert report.on_time is False
    assert (assignment.reports_received, assignment.reports_on_time) == (1, 0)


def test_an_older_period_approved_late_does_not_overwrite_newer_progress(alice, hanh, lang_son_assignment):
    newer = _submitted(alice, lang_son_assignment, progress=60)
    older = _submitted(alice, lang_son_assignment, progress=30, period_end=_period_end() - datetime.timedelta(90))
    actions.approve_progress_report(actor=hanh, report=newer)
    actions.approve_progress_report(actor=hanh, report=older)
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert assignment.progress == 60
    assert assignment.reports_received == 2


def test_recommendations_in_an_approved_report_go_to_the_assigning_body(alice, hanh, sophie, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment, recommendations="Đề nghị bổ sung kinh phí năm 2026")
    actions.approve_progress_report(actor=hanh, report=report)
    (recommendation,) = Recommendation.objects.all()
    assert (recommendation.report, recommendation.assignment, recommendation.status) == (
        report, lang_son_assignment, Recommendation.Status.OPEN)
    assert "kinh phí" in _notes().get(user=sophie).body
    assert history_for(recommendation).get().verb == "recommendation_raised"


def test_a_completion_report_puts_the_assignment_in_pending_verification(alice, hanh, sophie, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment, progress=100, reports_completion=True)
    actions.approve_progress_report(actor=hanh, report=report)
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert (assignment.status, assignment.progress) == (Assignment.Status.PENDING_VERIFICATION, 100)
    assert _notes().get(user=sophie).kind == "completion_reported"
    assert _kinds(assignment.task)[-2:] == ["report_approved", "completion_reported"]
    # While it waits, no second completion can be reported.
    with pytest.raises(ValidationError, match="awaiting verification"):
        _draft(alice, assignment, progress=100, reports_completion=True)


@pytest.mark.parametrize("who", ["alice", "charlie", "dave", "sophie"])
def test_only_an_approver_of_lang_son_approves(request, alice, lang_son_assignment, who):
    # alice reports but does not approve; charlie is out of scope; dave has no role; sophie's
    # standing-office scope is the Government, not Lạng Sơn.
    report = _submitted(alice, lang_son_assignment)
    with pytest.raises(PermissionDenied):
        actions.approve_progress_report(actor=request.getfixturevalue(who), report=report)
    report.refresh_from_db()
    assert report.status == R.SUBMITTED


def test_a_draft_cannot_be_approved(alice, hanh, lang_son_assignment):
    with pytest.raises(ValidationError, match="submitted"):
        actions.approve_progress_report(actor=hanh, report=_draft(alice, lang_son_assignment))


def test_a_report_is_approved_once(alice, hanh, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment)
    actions.approve_progress_report(actor=hanh, report=report)
    with pytest.raises(ValidationError):
        actions.approve_progress_report(actor=hanh, report=report)
    assert Assignment.objects.get(pk=lang_son_assignment.pk).reports_received == 1


# --- Return -------------------------------------------------------------------------------------


def test_hanh_returns_a_report_with_a_comment_and_alice_is_told(alice, hanh, lang_son_assignment,
                                                                django_capture_on_commit_callbacks, mailoutbox):
    report = _submitted(alice, lang_son_assignment)
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_progress_report(actor=hanh, report=report, comment="Bổ sung số liệu tháng 6")
    report.refresh_from_db()
    assert (report.status, report.review_comment, report.reviewed_by) == (R.RETURNED, "Bổ sung số liệu tháng 6", hanh)
    note = _notes().get(user=alice)
    assert (note.kind, note.body) == ("report_returned", "Bổ sung số liệu tháng 6")
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert TaskEvent.objects.get(kind="report_returned").data["comment"] == "Bổ sung số liệu tháng 6"
    assert history_for(report).first().verb == "report_returned"
    # alice corrects it and submits again.
    corrected = _draft(alice, lang_son_assignment, progress=45, report=report)
    actions.submit_progress_report(actor=alice, report=corrected)
    corrected.refresh_from_db()
    assert corrected.status == R.SUBMITTED


def test_returning_needs_a_comment(alice, hanh, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment)
    with pytest.raises(ValidationError) as caught:
        actions.return_progress_report(actor=hanh, report=report, comment="  ")
    assert "comment" in caught.value.message_dict


def test_charlie_cannot_return_a_lang_son_report(alice, charlie, lang_son_assignment):
    with pytest.raises(PermissionDenied):
        actions.return_progress_report(actor=charlie, report=_submitted(alice, lang_son_assignment), comment="x")


def test_an_approved_report_cannot_be_returned(alice, hanh, lang_son_assignment):
    report = _submitted(alice, lang_son_assignment)
    actions.approve_progress_report(actor=hanh, report=report)
    with pytest.raises(ValidationError):
        actions.return_progress_report(actor=hanh, report=report, comment="too late")


def test_nothing_is_reported_on_a_cancelled_assignment(alice, sophie, lang_son_assignment):
    actions.set_assignment_status(actor=sophie, assignment=lang_son_assignment, status=Assignment.Status.CANCELLED,
                                  reason="Nhiệm vụ được điều chỉnh")
    with pytest.raises(ValidationError, match="cancelled"):
        _draft(alice, lang_son_assignment)
