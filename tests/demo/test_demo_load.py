"""The demo dataset on first start: the real programme fanned out by the importer, a province plan, and a
history whose every derived figure agrees with the reports it comes from; every demo login finds work."""

import datetime
from collections import defaultdict

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from nq57.accounts.models import User
from nq57.audit.models import AuditEvent
from nq57.core import context as write_context
from nq57.demo.loader import load_demo
from nq57.demo.plans_demo import load_plans_demo
from nq57.plans.models import (Assignment, Evidence, ExtensionRequest, Plan, ProgressReport, Recommendation, Task,
                               TaskEvent, TaskGroup)
from nq57.plans.timeliness import refresh_timeliness

pytestmark = pytest.mark.django_db

S, R = Assignment.Status, ProgressReport.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo dataset, loaded once for this module (it takes seconds) inside a transaction rolled back at
    its end; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with transaction.atomic():
            with write_context.using(source="command", actor_label="tests"):
                load_demo()
            yield Plan.objects.get(number="03/NQ-CP")
            transaction.set_rollback(True)


def _counts():
    return [m.objects.count() for m in (Plan, Task, Assignment, ProgressReport, Evidence, ExtensionRequest,
                                        Recommendation, TaskEvent, AuditEvent)]


def test_it_imports_7_groups_and_140_tasks_fanned_out_to_ministries_and_provinces(demo):
    assert demo.kind == Plan.DocumentKind.RESOLUTION and demo.issuer.code == "CP"
    assert demo.issued_on == datetime.date(2025, 1, 9)
    assert demo.implements.number == "57-NQ/TW" and not demo.implements.tasks.exists()
    assert list(TaskGroup.objects.filter(plan=demo).values_list("code", flat=True)) == [
        "I", "II", "III", "IV", "V", "VI", "VII"]
    assert demo.tasks.count() == 140
    # "Các bộ, ngành, địa phương" leads task 3: one assignment per ministry and per province.
    task_3 = demo.tasks.get(code="3")
    leads = Assignment.objects.filter(task=task_3, role=Assignment.Role.LEAD, parent__isnull=True)
    assert leads.filter(organisation__kind__in=["province", "city"]).count() == 34
    assert leads.filter(organisation__kind="ministry").count() >= 14
    # A pre-merger name resolves to today's body: the Ministry of Information and Communications → BKHCN.
    assert demo.tasks.get(code="1").assignments.filter(role="lead").get().organisation.code == "BKHCN"


def test_the_province_plan_implements_the_programme_with_communes_among_its_agencies(demo):
    plan = Plan.objects.get(number="45/KH-UBND")
    assert plan.implements == demo and plan.owner.code == "P20"
    agencies = set(Assignment.objects.filter(task__plan=plan).values_list("organisation__code", flat=True))
    assert {"P20-SKHCN", "P20-BCD"} <= agencies
    assert Assignment.objects.filter(task__plan=plan, organisation__kind="commune").exists()


def test_the_demo_accounts_share_the_demo_password(demo):
    assert all(u.check_password("nq57-demo") for u in User.objects.filter(username__in=["vanphong", "xa.canbo"]))


def test_loading_again_creates_nothing(demo):
    before = _counts()
    assert load_plans_demo() is None
    assert _counts() == before


def test_every_status_and_every_timeliness_appears(demo):
    assignments = Assignment.objects.filter(task__plan__in=[demo, Plan.objects.get(number="45/KH-UBND")])
    assert set(assignments.values_list("status", flat=True)) == set(S.values)
    assert set(assignments.values_list("timeliness", flat=True)) == set(Assignment.Timeliness.values)
    assert set(ProgressReport.objects.values_list("status", flat=True)) == set(R.values)
    assert set(ExtensionRequest.objects.values_list("status", flat=True)) == set(ExtensionRequest.Status.values)
    assert set(Recommendation.objects.values_list("status", flat=True)) == set(Recommendation.Status.values)
    # Cancelled, suspended and returned completions say why.
    assert not assignments.filter(status=S.CANCELLED, status_reason="").exists()
    assert TaskEvent.objects.filter(kind="completion_returned").exists()
    assert not ProgressReport.objects.filter(status=R.RETURNED, review_comment="").exists()


def test_derived_fields_agree_with_the_reports_and_decisions_they_come_from(demo):
    reports = defaultdict(list)
    for r in ProgressReport.objects.filter(status=R.APPROVED).order_by("period_end", "reviewed_at"):
        reports[r.assignment_id].append(r)
    approved_extensions = dict(ExtensionRequest.objects.filter(status=ExtensionRequest.Status.APPROVED)
                               .values_list("assignment_id", "requested_deadline"))
    pending = defaultdict(int)
    for assignment_id in ExtensionRequest.objects.filter(status="pending").values_list("assignment_id", flat=True):
        pending[assignment_id] += 1
    assert max(pending.values()) == 1  # one request at a time

    for a in Assignment.objects.select_related("task__plan"):
        approved = reports[a.pk]
        submitted_on = [timezone.localtime(r.submitted_at).date() for r in approved]
        assert a.reports_received == len(approved), a.pk
        assert a.reports_on_time == sum(1 for r in approved if r.on_time), a.pk
        assert a.last_report_on == (max(submitted_on) if approved else None), a.pk
        assert a.revised_deadline == approved_extensions.get(a.pk), a.pk
        if not approved:
            assert a.status in (S.NOT_STARTED, S.CANCELLED) and a.progress == 0, a.pk
            continue
        latest = approved[-1]
        completions = [r for r in approved if r.reports_completion]
        if a.status in (S.COMPLETED, S.PENDING_VERIFICATION):
            assert latest.reports_completion and a.progress == 100, a.pk
        elif completions:  # a completion the assigning body returned
            assert a.status == S.IN_PROGRESS and a.status_reason, a.pk
        else:
            assert (a.progress, a.self_rating) == (latest.progress, latest.self_rating), a.pk
        if a.status == S.COMPLETED:
            assert a.completed_on == timezone.localtime(completions[-1].submitted_at).date(), a.pk
        grace = datetime.timedelta(days=a.task.plan.reporting_grace_days)
        for r in approved:
            assert r.on_time == (timezone.localtime(r.submitted_at).date() <= r.period_end + grace), r.pk


