"""Reading tables of tasks: header detection, column mapping, rows of every kind, and files that cannot be read."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from nq57.plans.importing import ImportFileError, build_import_preview, initial_mapping, kind_for, read_table
from nq57.plans.importing.preview import CONTINUATION, ERROR, GROUP_ROW, IGNORED, TASK_ROW
from nq57.plans.importing.readers import field_for_header

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English, the msgid language; the default language is Vietnamese.
    with translation.override("en"):
        yield


HEADER = ["TT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Thời gian hoàn thành"]


@pytest.mark.parametrize("text, field", [
    ("TT", "code"), ("STT", "code"), ("No.", "code"), ("Số TT", "code"),
    ("Tên nhiệm vụ", "title"), ("Nhiệm vụ", "title"), ("NHIỆM VỤ", "title"), ("ten nhiem vu", "title"),
    ("Task", "title"), ("Nội dung", "title"),
    ("Cơ quan chủ trì", "lead"), ("Chủ trì", "lead"), ("Đơn vị chủ trì", "lead"), ("Lead agency", "lead"),
    ("Cơ quan phối hợp", "coordinating"), ("Phối hợp", "coordinating"), ("Coordinating agencies", "coordinating"),
    ("Kết quả", "product"), ("Sản phẩm", "product"), ("Kết quả/Sản phẩm", "product"), ("Product", "product"),
    ("Thời gian hoàn thành", "deadline"), ("Thời hạn", "deadline"), ("Deadline", "deadline"),
    ("THỜI GIAN HOÀN THÀNH (dự kiến)", "deadline"), ("Tiến độ", "deadline"),
    ("Người chịu trách nhiệm", "responsible_person"),
    ("Ghi chú", None), ("", None), ("Xây dựng kế hoạch triển khai nhiệm vụ", None),
])
def test_it_knows_column_names_in_vietnamese_and_english_with_or_without_accents(text, field):
    assert field_for_header(text) == field


def _xlsx(rows, **sheets):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for name, extra in sheets.items():
        other = workbook.create_sheet(name)
        for row in extra:
            other.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), workbook


def _csv(text, encoding="utf-8"):
    return read_table(text.encode(encoding), "csv")


def _preview(table):
    return build_import_preview(table, initial_mapping(table))


def test_the_header_may_sit_below_title_lines_and_the_columns_in_any_order():
    data, _wb = _xlsx([
        ["KẾ HOẠCH CỦA UBND TỈNH LẠNG SƠN"], [], ["Số: 12/KH-UBND"],
        ["Thời hạn", "Nhiệm vụ", "STT", "Ghi chú", "Đơn vị chủ trì"],
        ["30/6/2025", "Lập kế hoạch chuyển đổi số", 1, "", "Sở Khoa học và Công nghệ Lạng Sơn"],
    ])
    table = read_table(data, "xlsx")
    mapping = initial_mapping(table)
    assert mapping["header_row"] == 4
    assert mapping["columns"] == {"code": 2, "title": 1, "lead": 4, "coordinating": None, "product": None,
                                  "deadline": 0, "responsible_person": None, "source_article": None}
    (task,) = _preview(table).tasks
    assert (task.code, task.row, [o.code for o in task.lead]) == ("1", 5, ["P20-SKHCN"])
    assert task.deadline.deadline == datetime.date(2025, 6, 30)


def test_an_english_csv_with_semicolons_reads_the_same():
    table = _csv("No.;Task;Lead agency;Coordinating agencies;Product;Deadline\n"
                 "1;Draft the plan;Ministry of Science and Technology;Hà Nội, Lạng Sơn;Decision;Q3/2025\n")
    (task,) = _preview(table).tasks
    assert [o.code for o in task.lead] == ["BKHCN"] and [o.code for o in task.coordinating] == ["P01", "P20"]
    assert (task.deadline.deadline, task.product_text) == (datetime.date(2025, 9, 30), "Decision")


def test_no_header_in_the_first_15_rows_is_a_clear_error():
    rows = [[f"Dòng {n}"] for n in range(16)] + [HEADER]
    data, _wb = _xlsx(rows)
    with pytest.raises(ImportFileError, match="No header row found in the first 15 rows"):
        initial_mapping(read_table(data, "xlsx"))


def test_every_row_becomes_a_group_a_task_a_continuation_an_ignored_row_or_an_error():
    table = _csv("\n".join([
        "Kế hoạch năm 2025",  # 1 above the header
        ",".join(HEADER),  # 2
        "(1),(2),(3),(4),(5),(6)",  # 3 column numbering
        "I.,Nhóm thứ nhất,,,,",  # 4 group
        "1,Việc một,Bộ Y tế,,Đề án,2025",  # 5 task
        ",tiếp theo của việc một,,Bộ Công an,,",  # 6 continuation
        ",".join(HEADER),  # 7 the header repeated at a page break
        "1,Việc trùng số,Bộ Y tế,,,",  # 8 duplicate number
        ",dòng tiếp của dòng trùng,,,,",  # 9 continues a row that is not imported
        "a),Việc đánh số lạ,Bộ Y tế,,,",  # 10 not a number
        "II. Nhóm thứ hai,,,,,",  # 11 a group written in one cell
        "2,,Bộ Y tế,,,",  # 12 a task without a name
        "3,Việc ba,Bộ Y tế,,,Quý II/2025",  # 13 task
    ]))
    preview = _preview(table)
    assert [(r.number, r.kind, r.code) for r in preview.rows] == [
        (1, IGNORED, ""), (2, "header", ""), (3, IGNORED, ""), (4, GROUP_ROW, "I"), (5, TASK_ROW, "1"),
        (6, CONTINUATION, "1"), (7, IGNORED, ""), (8, ERROR, "1"), (9, ERROR, ""), (10, ERROR, ""),
        (11, GROUP_ROW, "II"), (12, ERROR, "2"), (13, TASK_ROW, "3"),
    ]
    assert [g.title for g in preview.groups] == ["Nhóm thứ nhất", "Nhóm thứ hai"]
    assert [(t.code, t.group_code) for t in preview.tasks] == [("1", "I"), ("3", "II")]
    first = preview.tasks[0]
    assert first.title == "Việc một tiếp theo của việc một"
    assert [o.code for o in first.coordinating] == ["BCA"]
    assert "appears twice (first on row 5)" in preview.rows[7].message
    assert "has no name" in preview.rows[11].message


def test_a_line_break_inside_a_cell_separates_agencies():
    data, _wb = _xlsx([HEADER, [1, "Việc", "Bộ Y tế\nBộ Công an", "Hà Nội\nLạng Sơn", "", "2025"]])
    (task,) = _preview(read_table(data, "xlsx")).tasks
    assert [o.code for o in task.lead] == ["BYT", "BCA"]
    assert [o.code for o in task.coordinating] == ["P01", "P20"]


def test_merged_cells_share_an_agency_between_tasks_and_continue_a_tall_task():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1, "Việc một", "Bộ Y tế", "", "", "2025"])
    sheet.append([2, "Việc hai", None, "", "", "2026"])
    sheet.append([3, "Việc ba, phần đầu", "Bộ Công an", "", "", "2025"])
    sheet.append([None, "phần sau", None, "", "", None])
    sheet.merge_cells("C2:C3")  # one lead cell for tasks 1 and 2
    sheet.merge_cells("A4:A5")  # task 3 spans two rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = _preview(read_table(buffer.getvalue(), "xlsx"))
    tasks = {t.code: t for t in preview.tasks}
    assert [o.code for o in tasks["2"].lead] == ["BYT"]
    assert tasks["3"].title == "Việc ba, phần đầu phần sau" and [o.code for o in tasks["3"].lead] == ["BCA"]


def test_excel_dates_keep_what_the_user_saw():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1, "Theo tháng", "Bộ Y tế", "", "", datetime.datetime(2025, 6, 1)])
    sheet.append([2, "Theo ngày", "Bộ Y tế", "", "", datetime.datetime(2025, 6, 15)])
    sheet["F2"].number_format = "mm/yyyy"
    sheet["F3"].number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    month, day = _preview(read_table(buffer.getvalue(), "xlsx")).tasks
    assert (month.deadline_text, month.deadline.deadline) == ("6/2025", datetime.date(2025, 6, 30))
    assert (day.deadline_text, day.deadline.deadline) == ("15/6/2025", datetime.date(2025, 6, 15))


def test_another_sheet_can_be_chosen_by_name():
    data, _wb = _xlsx([["Trang bìa"]], **{"Nhiệm vụ": [HEADER, [1, "Việc", "Bộ Y tế", "", "", "2025"]]})
    table = read_table(data, "xlsx", sheet="Nhiệm vụ")
    assert (table.sheet, len(_preview(table).tasks)) == ("Nhiệm vụ", 1)
    with pytest.raises(ImportFileError, match="no sheet named"):
        read_table(data, "xlsx", sheet="Không có")


def test_a_utf16_csv_from_excel_reads_too():
    table = read_table(("\t".join(HEADER) + "\n1\tViệc\tBộ Y tế\t\t\t2025\n").encode("utf-16"), "csv")
    assert [t.code for t in _preview(table).tasks] == ["1"]


def _zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("plan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Old Excel files"),
    ("plan.pdf", b"%PDF-1.7", "Upload an Excel workbook"),
    ("plan", b"TT,Task", "Upload an Excel workbook"),
    ("plan.xlsx", b"TT,Task\n1,Something", "not an Excel workbook"),
    ("plan.csv", _zip_without_workbook(), "looks like an Excel workbook"),
])
def test_files_of_the_wrong_kind_are_refused_by_name_and_content(name, data, message):
    with pytest.raises(ImportFileError, match=message):
        kind_for(name, data)


@pytest.mark.parametrize("kind, data, message", [
    ("xlsx", _zip_without_workbook(), "The workbook cannot be read"),
    ("xlsx", b"PK\x03\x04" + b"\x00" * 200, "The workbook cannot be read"),
    # Vietnamese Windows code page, as old Excel versions save CSV
    ("csv", b"TT,T\xean nhi\xea\xf2m v\xf9\n1,\xd0\xea \xe1n", "not UTF-8"),
    ("csv", b"", "no table rows"),
    ("csv", b"\n\n ,, \n", "no table rows"),
    ("md", "# Kế hoạch\n\nKhông có bảng.".encode(), "No table found"),
])
def test_files_that_cannot_be_read_give_a_clear_message(kind, data, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, kind)


def test_a_mapping_without_the_task_column_is_refused():
    table = _csv(",".join(HEADER) + "\n1,Việc,Bộ Y tế,,,2025\n")
    with pytest.raises(ImportFileError, match="Choose the column"):
        build_import_preview(table, {"header_row": 1, "columns": {"code": 0, "title": None}})


def test_plain_lists_of_cells_are_a_table_too():
    rows = [HEADER, ["I", "Nhóm", None, None, None, None], [1, "Việc một", "Bộ Y tế", None, "Đề án", 2025]]
    preview = build_import_preview(rows, {"header_row": 1, "columns": {
        "code": 0, "title": 1, "lead": 2, "coordinating": 3, "product": 4, "deadline": 5}})
    (task,) = preview.tasks
    assert (task.code, task.group_code, task.row, task.deadline_text) == ("1", "I", 3, "2025")


def test_blank_lines_inside_the_table_are_counted_not_those_around_it():
    table = _csv("\n\n" + ",".join(HEADER) + "\n1,Việc một,Bộ Y tế,,,2025\n\n\n2,Việc hai,Bộ Y tế,,,2026\n\n\n")
    preview = _preview(table)
    assert [t.row for t in preview.tasks] == [4, 7]
    assert preview.counts()["blank_rows"] == 2
