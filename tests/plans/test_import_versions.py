"""Importing a newer version of a plan: a diff by task number that keeps every assignment, report and progress."""

import datetime

import pytest
from django.utils import translation

from nq57.plans import actions
from nq57.plans.importing import apply_import, build_import_preview, ensure_product_types, initial_mapping, read_table
from nq57.plans.models import Assignment, Plan, ProgressReport, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English, the msgid language; the default language is Vietnamese.
    with translation.override("en"):
        yield


APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
S = Assignment.Status


def _preview(text, plan=None, plan_fields=None):
    table = read_table(text.encode("utf-8"), "md")
    return build_import_preview(table, initial_mapping(table), plan, plan_fields=plan_fields)


def _report(assignment, progress):
    """An approved progress report, filed through the workflow (the system acting)."""
    report = actions.save_progress_report(actor=None, assignment=assignment, period_end=datetime.date(2025, 3, 31),
                                          text="Đã triển khai", progress=progress, self_rating="green")
    actions.submit_progress_report(actor=None, report=report)
    actions.approve_progress_report(actor=None, report=report)
    return report


def _replace_row(text, number, old, new):
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"| {number}.") or line.startswith(f"| {number}. "):
            assert old in line, (number, old)
            lines[index] = line.replace(old, new)
            return "\n".join(lines)
    raise AssertionError(f"no row {number}")


@pytest.fixture
def version_1(shared_data, org):
    ensure_product_types()
    text = (shared_data / APPENDIX_2).read_text(encoding="utf-8")
    fields = {"kind": Plan.DocumentKind.RESOLUTION, "number": "03/NQ-CP", "title": "Chương trình hành động",
              "issuer": org("CP"), "owner": org("VPTWD"), "issued_on": datetime.date(2025, 1, 9)}
    plan = apply_import(_preview(text, plan_fields=fields), actor=None).plan
    return plan, text


@pytest.fixture
def version_2_text(version_1):
    _plan, text = version_1
    text = _replace_row(text, 1, "| Bộ Thông tin và Truyền thông |", "| Bộ Y tế |")  # another lead
    text = _replace_row(text, 2, "Xây dựng chương trình chuyên biệt", "Xây dựng và phát sóng chương trình chuyên biệt")
    text = _replace_row(text, 5, "| 6/2025 |", "| 9/2025 |")  # a later deadline
    text = "\n".join(line for line in text.splitlines() if not line.startswith("| 7. |"))  # task 7 dropped
    text = text.replace("| 140.  |", "| 141. | Nhiệm vụ mới bổ sung | Bộ Ngoại giao |  | Báo cáo | Quý IV/2025 |\n"
                                     "| 140.  |")  # a new task
    return text


def test_the_diff_lists_added_removed_changed_and_unchanged_tasks(version_1, version_2_text):
    plan, _text = version_1
    preview = _preview(version_2_text, plan)
    changes = {c.code: c for c in preview.diff}
    assert [c.code for c in preview.changes("added")] == ["141"]
    assert [c.code for c in preview.changes("removed")] == ["7"]
    assert {c.code: c.fields for c in preview.changes("changed")} == {
        "1": ["lead", "coordinating"], "2": ["title"], "5": ["deadline"]}
    assert len(preview.changes("unchanged")) == 136
    # The Ministry of Health moves from coordinating (as one of "các bộ, ngành") to lead; the Ministry of
    # Science, no longer the lead, is still one of "các bộ, ngành", so it stays on as coordinating.
    assert sorted((r, o.code) for r, o in changes["1"].added_agencies) == [("coordinating", "BKHCN"), ("lead", "BYT")]
    assert sorted((r, a.organisation.code) for r, a in changes["1"].removed_agencies) == [
        ("coordinating", "BYT"), ("lead", "BKHCN")]
    assert preview.counts()["added"] == 1 and preview.counts()["removed"] == 1


