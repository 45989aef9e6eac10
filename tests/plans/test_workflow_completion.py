"""Completion, extensions and recommendations: the assigning body's decisions, through the service functions.

sophie (standing office of the Government, owner of the plan) decides; alice and hanh (Lạng Sơn)
report; charlie (Hà Nội), dave (no role) and hanh herself (not the assigning body) may not decide.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from nq57.audit.services import history_for
from nq57.notifications.models import Notification
from nq57.plans import actions
from nq57.plans.models import Assignment, ExtensionRequest, ProgressReport, Recommendation, TaskEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield

S = Assignment.Status
T = Assignment.Timeliness
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


def _approved_report(alice, hanh, assignment, *, completion=False, recommendations=""):
    report = actions.save_progress_report(
        actor=alice, assignment=assignment, period_end=TODAY() - datetime.timedelta(days=1), text="Tiến độ",
        progress=100 if completion else 50, self_rating=ProgressReport.Rating.GREEN,
        reports_completion=completion, recommendations=recommendations)
    if completion:
        actions.add_evidence(actor=alice, report=report, uploaded_file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4 x"))
    actions.submit_progress_report(actor=alice, report=report)
    return actions.approve_progress_report(actor=hanh, report=report)


@pytest.fixture
def pending(alice, hanh, lang_son_assignment):
    """Lạng Sơn's assignment, reported done by alice and approved by hanh: awaiting sophie."""
    _approved_report(alice, hanh, lang_son_assignment, completion=True)
    return Assignment.objects.get(pk=lang_son_assignment.pk)


def _notes(user):
    return Notification.objects.filter(user=user).exclude(kind="assigned")


# --- Completion --------------------------------------------------------------------------------


def test_sophie_verifies_and_the_completion_dates_from_the_report(pending, sophie, alice, hanh,
                                                                  django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = actions.verify_completion(actor=sophie, assignment=pending)
    assignment.refresh_from_db()
    submitted = pending.reports.get().submitted_at
    assert (assignment.status, assignment.progress) == (S.COMPLETED, 100)
    assert assignment.completed_on == timezone.localtime(submitted).date()
    assert (assignment.timeliness, assignment.timeliness_original) == (T.COMPLETED_ON_TIME, T.COMPLETED_ON_TIME)
    event = TaskEvent.objects.get(kind="completion_verified")
    assert (event.actor, event.data["completed_on"]) == (sophie, assignment.completed_on.isoformat())
    assert history_for(assignment).first().verb == "completion_verified"
    # Lạng Sơn's reporters hear of it (alice wrote the report, hanh reports too).
    assert {n.user for n in Notification.objects.filter(kind="completion_verified")} == {alice, hanh}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, hanh.email])


def test_a_completion_dated_after_the_deadline_is_late(pending, sophie):
    Assignment.objects.filter(pk=pending.pk).update(original_deadline=TODAY() - datetime.timedelta(days=10))
    pending.refresh_from_db()
    assignment = actions.verify_completion(actor=sophie, assignment=pending, completed_on=TODAY())
    assert (assignment.completed_on, assignment.timeliness) == (TODAY(), T.COMPLETED_LATE)


def test_the_completion_date_cannot_be_in_the_future(pending, sophie):
    with pytest.raises(ValidationError) as caught:
        actions.verify_completion(actor=sophie, assignment=pending, completed_on=TODAY() + datetime.timedelta(1))
    assert "completed_on" in caught.value.message_dict


@pytest.mark.parametrize("who", ["alice", "hanh", "charlie", "dave"])
def test_only_the_assigning_body_verifies(request, pending, who):
    with pytest.raises(PermissionDenied):
        actions.verify_completion(actor=request.getfixturevalue(who), assignment=pending)
    pending.refresh_from_db()
    assert pending.status == S.PENDING_VERIFICATION


def test_an_assignment_not_awaiting_verification_cannot_be_verified(lang_son_assignment, sophie):
    with pytest.raises(ValidationError, match="awaiting verification"):
        actions.verify_completion(actor=sophie, assignment=lang_son_assignment)


