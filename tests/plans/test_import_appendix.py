"""Importing the real Appendix II of Resolution 03/NQ-CP: 7 groups, 140 tasks, every agency resolved or reported.

The same table as CSV and as XLSX (made here from the Markdown) must give the same preview.
"""

import csv
import datetime

import openpyxl
import pytest

from nq57.audit.models import AuditEvent
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, PROVINCE_KINDS, Organisation
from nq57.plans.importing import apply_import, build_import_preview, ensure_product_types, initial_mapping, read_table
from nq57.plans.importing.preview import CONTINUATION, GROUP_ROW, HEADER, TASK_ROW
from nq57.plans.models import Assignment, Plan, ProductType, Task, TaskEvent, TaskGroup

pytestmark = pytest.mark.django_db

APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
GROUP_TITLES_START = {
    "I": "Nâng cao nhận thức", "II": "Khẩn trương, quyết liệt hoàn thiện thể chế", "III": "Tăng cường đầu tư",
    "IV": "Phát triển, trọng dụng nhân lực", "V": "Đẩy mạnh chuyển đổi số", "VI": "Thúc đẩy mạnh mẽ",
    "VII": "Tăng cường hợp tác quốc tế",
}


@pytest.fixture
def plan_fields(org):
    return {"kind": Plan.DocumentKind.RESOLUTION, "number": "03/NQ-CP",
            "title": "Chương trình hành động của Chính phủ thực hiện Nghị quyết 57-NQ/TW",
            "issuer": org("CP"), "owner": org("VPTWD"), "issued_on": datetime.date(2025, 1, 9)}


@pytest.fixture
def appendix(shared_data):
    ensure_product_types()
    return (shared_data / APPENDIX_2).read_bytes()


def _preview(data, kind, plan_fields):
    table = read_table(data, kind)
    return build_import_preview(table, initial_mapping(table), plan_fields=plan_fields)


def _active(kinds):
    return set(Organisation.objects.active().filter(kind__in=kinds).values_list("pk", flat=True))


def test_it_reads_7_groups_and_140_tasks_and_accounts_for_every_row(appendix, plan_fields):
    preview = _preview(appendix, "md", plan_fields)
    assert [g.code for g in preview.groups] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    for group in preview.groups:
        assert group.title.startswith(GROUP_TITLES_START[group.code])
    assert [t.code for t in preview.tasks] == [str(n) for n in range(1, 141)]
    # Every table line is accounted for: the header, 7 groups, 140 tasks and 3 continuation rows.
    kinds = [r.kind for r in preview.rows]
    assert (kinds.count(HEADER), kinds.count(GROUP_ROW), kinds.count(TASK_ROW), kinds.count(CONTINUATION)) == (
        1, 7, 140, 3)
    assert len(preview.rows) == 151 and not preview.errors
    assert [(r.number, r.code) for r in preview.rows if r.kind == CONTINUATION] == [
        (122, "108"), (125, "110"), (145, "128")]
    tasks = {t.code: t for t in preview.tasks}
    assert tasks["1"].group_code == "I" and tasks["14"].group_code == "II" and tasks["140"].group_code == "VII"


def test_continuation_rows_are_merged_into_the_task_above_not_dropped(appendix, plan_fields):
    tasks = {t.code: t for t in _preview(appendix, "md", plan_fields).tasks}
    assert tasks["108"].title.endswith("(11) Mô hình điểm tại các tỉnh, thành phố có đảo.")
    assert "(5) Ứng dụng dữ liệu dân cư" in tasks["108"].title
    assert tasks["108"].rows == [121, 122]
    assert tasks["110"].title.endswith("trực tiếp từ phần mềm của cơ sở khám chữa bệnh")
    # The continuation's coordinating cell repeats the end of the lead cell, cut at the page break.
    assert tasks["108"].coordinating_text.startswith("nghiệp và phát triển nông thôn")
    assert tasks["108"].coordinating == []  # every body it names already leads the task


def test_task_1_is_led_by_the_ministry_of_science_through_history_due_30_june_2025_by_decision(appendix,
                                                                                                plan_fields):
    task = _preview(appendix, "md", plan_fields).tasks[0]
    assert task.code == "1" and task.title.startswith("Xây dựng, trình Thủ tướng Chính phủ ban hành")
    (lead,) = task.lead
    assert lead.code == "BKHCN"
    (mention,) = [m for m in task.mentions if m.role == "lead"]
    assert (mention.named.code, mention.organisation.code, mention.via) == ("BTTTT", "BKHCN", "history")
    assert (task.deadline.kind, task.deadline.deadline) == (Task.DeadlineKind.DATE, datetime.date(2025, 6, 30))
    assert task.deadline_text == "6/2025"
    assert task.product_type.code == "decision"
    assert task.product_text == "Quyết định của Thủ tướng Chính phủ"