def test_applying_a_new_version_keeps_progress_and_cancels_instead_of_deleting(version_1, version_2_text):
    plan, _text = version_1
    kept = Assignment.objects.get(task__plan=plan, task__code="10", role="lead")  # unchanged task
    dropped_lead = Assignment.objects.get(task__plan=plan, task__code="1", role="lead")  # BKHCN, replaced
    on_removed_task = Assignment.objects.get(task__plan=plan, task__code="7", organisation__code="P20")
    kept_report, dropped_report = _report(kept, 40), _report(dropped_lead, 30)
    _report(on_removed_task, 10)
    assignments_before = Assignment.objects.filter(task__plan=plan).count()

    result = apply_import(_preview(version_2_text, plan), actor=None)

    plan.refresh_from_db()
    assert (plan.version, result.version) == (2, 2)
    assert (result.tasks_created, result.tasks_changed, result.tasks_removed, result.tasks_unchanged) == (1, 3, 1, 136)
    # Unchanged: untouched, with its report and progress.
    kept.refresh_from_db()
    assert (kept.status, kept.progress) == (S.IN_PROGRESS, 40)
    assert ProgressReport.objects.get(pk=kept_report.pk).status == ProgressReport.Status.APPROVED
    # A lead no longer named: cancelled with the reason, progress and report kept.
    dropped_lead.refresh_from_db()
    assert (dropped_lead.status, dropped_lead.status_reason, dropped_lead.progress) == (
        S.CANCELLED, "removed in version 2", 30)
    assert ProgressReport.objects.filter(pk=dropped_report.pk).exists()
    task1 = Task.objects.get(plan=plan, code="1")
    assert task1.lead_text == "Bộ Y tế"
    assert task1.assignments.get(role="lead", status=S.NOT_STARTED).organisation.code == "BYT"
    # A removed task is marked, never deleted; its open assignments are cancelled, progress kept.
    task7 = Task.objects.get(plan=plan, code="7")
    assert task7.removed
    on_removed_task.refresh_from_db()
    assert (on_removed_task.status, on_removed_task.progress) == (S.CANCELLED, 10)
    assert not task7.assignments.exclude(status=S.CANCELLED).exists()
    # A later deadline moves the original deadline of open assignments.
    task5 = Task.objects.get(plan=plan, code="5")
    assert (task5.deadline_text, task5.deadline) == ("9/2025", datetime.date(2025, 9, 30))
    assert set(task5.assignments.values_list("original_deadline", flat=True)) == {datetime.date(2025, 9, 30)}
    assert Task.objects.get(plan=plan, code="2").title.startswith("Xây dựng và phát sóng")
    assert Task.objects.get(plan=plan, code="141").assignments.get().organisation.code == "BNG"
    # Nothing was deleted: three assignments more (BYT lead, BKHCN coordinating on task 1, BNG on task 141).
    assert Assignment.objects.filter(task__plan=plan).count() == assignments_before + 3
    assert Task.objects.filter(plan=plan).count() == 141


def test_the_same_version_again_changes_nothing(version_1):
    plan, text = version_1
    preview = _preview(text, plan)
    assert {c.change for c in preview.diff} == {"unchanged"}


def test_a_task_dropped_then_brought_back_gets_its_assignments_back(org):
    fields = {"kind": "plan", "title": "Kế hoạch thử", "issuer": org("P20"), "owner": org("P20")}
    header = ("| TT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả | Thời gian hoàn thành |\n"
              "|---|---|---|---|---|---|\n")
    one = "| 1. | Việc một | Sở Khoa học và Công nghệ Lạng Sơn | | Báo cáo | 2025 |\n"
    two = "| 2. | Việc hai | Bộ Y tế | Bộ Công an | Kế hoạch | 2026 |\n"
    plan = apply_import(_preview(header + one + two, plan_fields=fields), actor=None).plan
    apply_import(_preview(header + one, plan), actor=None)
    task2 = plan.tasks.get(code="2")
    assert task2.removed and set(task2.assignments.values_list("status", flat=True)) == {S.CANCELLED}

    result = apply_import(_preview(header + one + two, plan), actor=None)
    task2.refresh_from_db()
    plan.refresh_from_db()
    assert (plan.version, result.assignments_reopened, task2.removed) == (3, 2, False)
    assert set(task2.assignments.values_list("status", flat=True)) == {S.NOT_STARTED}
