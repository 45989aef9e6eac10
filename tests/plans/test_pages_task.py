"""The task page: the "5 clear" items with the missing ones flagged, the text as written, the assignments
with computed and self-assessed standing side by side, and a timeline of everything that happened."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nq57.plans import actions
from nq57.plans.models import Assignment, ProgressReport

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a tiny PDF\n"


@pytest.fixture(autouse=True)
def _english(client, settings, tmp_path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _page(client, user, task):
    client.force_login(user)
    response = client.get(f"/plans/tasks/{task.pk}/")
    assert response.status_code == 200
    return response


def test_missing_five_clear_items_are_flagged(client, sophie, pages_plan):
    response = _page(client, sophie, pages_plan.tasks["3"])
    flags = {item["code"]: item["missing"] for item in response.context["five_clear"]}
    assert flags["when"] and flags["product"]  # no completion time, no product
    assert not flags["who"] and not flags["what"]
    body = response.content.decode()
    assert "This task is incomplete" in body and body.count(">missing</span>") == sum(flags.values())


def test_a_task_with_every_item_shows_no_flag(client, sophie, pages_plan):
    task = pages_plan.tasks["1"]
    task.responsible_person = "Nguyễn Văn A"
    task.save()
    actions.refresh_completeness([task])
    response = _page(client, sophie, task)
    assert not any(item["missing"] for item in response.context["five_clear"])
    body = response.content.decode()
    assert "This task is incomplete" not in body and "Nguyễn Văn A" in body


def test_the_text_as_written_is_shown(client, sophie, pages_plan):
    body = _page(client, sophie, pages_plan.tasks["2"]).content.decode()
    assert "6/2025" in body and "Nghị định" in body and "Bộ Khoa học và Công nghệ, Thành phố Hà Nội" in body


def test_computed_and_self_assessed_standing_are_side_by_side_with_the_gap_flagged(client, sophie, pages_plan):
    Assignment.objects.filter(pk=pages_plan.assignment("2", "BKHCN").pk).update(self_rating="green")
    response = _page(client, sophie, pages_plan.tasks["2"])
    overdue = next(a for a in response.context["page"] if a.organisation.code == "BKHCN")
    assert overdue.gap and overdue.self_rating_label == "On track"
    assert "differs from the computed timeliness" in response.content.decode()


def test_the_timeline_tells_the_story_newest_first(client, sophie, alice, hanh, pages_plan):
    assignment = pages_plan.assignment("1", "P20")
    period_end = pages_plan.today - datetime.timedelta(days=1)
    report = actions.save_progress_report(actor=alice, assignment=assignment, period_end=period_end,
                                          text="Đã khảo sát", progress=30, self_rating="amber")
    actions.submit_progress_report(actor=alice, report=report)
    actions.return_progress_report(actor=hanh, report=report, comment="Bổ sung số liệu")
    actions.save_progress_report(actor=alice, assignment=assignment, period_end=period_end, text="Đã bổ sung",
                                 progress=35, self_rating="amber", recommendations="Cấp thêm kinh phí",
                                 report=report)
    actions.submit_progress_report(actor=alice, report=report)
    actions.approve_progress_report(actor=hanh, report=report)
    actions.request_extension(actor=alice, assignment=assignment, reason="Chờ kinh phí",
                              requested_deadline=assignment.original_deadline + datetime.timedelta(days=60))
    response = _page(client, sophie, pages_plan.tasks["1"])
    texts = [e["text"] for e in response.context["events"]]
    assert texts[0].startswith("Tỉnh Lạng Sơn asked to move the deadline")
    assert any(t.startswith("The head of Tỉnh Lạng Sơn approved the report") for t in texts)
    assert any(t == "The report of Tỉnh Lạng Sơn was returned for correction" for t in texts)
    assert texts[-1].startswith("Task created")
    notes = [e["note"] for e in response.context["events"]]
    assert "Bổ sung số liệu" in notes and "Chờ kinh phí" in notes
    body = response.content.decode()
    assert "1 extension request awaits a decision." in body and "1 recommendation awaits an answer." in body


def test_an_agency_sees_its_own_part_of_the_timeline(client, alice, charlie, pages_plan):
    theirs = pages_plan.assignment("1", "P01", role="coordinating")
    actions.set_assignment_status(actor=charlie, assignment=theirs, status=Assignment.Status.IN_PROGRESS)
    texts = [e["text"] for e in _page(client, alice, pages_plan.tasks["1"]).context["events"]]
    assert not any("Hà Nội" in t for t in texts)
    texts = [e["text"] for e in _page(client, charlie, pages_plan.tasks["1"]).context["events"]]
    assert any(t.startswith("Thành phố Hà Nội: status changed") for t in texts)


def test_the_assigning_body_sees_only_approved_reports_but_the_agency_sees_drafts(client, alice, sophie,
                                                                                    pages_plan):
    assignment = pages_plan.assignment("1", "P20")
    report = actions.save_progress_report(actor=alice, assignment=assignment, period_end=pages_plan.today,
                                          text="Bản nháp", progress=10, self_rating="amber")
    actions.add_evidence(actor=alice, report=report, uploaded_file=SimpleUploadedFile("bang-chung.pdf", PDF))
    client.force_login(alice)
    assert [r.pk for r in client.get(f"/plans/assignments/{assignment.pk}/").context["reports"]] == [report.pk]
    client.force_login(sophie)
    response = client.get(f"/plans/assignments/{assignment.pk}/")
    assert list(response.context["reports"]) == [] and "bang-chung.pdf" not in response.content.decode()
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def test_a_task_given_to_hundreds_of_agencies_names_ten_and_pages_the_rest(client, sophie, pages_plan):
    from nq57.orgs.models import Organisation

    task = pages_plan.tasks["3"]
    communes = Organisation.objects.filter(kind="commune").order_by("path")[:150]
    Assignment.objects.bulk_create([Assignment(task=task, organisation=c) for c in communes])
    response = _page(client, sophie, task)
    assert len(response.context["leads"]) == 10 and response.context["more_leads"] == 151 - 10
    assert "and 141 more" in response.content.decode()
    assert len(response.context["page"]) == 100 and response.context["page"].paginator.count == 151
    assert client.get(f"/plans/tasks/{task.pk}/", {"page": "2"}).context["page"].number == 2
