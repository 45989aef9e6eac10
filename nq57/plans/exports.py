"""XLSX export of the task list as filtered on screen (one row per assignment or per task).

Column headers are fixed Vietnamese: agencies exchange these files and read them back into their own
tables and into our importer, so they do not change with the interface language. Values (status,
timeliness…) are written in Vietnamese too. Dates are real Excel dates shown as dd/mm/yyyy.
The workbook is written in openpyxl's write-only mode to a temporary file and streamed from there.
"""

import tempfile
from collections import defaultdict

from django.db.models import Count
from django.http import FileResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .models import Assignment, ProgressReport

MAX_ROWS = 150_000
DATE_FORMAT = "DD/MM/YYYY"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (header, width, kind) — kind "date" cells get a date format.
ASSIGNMENT_COLUMNS = [
    ("Mã nhiệm vụ", 10, ""), ("Nhóm", 8, ""), ("Nhiệm vụ", 60, ""), ("Cơ quan được giao", 40, ""),
    ("Mã cơ quan", 12, ""), ("Vai trò", 12, ""), ("Nhiệm vụ con", 30, ""), ("Trạng thái", 18, ""),
    ("Tiến độ (%)", 10, ""), ("Đánh giá tiến độ", 18, ""), ("Tự đánh giá", 18, ""),
    ("Thời hạn (theo văn bản)", 18, ""), ("Hạn ban đầu", 12, "date"), ("Hạn điều chỉnh", 12, "date"),
    ("Ngày hoàn thành", 12, "date"), ("Báo cáo gần nhất", 12, "date"), ("Số báo cáo đã duyệt", 10, ""),
    ("Sản phẩm", 30, ""), ("Thiếu “5 rõ”", 10, ""),
]
TASK_COLUMNS = [
    ("Mã nhiệm vụ", 10, ""), ("Nhóm", 8, ""), ("Nhiệm vụ", 60, ""), ("Cơ quan chủ trì (theo văn bản)", 40, ""),
    ("Cơ quan phối hợp (theo văn bản)", 40, ""), ("Sản phẩm", 30, ""), ("Thời hạn (theo văn bản)", 18, ""),
    ("Hạn", 12, "date"), ("Người chịu trách nhiệm", 20, ""), ("Số cơ quan được giao", 10, ""),
    ("Đã hoàn thành", 10, ""), ("Quá hạn", 10, ""), ("Thiếu “5 rõ”", 10, ""),
]


def _labels(choices):
    with translation.override("vi"):
        return {value: str(label) for value, label in choices}


def _sheet(workbook, title, columns):
    sheet = workbook.create_sheet(title)
    for index, (_header, width, _kind) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text, _width, _kind in columns:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    date_columns = [i for i, (_h, _w, kind) in enumerate(columns) if kind == "date"]

    def append(values):
        values = list(values)
        for i in date_columns:
            if values[i] is not None:
                cell = WriteOnlyCell(sheet, value=values[i])
                cell.number_format = DATE_FORMAT
                values[i] = cell
        sheet.append(values)

    return append


def _response(workbook, filename):
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def _yes(flag):
    return "Có" if flag else ""


def assignments_xlsx(assignments, filename):
    """One row per assignment, in the list's order."""
    status, timeliness = _labels(Assignment.Status.choices), _labels(Assignment.Timeliness.choices)
    roles, ratings = _labels(Assignment.Role.choices), _labels(ProgressReport.Rating.choices)
    workbook = Workbook(write_only=True)
    append = _sheet(workbook, "Nhiệm vụ được giao", ASSIGNMENT_COLUMNS)
    rows = assignments.values_list(
        "task__code", "task__group__code", "task__title", "organisation__name", "organisation__code", "role",
        "title", "status", "progress", "timeliness", "self_rating", "task__deadline_text", "original_deadline",
        "revised_deadline", "completed_on", "last_report_on", "reports_received", "task__product_text",
        "task__is_incomplete")
    for (code, group, title, agency, agency_code, role, subtask, state, progress, timely, rating, deadline_text,
         original, revised, completed, last_report, received, product, incomplete) in rows.iterator(chunk_size=2000):
        append([code, group or "", title, agency, agency_code, roles.get(role, role), subtask, status.get(state, state),
                progress, timeliness.get(timely, timely), ratings.get(rating, rating), deadline_text, original,
                revised, completed, last_report, received, product, _yes(incomplete)])
    return _response(workbook, filename)


def tasks_xlsx(tasks, assignments, filename):
    """One row per task, with the number of agencies assigned, completed and overdue among `assignments`."""
    counts = defaultdict(lambda: {"n": 0, "completed": 0, "overdue": 0})
    for task_id, state, timely, n in (assignments.filter(parent__isnull=True, task__in=tasks)
                                      .values_list("task_id", "status", "timeliness").annotate(Count("id"))
                                      .order_by()):
        entry = counts[task_id]
        entry["n"] += n
        entry["completed"] += n if state == Assignment.Status.COMPLETED else 0
        entry["overdue"] += n if timely == Assignment.Timeliness.OVERDUE else 0
    workbook = Workbook(write_only=True)
    append = _sheet(workbook, "Nhiệm vụ", TASK_COLUMNS)
    rows = tasks.values_list("pk", "code", "group__code", "title", "lead_text", "coordinating_text", "product_text",
                             "deadline_text", "deadline", "responsible_person", "is_incomplete")
    for pk, code, group, title, lead, coordinating, product, deadline_text, deadline, person, incomplete in (
            rows.iterator(chunk_size=2000)):
        entry = counts[pk]
        append([code, group or "", title, lead, coordinating, product, deadline_text, deadline, person,
                entry["n"], entry["completed"], entry["overdue"], _yes(incomplete)])
    return _response(workbook, filename)