def test_stored_timeliness_is_what_the_one_function_computes(demo):
    assert refresh_timeliness() == 0


def test_every_completion_report_carries_its_product_as_a_pdf(demo):
    completions = ProgressReport.objects.filter(reports_completion=True).exclude(status=R.DRAFT)
    assert completions.exists()
    assert not completions.filter(evidence__isnull=True).exists()
    evidence = Evidence.objects.filter(report__author__username="bkhcn.canbo").first()
    with evidence.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-") and len(content) == evidence.size
    assert evidence.content_type == "application/pdf"


def test_the_history_runs_from_the_programme_to_today_in_order(demo):
    now = timezone.now()
    first = TaskEvent.objects.filter(task__plan=demo).order_by("at").first()
    assert first.kind in ("task_created", "assigned") and timezone.localtime(first.at).date() < datetime.date(2025, 2, 1)
    assert not TaskEvent.objects.filter(at__gt=now).exists()
    assert ProgressReport.objects.filter(submitted_at__lt=datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC)).exists()
    for r in ProgressReport.objects.exclude(status__in=[R.DRAFT, R.SUBMITTED]):
        assert r.created_at <= r.submitted_at <= r.reviewed_at <= now, r.pk
    for x in ExtensionRequest.objects.exclude(status="pending"):
        assert x.requested_at <= x.decided_at <= now, x.pk


def test_the_history_is_audited_as_the_demo_loader_s_work(demo):
    rows = AuditEvent.objects.filter(verb="demo_history_loaded")
    assert rows.filter(source=AuditEvent.Source.COMMAND, actor_label="tests").count() == rows.count() > 0
    report = ProgressReport.objects.filter(status=R.APPROVED).first()
    assert rows.filter(object_id=str(report.pk), action=AuditEvent.Action.CREATE,
                       content_type__model="progressreport").exists()


def _my_work(client, username):
    client.force_login(User.objects.get(username=username))
    response = client.get("/plans/my-work/")
    assert response.status_code == 200
    return {s["key"]: s for s in response.context["sections"]}


@pytest.mark.parametrize(("username", "section"), [
    ("bkhcn.canbo", "due"),
    ("bkhcn.canbo", "returned"),
    ("bkhcn.lanhdao", "approve"),
    ("vanphong", "verify"),
    ("vanphong", "extensions"),
    ("vanphong", "recommendations"),
    ("langson.canbo", "due"),
    ("langson.canbo", "returned"),
    ("langson.truong", "approve"),
    ("langson.lanhdao", "verify"),  # a commune's sub-task: Lạng Sơn decides, not the national office
    ("xa.canbo", "due"),
])
def test_each_demo_login_finds_work_on_first_start(demo, client, username, section):
    assert _my_work(client, username)[section]["count"] > 0


def test_the_commune_officer_has_a_sub_task_due_soon(demo, client):
    due = _my_work(client, "xa.canbo")["due"]["items"]
    subtask = next(a for a in due if a.parent_id)
    assert subtask.parent.organisation.code == "P20" and subtask.title
    assert subtask.timeliness == Assignment.Timeliness.AT_RISK  # due within 14 days


def test_lang_son_sees_its_own_plan_and_its_assignments(demo, client):
    client.force_login(User.objects.get(username="langson.canbo"))
    plans = [p.number for p in client.get("/plans/").context["page"].object_list]
    assert "45/KH-UBND" in plans and "03/NQ-CP" in plans
    plan = Plan.objects.get(number="45/KH-UBND")
    assert client.get(f"/plans/{plan.pk}/").status_code == 200
    user = User.objects.get(username="langson.canbo")
    assert Assignment.objects.restrict(user).filter(task__plan=plan).count() == Assignment.objects.filter(
        task__plan=plan).count()
    assert Assignment.objects.restrict(user).filter(task__plan=demo, organisation__code="P20").exists()


@pytest.mark.parametrize("page", ["/plans/{plan}/", "/plans/{plan}/tasks/", "/plans/{plan}/tasks/?q=du+lieu",
                                  "/plans/{plan}/scorecard/", "/plans/tasks/{task}/", "/plans/assignments/{assignment}/"])
def test_the_pages_show_the_programme(demo, client, page):
    client.force_login(User.objects.get(username="vanphong"))
    assignment = Assignment.objects.filter(task__plan=demo, organisation__code="BKHCN", reports__isnull=False).first()
    response = client.get(page.format(plan=demo.pk, task=assignment.task_id, assignment=assignment.pk))
    assert response.status_code == 200
