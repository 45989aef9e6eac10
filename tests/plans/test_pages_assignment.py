"""The assignment page drives the whole workflow through its forms: alice (focal officer of Lạng Sơn)
reports with evidence, hanh (its head) approves or returns, sophie (the Government's standing office)
verifies, decides extensions and answers recommendations. Every refusal comes back on its form."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nq57.plans import actions
from nq57.plans.models import Assignment, Evidence, ExtensionRequest, ProgressReport, Recommendation

pytestmark = pytest.mark.django_db

S = Assignment.Status
R = ProgressReport.Status
PDF = b"%PDF-1.7\n% a tiny PDF\n"


@pytest.fixture(autouse=True)
def _setup(client, settings, tmp_path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def assignment(pages_plan):
    return pages_plan.assignment("1", "P20")


def url(assignment):
    return f"/plans/assignments/{assignment.pk}/"


def _report_data(**overrides):
    data = {"operation": "report", "report-period_end": (datetime.date.today() - datetime.timedelta(days=1))
            .strftime("%d/%m/%Y"), "report-text": "Đã hoàn thành khảo sát", "report-progress": "40",
            "report-self_rating": "amber_green", "then": "save"}
    data.update(overrides)
    return data


def _pdf(name="bao-cao.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _post(client, user, assignment, data):
    client.force_login(user)
    return client.post(url(assignment), data)


def test_alice_files_a_report_with_two_files_and_submits_it(client, alice, assignment):
    response = _post(client, alice, assignment, _report_data(**{
        "report-evidence": [_pdf("a.pdf"), _pdf("b.pdf")], "then": "submit"}))
    assert response.status_code == 302 and response["Location"] == url(assignment)
    report = assignment.reports.get()
    assert report.status == R.SUBMITTED and report.author == alice
    assert sorted(report.evidence.values_list("original_name", flat=True)) == ["a.pdf", "b.pdf"]
    body = client.get(url(assignment)).content.decode()
    evidence = report.evidence.first()
    assert f'href="/plans/evidence/{evidence.pk}/"' in body


def test_a_draft_is_corrected_through_the_edit_link_then_submitted(client, alice, assignment):
    _post(client, alice, assignment, _report_data())
    report = assignment.reports.get()
    page = client.get(url(assignment), {"edit": report.pk})
    assert page.context["editing"] == report
    assert "Đã hoàn thành khảo sát</textarea>" in page.content.decode()  # the form is filled in
    response = client.post(url(assignment), _report_data(**{"report": report.pk, "report-progress": "55"}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.progress, report.status) == (55, R.DRAFT)
    client.post(url(assignment), {"operation": "submit", "report": report.pk})
    report.refresh_from_db()
    assert report.status == R.SUBMITTED


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_kept(client, alice, assignment, settings):
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = _post(client, alice, assignment, _report_data(**{"report-evidence": [_pdf(), fake]}))
    assert response.status_code == 400
    assert response.context["forms"]["report"].errors["evidence"]
    assert not assignment.reports.exists() and not Evidence.objects.exists()
    stored = [name for _root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names]
    assert stored == []  # the good file saved before the bad one was refused is gone too


@pytest.mark.parametrize("overrides, field", [
    ({"report-progress": "140"}, "progress"),
    ({"report-progress": "abc"}, "progress"),
    ({"report-period_end": "31/02/2026"}, "period_end"),
    ({"report-text": ""}, "text"),
    ({"report-self_rating": "purple"}, "self_rating"),
    ({"report-reports_completion": "on", "report-progress": "80"}, "progress"),  # the service's own rule
])
def test_a_bad_report_comes_back_with_its_errors(client, alice, assignment, overrides, field):
    response = _post(client, alice, assignment, _report_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["forms"]["report"].errors
    assert not assignment.reports.exists()


def _submitted(alice, assignment, **overrides):
    values = dict(period_end=datetime.date.today() - datetime.timedelta(days=1), text="Tiến độ quý",
                  progress=60, self_rating="green")
    values.update(overrides)
    report = actions.save_progress_report(actor=alice, assignment=assignment, **values)
    if report.reports_completion:
        actions.add_evidence(actor=alice, report=report, uploaded_file=_pdf("san-pham.pdf"))
    return actions.submit_progress_report(actor=alice, report=report)


def test_the_agency_head_approves_or_returns_with_a_comment(client, alice, hanh, assignment):
    first = _submitted(alice, assignment)
    page = _post(client, hanh, assignment, {})
    assert page.status_code == 400  # no operation
    body = client.get(url(assignment)).content.decode()
    assert 'value="approve"' in body and 'value="return"' in body
    response = client.post(url(assignment), {"operation": "return", "report": first.pk, "return-comment": ""})
    assert response.status_code == 400
    bound = next(r for r in response.context["reports"] if r.pk == first.pk).return_form
    assert "comment" in bound.errors
    client.post(url(assignment), {"operation": "return", "report": first.pk, "return-comment": "Thiếu số liệu"})
    first.refresh_from_db()
    assert (first.status, first.review_comment) == (R.RETURNED, "Thiếu số liệu")
    actions.submit_progress_report(actor=alice, report=first)
    assert client.post(url(assignment), {"operation": "approve", "report": first.pk}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.progress == 60 and assignment.reports_received == 1


def test_completion_is_reported_approved_then_verified_by_the_assigning_body(client, alice, hanh, sophie,
                                                                             assignment):
    report = _submitted(alice, assignment, progress=100, reports_completion=True)
    actions.approve_progress_report(actor=hanh, report=report)
    client.force_login(alice)
    assert 'value="verify"' not in client.get(url(assignment)).content.decode()
    response = _post(client, sophie, assignment, {"operation": "return_completion", "return_completion-reason": ""})
    assert response.status_code == 400 and "reason" in response.context["forms"]["return_completion"].errors
    response = client.post(url(assignment), {"operation": "verify", "verify-completed_on": ""})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == S.COMPLETED and assignment.completed_on == datetime.date.today()


def test_a_completion_date_in_the_future_is_refused_on_the_form(client, alice, hanh, sophie, assignment):
    report = _submitted(alice, assignment, progress=100, reports_completion=True)
    actions.approve_progress_report(actor=hanh, report=report)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    response = _post(client, sophie, assignment, {"operation": "verify", "verify-completed_on": tomorrow})
    assert response.status_code == 400 and "completed_on" in response.context["forms"]["verify"].errors


def test_an_extension_is_requested_then_decided(client, alice, sophie, assignment):
    too_early = assignment.original_deadline.strftime("%d/%m/%Y")
    response = _post(client, alice, assignment, {"operation": "extension", "extension-requested_deadline": too_early,
                                                 "extension-reason": "Chờ kinh phí"})
    assert response.status_code == 400
    assert "requested_deadline" in response.context["forms"]["extension"].errors
    later = assignment.original_deadline + datetime.timedelta(days=90)
    client.post(url(assignment), {"operation": "extension", "extension-requested_deadline": later.strftime("%d/%m/%Y"),
                                  "extension-reason": "Chờ kinh phí"})
    request = ExtensionRequest.objects.get(assignment=assignment)
    response = _post(client, sophie, assignment, {"operation": "decide_extension", "request": request.pk,
                                                  "decide_extension-decision": "refuse"})
    assert response.status_code == 400  # refusing needs a reason
    assert "note" in next(x for x in response.context["extensions"] if x.pk == request.pk).decision_form.errors
    client.post(url(assignment), {"operation": "decide_extension", "request": request.pk,
                                  "decide_extension-decision": "approve"})
    assignment.refresh_from_db()
    assert assignment.revised_deadline == later and assignment.original_deadline < later


def test_recommendations_are_answered_and_closed(client, alice, hanh, sophie, assignment):
    report = _submitted(alice, assignment, recommendations="Đề nghị bổ sung kinh phí")
    actions.approve_progress_report(actor=hanh, report=report)
    recommendation = Recommendation.objects.get(assignment=assignment)
    _post(client, sophie, assignment, {"operation": "answer", "recommendation": recommendation.pk,
                                       "answer-answer": "Đã chuyển Bộ Tài chính"})
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.ANSWERED
    client.post(url(assignment), {"operation": "close_recommendation", "recommendation": recommendation.pk})
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.CLOSED


def test_a_subtask_goes_to_a_commune_of_the_province_only(client, alice, assignment, org):
    from nq57.orgs.models import Organisation

    own = Organisation.objects.filter(parent=org("P20"), kind__in=["commune", "ward"]).first()
    other = Organisation.objects.filter(parent=org("P01"), kind__in=["commune", "ward"]).first()
    response = _post(client, alice, assignment, {"operation": "subtask", "subtask-organisation": other.code,
                                                 "subtask-title": "Số hóa hồ sơ"})
    assert response.status_code == 400 and "organisation" in response.context["forms"]["subtask"].errors
    client.post(url(assignment), {"operation": "subtask", "subtask-organisation": own.code,
                                  "subtask-title": "Số hóa hồ sơ"})
    sub = assignment.subtasks.get()
    assert sub.organisation == own and sub.original_deadline == assignment.original_deadline


def test_cancelling_needs_a_reason_and_the_assigning_body(client, alice, sophie, assignment):
    response = _post(client, alice, assignment, {"operation": "status", "status-status": "cancelled",
                                                 "status-reason": "Không còn phù hợp"})
    assert response.status_code == 403
    response = _post(client, sophie, assignment, {"operation": "status", "status-status": "cancelled"})
    assert response.status_code == 400 and "reason" in response.context["forms"]["status"].errors
    client.post(url(assignment), {"operation": "status", "status-status": "cancelled",
                                  "status-reason": "Không còn phù hợp"})
    assignment.refresh_from_db()
    assert (assignment.status, assignment.status_reason) == (S.CANCELLED, "Không còn phù hợp")


@pytest.mark.parametrize("who, shown, hidden", [
    ("alice", ['value="report"', 'value="extension"', 'value="subtask"'], ['value="decide_extension"']),
    ("hanh", ['value="report"'], ['value="verify"']),
    ("sophie", ['value="status"'], ['value="report"', 'value="extension"', 'value="subtask"']),
])
def test_each_viewer_sees_the_forms_of_their_rights(client, request, assignment, who, shown, hidden):
    client.force_login(request.getfixturevalue(who))
    body = client.get(url(assignment)).content.decode()
    for marker in shown:
        assert marker in body, marker
    for marker in hidden:
        assert marker not in body, marker


@pytest.mark.parametrize("data", [
    {"operation": "approve", "report": "abc"},
    {"operation": "approve", "report": "999999999999999999999"},
    {"operation": "approve"},
    {"operation": "nothing"},
    {"operation": "submit", "report": "-1"},
    {"operation": "remove_evidence", "evidence": "12"},
    {"operation": "decide_extension", "request": "7", "decide_extension-decision": "approve"},
])
def test_bad_posts_are_answered_with_a_message_not_a_500(client, hanh, alice, assignment, data):
    response = _post(client, hanh, assignment, data)
    assert response.status_code in (400, 403)


def test_a_report_of_another_assignment_cannot_be_approved_through_this_page(client, alice, hanh, pages_plan):
    other = pages_plan.assignment("4", "P20")
    report = _submitted(alice, pages_plan.assignment("1", "P20"))
    response = _post(client, hanh, other, {"operation": "approve", "report": report.pk})
    assert response.status_code == 400 and "no longer exists" in response.content.decode()
    report.refresh_from_db()
    assert report.status == R.SUBMITTED