def test_all_ministries_sectors_and_provinces_fan_out_to_one_assignment_each(appendix, plan_fields):
    tasks = {t.code: t for t in _preview(appendix, "md", plan_fields).tasks}
    everyone = _active(CENTRAL_AGENCY_KINDS) | _active(PROVINCE_KINDS)
    assert len(_active(PROVINCE_KINDS)) == 34
    # Task 6: "Các bộ, ngành, địa phương" lead it.
    assert {o.pk for o in tasks["6"].lead} == everyone
    assert len(tasks["6"].lead) == len(everyone)
    # Task 4: led by the (former) Ministry of Information, coordinated by everyone else.
    assert [o.code for o in tasks["4"].lead] == ["BKHCN"]
    assert {o.pk for o in tasks["4"].coordinating} == everyone - {tasks["4"].lead[0].pk}
    # Former bodies and communes are never assigned.
    assigned = {o.code for t in tasks.values() for o in t.lead + t.coordinating}
    assert not assigned & {"BTTTT", "BKHDT", "BLDTBXH", "BTNMT", "BNNPTNT", "BGTVT"}
    assert not any(code.startswith("X") for code in assigned)


def test_every_agency_mention_resolves_or_is_reported_with_its_row(appendix, plan_fields):
    preview = _preview(appendix, "md", plan_fields)
    reported = {(p.task_code, p.column) for p in preview.problems}
    for task in preview.tasks:
        for mention in task.mentions:
            if not mention.status in {"resolved", "group"} or mention.to_choose or mention.via == "fragment":
                assert (task.code, mention.role) in reported, (task.code, mention.written)
    # The only mention that does not resolve is the truncated "Bộ" closing task 3's coordinating cell.
    assert [(p.row, p.task_code, p.column, p.text) for p in preview.unresolved] == [(12, "3", "coordinating", "Bộ")]
    # The cut-off "nghiệp và phát triển nông thôn" (row 122, continuing task 108) is read as a fragment.
    assert [(p.row, p.task_code, p.text) for p in preview.problems_of("fragment")] == [
        (122, "108", "nghiệp và phát triển nông thôn")]
    # Groups a document leaves to be chosen create no assignment and are listed on their task.
    to_choose = [(p.row, p.task_code, p.column, p.text) for p in preview.problems_of("to_choose")]
    assert (48, "38", "lead", "Các bộ, ngành liên quan") in to_choose
    assert (156, "138", "lead", "Tập đoàn, doanh nghiệp công nghệ số") in to_choose
    assert len(to_choose) == 14
    tasks = {t.code: t for t in preview.tasks}
    assert tasks["38"].lead == [] and [m.written for m in tasks["38"].to_choose] == [
        "Các bộ, ngành liên quan", "Các bộ, ngành liên quan"]
    # The stray "năm tiếp theo" in group IV's row is shown, not silently ignored.
    assert [(p.row, p.text) for p in preview.problems_of("ignored_text")] == [(88, "năm tiếp theo")]
    assert preview.problems_of("deadline") == []


def test_applying_it_creates_the_plan_groups_tasks_and_fanned_out_assignments(appendix, plan_fields):
    preview = _preview(appendix, "md", plan_fields)
    result = apply_import(preview, actor=None)
    plan = result.plan
    assert (plan.number, plan.issuer.code, plan.owner.code, plan.version) == ("03/NQ-CP", "CP", "VPTWD", 1)
    assert TaskGroup.objects.filter(plan=plan).count() == 7
    assert plan.tasks.count() == 140 == result.tasks_created
    assignments = Assignment.objects.filter(task__plan=plan)
    assert assignments.count() == preview.assignment_count == result.assignments_created
    task1 = plan.tasks.get(code="1")
    assert task1.group.code == "I" and task1.product_type.code == "decision"
    assert (task1.deadline_kind, task1.deadline, task1.deadline_text) == ("date", datetime.date(2025, 6, 30), "6/2025")
    assert task1.lead_text == "Bộ Thông tin và Truyền thông"
    lead = task1.assignments.get(role="lead")
    assert (lead.organisation.code, lead.original_deadline) == ("BKHCN", datetime.date(2025, 6, 30))
    assert task1.assignments.filter(role="coordinating", organisation__kind__in=PROVINCE_KINDS).count() == 34
    ongoing = plan.tasks.get(code="2")
    assert (ongoing.deadline_kind, ongoing.deadline) == ("ongoing", None)
    # Tasks whose lead is left to be chosen are flagged as missing "who".
    assert "who" in plan.tasks.get(code="38").missing_items
    # One audit row per task and per assignment, written with the import as their source.
    audited = AuditEvent.objects.filter(source=AuditEvent.Source.IMPORT)
    assert audited.filter(verb="task_created").count() == 140
    assert audited.filter(verb="assignment_created").count() == assignments.count()
    assert TaskEvent.objects.filter(task__plan=plan, kind="task_created").count() == 140
    assert TaskEvent.objects.filter(task__plan=plan, kind="assigned").count() == assignments.count()
    # Timeliness is computed for every new assignment: an ongoing task has no deadline to be late for.
    assert set(ongoing.assignments.values_list("timeliness", flat=True)) == {"not_applicable"}


