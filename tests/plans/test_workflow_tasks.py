"""Plans, tasks, assignments, sub-tasks and status changes through the service functions; who is told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from nq57.audit.models import AuditEvent
from nq57.audit.services import history_for
from nq57.core.roles import Action, Role
from nq57.notifications.models import Notification
from nq57.plans import actions
from nq57.plans.models import Assignment, Plan, Task, TaskEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield

S = Assignment.Status


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# --- Who holds a right where ----------------------------------------------------------------------


def test_people_with_finds_the_nearest_holders_of_a_right(make_user, hanh, alice, org):
    leader = make_user("lanh", home="P20", role=Role.LEADER, scope="P20")
    make_user("vp", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")  # approves everywhere, but far away
    commune = org("P20").children.filter(kind="commune").first()
    # The province's approvers, not the national standing office; alice reports but does not approve.
    assert actions.people_with(Action.APPROVE, org("P20")) == [hanh, leader]
    # A commune without its own approver reaches the province's.
    assert actions.people_with(Action.APPROVE, commune) == [hanh, leader]
    assert [u.username for u in actions.people_with(Action.APPROVE, commune, nearest=False)] == ["hanh", "lanh", "vp"]
    assert actions.people_with(Action.REPORT, org("P20")) == [alice, hanh]


def test_people_with_skips_disabled_accounts_and_costs_one_query(hanh, make_user, org):
    gone = make_user("gone", home="P20", role=Role.AGENCY_HEAD, scope="P20")
    gone.is_active = False
    gone.save()
    places = [org("P20"), org("P01"), org("BKHCN")]
    with CaptureQueriesContext(connection) as captured:
        found = actions.people_by_organisation(Action.APPROVE, places)
    assert len(captured.captured_queries) == 1
    assert found[org("P20").pk] == [hanh]
    assert found[org("P01").pk] == []


# --- Plans ----------------------------------------------------------------------------------------


def test_sophie_creates_a_plan_for_the_government(sophie, org):
    plan = actions.create_plan(actor=sophie, kind="plan", number="01/KH-CP", title="  Kế hoạch triển khai ",
                               issuer=org("CP"), owner=org("CP"), reporting_frequency="month")
    assert (plan.title, plan.reporting_frequency) == ("Kế hoạch triển khai", "month")
    assert history_for(plan).get().action == AuditEvent.Action.CREATE


@pytest.mark.parametrize("who", ["alice", "charlie", "dave"])
def test_only_an_assigning_body_creates_plans(request, org, who):
    with pytest.raises(PermissionDenied):
        actions.create_plan(actor=request.getfixturevalue(who), kind="plan", number="", title="x", issuer=org("CP"),
                            owner=org("CP"))


def test_sophie_cannot_create_a_plan_owned_by_a_province(sophie, org):
    with pytest.raises(PermissionDenied):
        actions.create_plan(actor=sophie, kind="plan", number="", title="x", issuer=org("P20"), owner=org("P20"))


@pytest.mark.parametrize("field, values", [("title", {"title": " "}), ("kind", {"kind": "poem"}),
                                           ("reporting_frequency", {"reporting_frequency": "weekly"})])
def test_a_plan_with_bad_values_is_refused(sophie, org, field, values):
    fields = dict(kind="plan", number="", title="Kế hoạch", issuer=org("CP"), owner=org("CP"))
    fields.update(values)
    with pytest.raises(ValidationError) as caught:
        actions.create_plan(actor=sophie, **fields)
    assert field in caught.value.message_dict
    assert not Plan.objects.exists()


# --- Tasks ----------------------------------------------------------------------------------------


def test_a_task_fans_out_to_one_assignment_per_agency_and_role(sophie, alice, national_plan, org):
    task = actions.create_task(actor=sophie, plan=national_plan, code="12", title="Hoàn thiện thể chế",
                               deadline_text="Quý II/2025", product_text="Nghị định",
                               lead=[org("P20"), org("BKHCN"), org("P20")], coordinating=[org("BTC"), org("P20")],
                               lead_text="Lạng Sơn, Bộ KH&CN", coordinating_text="Bộ Tài chính")
    pairs = set(task.assignments.values_list("organisation__code", "role", "original_deadline"))
    june = datetime.date(2025, 6, 30)
    assert pairs == {("P20", "lead", june), ("BKHCN", "lead", june), ("BTC", "coordinating", june),
                     ("P20", "coordinating", june)}
    assert (task.deadline_kind, task.deadline, task.deadline_text) == ("period", june, "Quý II/2025")
    assert history_for(task).get().verb == "task_created"
    assert AuditEvent.objects.filter(verb="assignment_created").count() == 4
    event = TaskEvent.objects.get(task=task, kind="task_created")
    assert sorted(event.data["lead"]) == ["BKHCN", "P20"]
    # The deadline has passed: the stored timeliness says so.
    assert set(task.assignments.values_list("timeliness", flat=True)) == {Assignment.Timeliness.OVERDUE}
    # alice reports for Lạng Sơn: she sees the new task in the application (no e-mail for bulk creation).
    assert Notification.objects.filter(user=alice, kind="assigned", emailed_at__isnull=True).count() == 2


def test_a_task_code_is_unique_in_its_plan(national_plan, lang_son_assignment):
    with pytest.raises(ValidationError) as caught:
        actions.create_task(actor=None, plan=national_plan, code="1", title="again")
    assert "code" in caught.value.message_dict


def test_a_task_cannot_go_in_another_plans_group(national_plan, org):
    other = actions.create_plan(actor=None, kind="plan", number="", title="Khác", issuer=org("P20"), owner=org("P20"))
    group = other.groups.create(code="I", title="Nhóm I")
    with pytest.raises(ValidationError) as caught:
        actions.create_task(actor=None, plan=national_plan, code="9", title="x", group=group)
    assert "group" in caught.value.message_dict


def test_only_the_plans_assigning_body_creates_tasks(hanh, national_plan):
    with pytest.raises(PermissionDenied):
        actions.create_task(actor=hanh, plan=national_plan, code="2", title="x")


# Five clear items: (case, values, missing)
FULL = dict(has_lead=True, has_assignee=True, title="Ban hành nghị định", deadline_kind="date",
            responsible_person="", has_named_lead=False, product_type_id=None, product_text="Nghị định")
GAPS = [
    ("all five clear: the lead agency answers for it", {}, []),
    ("a named person is responsibility enough without a lead", {"has_lead": False, "responsible_person": "Ông A"},
     []),
    ("a product type is enough product", {"product_text": "", "product_type_id": 3}, []),
    ("only coordinating agencies: nobody answers for it", {"has_lead": False}, ["responsibility"]),
    ("no agency at all", {"has_lead": False, "has_assignee": False}, ["who", "responsibility"]),
    ("no title", {"title": "  "}, ["what"]),
    ("no deadline", {"deadline_kind": "none"}, ["when"]),
    ("ongoing counts as a time", {"deadline_kind": "ongoing"}, []),
    ("no product", {"product_text": ""}, ["product"]),
    ("nothing at all", {"has_lead": False, "has_assignee": False, "title": "", "deadline_kind": "none",
                        "product_text": ""}, ["who", "what", "when", "responsibility", "product"]),
]


@pytest.mark.parametrize("case, values, missing", GAPS, ids=[g[0] for g in GAPS])
def test_five_clear_gaps(case, values, missing):
    assert actions.five_clear_gaps(**{**FULL, **values}) == missing


def test_completeness_is_stored_and_follows_the_assignments(national_plan, org):
    task = actions.create_task(actor=None, plan=national_plan, code="7", title="Xây dựng đề án",
                               deadline_text="2026", product_text="Đề án")
    task.refresh_from_db()
    assert (task.missing_items, task.is_incomplete) == (["who", "responsibility"], True)
    actions.assign_task(actor=None, task=task, organisation=org("BKHCN"), role="coordinating")
    task.refresh_from_db()
    assert task.missing_items == ["responsibility"]  # someone works on it, nobody leads it
    actions.assign_task(actor=None, task=task, organisation=org("BTC"))
    task.refresh_from_db()
    assert (task.missing_items, task.is_incomplete) == ([], False)


def test_completeness_of_many_tasks_costs_a_few_queries(national_plan):
    tasks = [actions.create_task(actor=None, plan=national_plan, code=str(n), title=f"Nhiệm vụ {n}")
             for n in range(1, 31)]
    Task.objects.update(missing_items=[])
    with CaptureQueriesContext(connection) as captured:
        actions.refresh_completeness(tasks)
    # One read and one UPDATE for the single combination of gaps, one read for the search text (unchanged).
    assert len(captured.captured_queries) == 3
    assert Task.objects.filter(is_incomplete=True).count() == 30


# --- Assigning -------------------------------------------------------------------------------------


def test_sophie_assigns_one_more_agency_and_it_is_told(sophie, charlie, lang_son_assignment, org,
                                                       django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = actions.assign_task(actor=sophie, task=lang_son_assignment.task, organisation=org("P01"),
                                         role="lead")
    assert (assignment.role, assignment.original_deadline) == ("lead", lang_son_assignment.task.deadline)
    assert TaskEvent.objects.get(kind="assigned").data == {"organisation": "P01", "role": "lead"}
    assert Notification.objects.filter(user=charlie, kind="assigned").count() == 2  # as coordinator, then as lead
    assert [m.to for m in mailoutbox] == [[charlie.email]]


def test_an_agency_is_assigned_a_role_once(sophie, lang_son_assignment, org):
    with pytest.raises(ValidationError) as caught:
        actions.assign_task(actor=sophie, task=lang_son_assignment.task, organisation=org("P20"), role="lead")
    assert "organisation" in caught.value.message_dict


def test_assigning_needs_a_known_role(sophie, lang_son_assignment, org):
    with pytest.raises(ValidationError):
        actions.assign_task(actor=sophie, task=lang_son_assignment.task, organisation=org("BKHCN"), role="boss")


@pytest.mark.parametrize("who", ["alice", "hanh", "charlie", "dave"])
def test_only_the_assigning_body_assigns(request, lang_son_assignment, org, who):
    with pytest.raises(PermissionDenied):
        actions.assign_task(actor=request.getfixturevalue(who), task=lang_son_assignment.task,
                            organisation=org("BKHCN"))


# --- Sub-tasks --------------------------------------------------------------------------------------


def test_alice_gives_part_of_the_work_to_a_commune(alice, make_user, lang_son_assignment, org):
    commune = org("P20").children.filter(kind="commune").first()
    officer = make_user("xa", home=commune, role=Role.FOCAL_OFFICER, scope=commune)
    subtask = actions.create_subtask(actor=alice, assignment=lang_son_assignment, organisation=commune,
                                     title="Khảo sát hạ tầng xã")
    assert (subtask.parent, subtask.organisation, subtask.original_deadline) == (
        lang_son_assignment, commune, lang_son_assignment.original_deadline)
    assert TaskEvent.objects.get(kind="subtask_created").data["subtask"] == subtask.pk
    assert history_for(subtask).get().verb == "subtask_created"
    # The commune's own officer is told, not alice who created it.
    assert Notification.objects.get(kind="subtask_created").user == officer


def test_a_subtask_stays_inside_the_agency_and_its_deadline(alice, lang_son_assignment, org):
    commune = org("P20").children.filter(kind="commune").first()
    cases = [
        (org("P01"), "Khảo sát", None, "organisation"),  # not a Lạng Sơn unit
        (org("P20"), "Khảo sát", None, "organisation"),  # the agency itself
        (commune, " ", None, "title"),
        (commune, "Khảo sát", lang_son_assignment.original_deadline + datetime.timedelta(days=1), "deadline"),
    ]
    for organisation, title, deadline, field in cases:
        with pytest.raises(ValidationError) as caught:
            actions.create_subtask(actor=alice, assignment=lang_son_assignment, organisation=organisation, title=title,
                                   deadline=deadline)
        assert field in caught.value.message_dict, field


def test_charlie_cannot_split_lang_sons_assignment(charlie, lang_son_assignment, org):
    with pytest.raises(PermissionDenied):
        actions.create_subtask(actor=charlie, assignment=lang_son_assignment,
                               organisation=org("P20").children.first(), title="x")


def test_the_province_head_verifies_a_communes_subtask(alice, hanh, make_user, lang_son_assignment, org, sophie):
    commune = org("P20").children.filter(kind="commune").first()
    subtask = actions.create_subtask(actor=alice, assignment=lang_son_assignment, organisation=commune, title="x")
    Assignment.objects.filter(pk=subtask.pk).update(status=S.PENDING_VERIFICATION)
    subtask.refresh_from_db()
    assert actions.can_decide(hanh, subtask) and actions.can_decide(sophie, subtask)
    assert not actions.can_decide(alice, subtask)
    actions.verify_completion(actor=hanh, assignment=subtask, completed_on=timezone.localdate())
    subtask.refresh_from_db()
    assert subtask.status == S.COMPLETED


# --- Status ----------------------------------------------------------------------------------------


def test_alice_starts_the_work(alice, lang_son_assignment):
    assignment = actions.set_assignment_status(actor=alice, assignment=lang_son_assignment, status=S.IN_PROGRESS)
    assert assignment.status == S.IN_PROGRESS
    event = TaskEvent.objects.get(kind="status_changed")
    assert (event.data["before"], event.data["after"]) == (S.NOT_STARTED, S.IN_PROGRESS)
    assert history_for(assignment).first().verb == "status_changed"


def test_sophie_suspends_with_a_reason_and_lang_son_is_told(sophie, alice, hanh, lang_son_assignment):
    assignment = actions.set_assignment_status(actor=sophie, assignment=lang_son_assignment, status=S.CANCELLED,
                                               reason="Tạm dừng theo Kết luận 123")
    assert (assignment.status, assignment.status_reason, assignment.timeliness) == (
        S.CANCELLED, "Tạm dừng theo Kết luận 123", Assignment.Timeliness.NOT_APPLICABLE)
    assert {n.user for n in Notification.objects.filter(kind="status_changed")} == {alice, hanh}
    # And resumes it.
    assignment = actions.set_assignment_status(actor=sophie, assignment=assignment, status=S.IN_PROGRESS)
    assert assignment.status == S.IN_PROGRESS


def test_cancelling_needs_a_reason(sophie, lang_son_assignment):
    with pytest.raises(ValidationError) as caught:
        actions.set_assignment_status(actor=sophie, assignment=lang_son_assignment, status=S.CANCELLED)
    assert "reason" in caught.value.message_dict


@pytest.mark.parametrize("who", ["alice", "hanh", "charlie", "dave"])
def test_only_the_assigning_body_cancels(request, lang_son_assignment, who):
    with pytest.raises(PermissionDenied):
        actions.set_assignment_status(actor=request.getfixturevalue(who), assignment=lang_son_assignment,
                                      status=S.CANCELLED, reason="x")


@pytest.mark.parametrize("who", ["charlie", "dave", "sophie"])
def test_only_the_agency_starts_its_work(request, lang_son_assignment, who):
    with pytest.raises(PermissionDenied):
        actions.set_assignment_status(actor=request.getfixturevalue(who), assignment=lang_son_assignment,
                                      status=S.IN_PROGRESS)


@pytest.mark.parametrize("status", [S.COMPLETED, S.PENDING_VERIFICATION, S.NOT_STARTED, "finished"])
def test_completion_and_other_jumps_go_through_the_workflow(alice, lang_son_assignment, status):
    with pytest.raises(ValidationError):
        actions.set_assignment_status(actor=alice, assignment=lang_son_assignment, status=status)
