"""The "my work" inbox: what is due, what came back, what awaits my approval, my verification,
my decision on an extension, my answer to a recommendation — each within my scope only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.orgs.models import Organisation
from nq57.plans import actions
from nq57.plans.models import Assignment, ProgressReport, Task

pytestmark = pytest.mark.django_db

S = Assignment.Status
PDF = b"%PDF-1.7\n% a tiny PDF\n"
BUDGET = 17  # session, user, grants, two-factor device, unread count in the header, and two queries
# (items, total) for each of six sections


@pytest.fixture(autouse=True)
def _setup(client, settings, tmp_path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _sections(client, user):
    client.force_login(user)
    response = client.get("/plans/my-work/")
    assert response.status_code == 200
    return {s["key"]: s for s in response.context["sections"]}


def _report(alice, assignment, **overrides):
    values = dict(period_end=datetime.date.today() - datetime.timedelta(days=1), text="Tiến độ", progress=50,
                  self_rating="amber")
    values.update(overrides)
    report = actions.save_progress_report(actor=alice, assignment=assignment, **values)
    if report.reports_completion:
        actions.add_evidence(actor=alice, report=report, uploaded_file=SimpleUploadedFile("sp.pdf", PDF))
    return actions.submit_progress_report(actor=alice, report=report)


def test_alice_sees_what_is_due_within_14_days_or_overdue(client, alice, pages_plan):
    soon = pages_plan.assignment("1", "P20")
    Assignment.objects.filter(pk=soon.pk).update(original_deadline=pages_plan.today + datetime.timedelta(days=10))
    overdue = pages_plan.assignment("4", "P20")
    Assignment.objects.filter(pk=overdue.pk).update(status=S.IN_PROGRESS, completed_on=None)
    due = _sections(client, alice)["due"]
    assert [a.pk for a in due["items"]] == [overdue.pk, soon.pk]  # the oldest deadline first
    assert due["count"] == 2


def test_a_returned_report_waits_for_its_author(client, alice, hanh, charlie, pages_plan):
    report = _report(alice, pages_plan.assignment("1", "P20"))
    actions.return_progress_report(actor=hanh, report=report, comment="Bổ sung số liệu")
    sections = _sections(client, alice)
    assert [r.pk for r in sections["returned"]["items"]] == [report.pk]
    assert "Bổ sung số liệu" in client.get("/plans/my-work/").content.decode()
    assert _sections(client, charlie)["returned"]["items"] == []


def test_the_agency_head_sees_reports_awaiting_approval(client, alice, hanh, sophie, pages_plan):
    report = _report(alice, pages_plan.assignment("1", "P20"))
    assert [r.pk for r in _sections(client, hanh)["approve"]["items"]] == [report.pk]
    # The Government's standing office holds APPROVE over the Government, not over Lạng Sơn.
    assert _sections(client, sophie)["approve"]["items"] == []


def test_the_assigning_body_sees_completions_extensions_and_recommendations(client, alice, hanh, sophie,
                                                                             charlie, pages_plan):
    done = pages_plan.assignment("1", "P20")
    actions.approve_progress_report(actor=hanh, report=_report(alice, done, progress=100, reports_completion=True))
    extended = pages_plan.assignment("2", "BKHCN")
    Assignment.objects.filter(pk=extended.pk).update(original_deadline=pages_plan.today + datetime.timedelta(days=5))
    extended.refresh_from_db()
    request = actions.request_extension(actor=None, assignment=extended, reason="Chờ ý kiến",
                                        requested_deadline=pages_plan.today + datetime.timedelta(days=90))
    sections = _sections(client, sophie)
    assert [a.pk for a in sections["verify"]["items"]] == [done.pk]
    assert [x.pk for x in sections["extensions"]["items"]] == [request.pk]
    # alice may not decide anything: those sections are not shown to her.
    assert "verify" not in _sections(client, alice)
    assert _sections(client, charlie).keys() == {"due", "returned"}


def test_open_recommendations_wait_for_an_answer(client, alice, hanh, sophie, pages_plan):
    report = _report(alice, pages_plan.assignment("1", "P20"), recommendations="Đề nghị bổ sung kinh phí")
    actions.approve_progress_report(actor=hanh, report=report)
    recommendation = _sections(client, sophie)["recommendations"]["items"][0]
    assert recommendation.text == "Đề nghị bổ sung kinh phí"
    actions.answer_recommendation(actor=sophie, recommendation=recommendation, answer="Đã chuyển")
    assert _sections(client, sophie)["recommendations"]["items"] == []


def test_the_agency_that_gave_a_subtask_decides_its_extensions(client, alice, hanh, sophie, pages_plan, org):
    commune = Organisation.objects.filter(parent=org("P20"), kind__in=["commune", "ward"]).first()
    sub = actions.create_subtask(actor=alice, assignment=pages_plan.assignment("1", "P20"), organisation=commune,
                                 title="Số hóa hồ sơ của xã",
                                 deadline=pages_plan.today + datetime.timedelta(days=30))
    request = actions.request_extension(actor=alice, assignment=sub, reason="Thiếu nhân lực",
                                        requested_deadline=pages_plan.today + datetime.timedelta(days=60))
    assert [x.pk for x in _sections(client, hanh)["extensions"]["items"]] == [request.pk]


def test_someone_without_a_role_is_told_why_the_inbox_is_empty(client, dave):
    client.force_login(dave)
    response = client.get("/plans/my-work/")
    assert response.context["sections"] == []
    assert "no role that gives you tasks" in response.content.decode()


def test_the_inbox_shows_twenty_items_and_the_total_at_a_constant_cost(client, alice, hanh, pages_plan,
                                                                       django_assert_max_num_queries):
    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get("/plans/my-work/")
        return len(captured.captured_queries)

    client.force_login(hanh)
    few = count()
    units = list(Organisation.objects.filter(path__startswith=pages_plan.assignment("1", "P20").organisation.path,
                                             kind__in=["commune", "ward"])[:30])
    task = pages_plan.tasks["1"]
    soon = pages_plan.today + datetime.timedelta(days=3)
    Assignment.objects.bulk_create([Assignment(task=task, organisation=u, role="coordinating", original_deadline=soon)
                                    for u in units])
    for a in Assignment.objects.filter(task=task, organisation__in=units):
        ProgressReport.objects.create(assignment=a, period_end=pages_plan.today, text="x", progress=1,
                                      self_rating="green", status=ProgressReport.Status.SUBMITTED)
    assert count() == few
    with django_assert_max_num_queries(BUDGET):
        response = client.get("/plans/my-work/")
    sections = {s["key"]: s for s in response.context["sections"]}
    assert len(sections["due"]["items"]) == 20 and sections["due"]["count"] == 30
    assert sections["approve"]["count"] == 30
    assert Task.objects.filter(pk=task.pk).exists()