def test_sophie_returns_a_completion_with_a_reason(pending, sophie, alice, hanh):
    assignment = actions.return_completion(actor=sophie, assignment=pending, reason="Chưa có quyết định ban hành")
    assert (assignment.status, assignment.status_reason) == (S.IN_PROGRESS, "Chưa có quyết định ban hành")
    assert TaskEvent.objects.get(kind="completion_returned").data["reason"] == "Chưa có quyết định ban hành"
    assert _notes(alice).get().kind == "completion_returned"
    assert history_for(assignment).first().verb == "completion_returned"


def test_returning_a_completion_needs_a_reason(pending, sophie):
    with pytest.raises(ValidationError) as caught:
        actions.return_completion(actor=sophie, assignment=pending, reason="")
    assert "reason" in caught.value.message_dict


def test_charlie_cannot_return_a_completion(pending, charlie):
    with pytest.raises(PermissionDenied):
        actions.return_completion(actor=charlie, assignment=pending, reason="x")


# --- Extensions -----------------------------------------------------------------------------------


def _request(alice, assignment, days=60, reason="Chờ hướng dẫn của Bộ"):
    return actions.request_extension(actor=alice, assignment=assignment, reason=reason,
                                     requested_deadline=assignment.original_deadline + datetime.timedelta(days))


def test_alice_asks_for_an_extension_and_sophie_is_told(alice, sophie, lang_son_assignment):
    request = _request(alice, lang_son_assignment)
    assert (request.status, request.requested_by) == (ExtensionRequest.Status.PENDING, alice)
    assert _notes(sophie).get().kind == "extension_requested"
    event = TaskEvent.objects.get(kind="extension_requested")
    assert event.data["requested_deadline"] == request.requested_deadline.isoformat()
    assert history_for(request).get().verb == "extension_requested"


@pytest.mark.parametrize("days, reason, field", [(60, "  ", "reason"), (0, "x", "requested_deadline"),
                                                 (-5, "x", "requested_deadline")])
def test_an_extension_needs_a_reason_and_a_later_deadline(alice, lang_son_assignment, days, reason, field):
    with pytest.raises(ValidationError) as caught:
        _request(alice, lang_son_assignment, days=days, reason=reason)
    assert field in caught.value.message_dict


def test_one_extension_request_at_a_time(alice, lang_son_assignment):
    _request(alice, lang_son_assignment)
    with pytest.raises(ValidationError, match="already awaiting"):
        _request(alice, lang_son_assignment, days=90)


def test_an_assignment_without_a_deadline_cannot_be_extended(alice, lang_son_assignment):
    Assignment.objects.filter(pk=lang_son_assignment.pk).update(original_deadline=None)
    lang_son_assignment.refresh_from_db()
    with pytest.raises(ValidationError, match="no deadline"):
        actions.request_extension(actor=alice, assignment=lang_son_assignment, reason="x",
                                  requested_deadline=TODAY() + datetime.timedelta(days=400))


@pytest.mark.parametrize("who", ["charlie", "dave", "sophie"])
def test_only_the_assignee_scope_asks_for_extensions(request, lang_son_assignment, who):
    with pytest.raises(PermissionDenied):
        _request(request.getfixturevalue(who), lang_son_assignment)


def test_an_approved_extension_revises_the_deadline_and_keeps_the_original(alice, sophie, lang_son_assignment,
                                                                           django_capture_on_commit_callbacks,
                                                                           mailoutbox):
    original = lang_son_assignment.original_deadline
    request = _request(alice, lang_son_assignment)
    with django_capture_on_commit_callbacks(execute=True):
        actions.decide_extension(actor=sophie, request=request, approve=True, note="Đồng ý")
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert (assignment.original_deadline, assignment.revised_deadline) == (original, request.requested_deadline)
    assert assignment.effective_deadline == request.requested_deadline
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == (
        ExtensionRequest.Status.APPROVED, sophie, "Đồng ý")
    assert _notes(alice).get().kind == "extension_approved"
    assert alice.email in [m.to[0] for m in mailoutbox]
    assert TaskEvent.objects.get(kind="extension_approved").data["revised_deadline"] == (
        request.requested_deadline.isoformat())
    assert history_for(assignment).first().verb == "deadline_revised"