def test_each_agency_is_told_once_about_all_its_new_tasks(appendix, plan_fields, make_user):
    from nq57.core.roles import Role
    from nq57.notifications.models import Notification

    officer = make_user("bkhcn_officer", home="BKHCN", role=Role.FOCAL_OFFICER, scope="BKHCN")
    preview = _preview(appendix, "md", plan_fields)
    apply_import(preview, actor=None)
    count = sum(1 for t in preview.tasks for o in t.lead + t.coordinating if o.code == "BKHCN")
    (notification,) = Notification.objects.filter(user=officer)
    assert notification.kind == "assigned"
    assert str(count) in notification.title and count > 40


def test_a_dry_run_writes_nothing(appendix, plan_fields):
    models = (Plan, TaskGroup, Task, Assignment, TaskEvent, AuditEvent, ProductType)
    before = [m.objects.count() for m in models]
    preview = _preview(appendix, "md", plan_fields)
    assert len(preview.tasks) == 140
    assert [m.objects.count() for m in models] == before


def _markdown_rows(data):
    """The table cells as a person would type them into Excel (no Markdown bold)."""
    rows = []
    for line in data.decode("utf-8").splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([c.strip().replace("**", "") for c in line.strip().strip("|").split("|")])
    return rows


def _signature(preview):
    tasks = [(t.code, t.group_code, t.title, t.deadline, t.product_type, tuple(o.pk for o in t.lead),
              tuple(o.pk for o in t.coordinating), t.lead_text, t.coordinating_text) for t in preview.tasks]
    problems = [(p.kind, p.task_code, p.column, p.text) for p in preview.problems]
    return [(g.code, g.title) for g in preview.groups], tasks, problems


def test_the_same_table_as_xlsx_gives_the_same_preview(appendix, plan_fields, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục II"
    sheet.append(["PHỤ LỤC II"])
    sheet.append(["DANH MỤC CÁC NHIỆM VỤ"])
    sheet.append([])
    for row in _markdown_rows(appendix):
        sheet.append([int(row[0].rstrip(".")) if row[0].rstrip(".").isdigit() else row[0]] + row[1:])
    workbook.create_sheet("Ghi chú").append(["Không phải bảng nhiệm vụ"])
    path = tmp_path / "phu-luc-2.xlsx"
    workbook.save(path)

    table = read_table(path.read_bytes(), "xlsx")
    mapping = initial_mapping(table)
    assert (mapping["header_row"], table.sheet, table.sheet_names) == (4, "Phụ lục II", ["Phụ lục II", "Ghi chú"])
    xlsx = build_import_preview(table, mapping, plan_fields=plan_fields)
    assert _signature(xlsx) == _signature(_preview(appendix, "md", plan_fields))
    # Rows are numbered as Excel shows them: title lines above the header are reported, not dropped.
    assert [(r.number, r.kind) for r in xlsx.rows[:3]] == [(1, "ignored"), (2, "ignored"), (4, "header")]
    assert [(p.row, p.text) for p in xlsx.unresolved] == [(8, "Bộ")]  # task 3 is on row 8 of the sheet


@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("utf-8-sig", ";"), ("utf-8-sig", ",")])
def test_the_same_table_as_csv_gives_the_same_preview(appendix, plan_fields, tmp_path, encoding, delimiter):
    path = tmp_path / "phu-luc-2.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(_markdown_rows(appendix))
    table = read_table(path.read_bytes(), "csv")
    csv_preview = build_import_preview(table, initial_mapping(table), plan_fields=plan_fields)
    assert _signature(csv_preview) == _signature(_preview(appendix, "md", plan_fields))
    assert [(p.row, p.text) for p in csv_preview.unresolved] == [(5, "Bộ")]