def test_after_an_extension_late_work_is_on_time_against_the_revised_deadline_only(alice, hanh, sophie,
                                                                                     lang_son_assignment):
    Assignment.objects.filter(pk=lang_son_assignment.pk).update(original_deadline=TODAY() - datetime.timedelta(30))
    lang_son_assignment.refresh_from_db()
    actions.decide_extension(actor=sophie, request=_request(alice, lang_son_assignment, days=60), approve=True)
    _approved_report(alice, hanh, lang_son_assignment, completion=True)
    assignment = actions.verify_completion(actor=sophie, assignment=Assignment.objects.get(pk=lang_son_assignment.pk))
    assert (assignment.timeliness, assignment.timeliness_original) == (T.COMPLETED_ON_TIME, T.COMPLETED_LATE)


def test_a_refusal_needs_a_reason_and_leaves_the_deadline(alice, sophie, lang_son_assignment):
    request = _request(alice, lang_son_assignment)
    with pytest.raises(ValidationError) as caught:
        actions.decide_extension(actor=sophie, request=request, approve=False)
    assert "note" in caught.value.message_dict
    actions.decide_extension(actor=sophie, request=request, approve=False, note="Không có căn cứ")
    assignment = Assignment.objects.get(pk=lang_son_assignment.pk)
    assert assignment.revised_deadline is None
    assert _notes(alice).get().kind == "extension_refused"
    assert TaskEvent.objects.get(kind="extension_refused").data["note"] == "Không có căn cứ"


def test_a_request_is_decided_once(alice, sophie, lang_son_assignment):
    request = _request(alice, lang_son_assignment)
    actions.decide_extension(actor=sophie, request=request, approve=True)
    with pytest.raises(ValidationError, match="already been decided"):
        actions.decide_extension(actor=sophie, request=request, approve=False, note="x")


@pytest.mark.parametrize("who", ["alice", "hanh", "charlie", "dave"])
def test_only_the_assigning_body_decides_extensions(request, alice, lang_son_assignment, who):
    extension = _request(alice, lang_son_assignment)
    with pytest.raises(PermissionDenied):
        actions.decide_extension(actor=request.getfixturevalue(who), request=extension, approve=True)


# --- Recommendations ---------------------------------------------------------------------------------


@pytest.fixture
def recommendation(alice, hanh, lang_son_assignment):
    _approved_report(alice, hanh, lang_son_assignment, recommendations="Đề nghị hướng dẫn định mức chi")
    return Recommendation.objects.get()


def test_sophie_answers_a_recommendation_and_its_author_is_told(recommendation, sophie, alice):
    answered = actions.answer_recommendation(actor=sophie, recommendation=recommendation,
                                             answer="Bộ Tài chính sẽ ban hành trong quý I")
    assert (answered.status, answered.answered_by) == (Recommendation.Status.ANSWERED, sophie)
    note = _notes(alice).get()
    assert (note.kind, note.body) == ("recommendation_answered", "Bộ Tài chính sẽ ban hành trong quý I")
    assert TaskEvent.objects.get(kind="recommendation_answered").data["recommendation"] == recommendation.pk
    assert history_for(recommendation).first().verb == "recommendation_answered"


def test_an_answer_cannot_be_empty(recommendation, sophie):
    with pytest.raises(ValidationError) as caught:
        actions.answer_recommendation(actor=sophie, recommendation=recommendation, answer=" ")
    assert "answer" in caught.value.message_dict


def test_a_closed_recommendation_takes_no_more_answers(recommendation, sophie):
    actions.close_recommendation(actor=sophie, recommendation=recommendation)
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.CLOSED
    assert TaskEvent.objects.filter(kind="recommendation_closed").exists()
    with pytest.raises(ValidationError, match="closed"):
        actions.answer_recommendation(actor=sophie, recommendation=recommendation, answer="late")
    with pytest.raises(ValidationError, match="closed"):
        actions.close_recommendation(actor=sophie, recommendation=recommendation)


@pytest.mark.parametrize("who", ["alice", "hanh", "charlie", "dave"])
def test_only_the_assigning_body_answers_and_closes(request, recommendation, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.answer_recommendation(actor=user, recommendation=recommendation, answer="x")
    with pytest.raises(PermissionDenied):
        actions.close_recommendation(actor=user, recommendation=recommendation)
