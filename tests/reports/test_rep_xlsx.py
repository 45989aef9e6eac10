"""The Excel workbook of a periodic report, read back with openpyxl: the sheets, the figures as numbers, the
dates as dates, the header row bold and frozen, the notes."""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from nq57.reports import content, queries, xlsx_writer

pytestmark = pytest.mark.django_db


def workbook_of(result):
    stream = io.BytesIO()
    xlsx_writer.write(result, stream)
    stream.seek(0)
    return load_workbook(stream)


def rows_of(sheet, first_row):
    return [list(row) for row in sheet.iter_rows(min_row=first_row, values_only=True)]


def as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def test_it_has_a_summary_sheet_and_one_sheet_per_table(report_dataset, make_report):
    workbook = workbook_of(content.build(make_report("P20", language="en")))

    assert workbook.sheetnames == ["Summary", "Completed", "Overdue", "Overdue per agency", "Indicators off track",
                                   "Difficulties", "Recommendations", "Feedback", "Change"]


def test_the_vietnamese_workbook_starts_with_tong_hop(report_dataset, make_report):
    result = content.build(make_report("P20"))
    workbook = workbook_of(result)

    assert workbook.sheetnames[0] == "Tổng hợp"
    assert len(workbook.sheetnames) == len(result.tables())  # the summary table shares the first sheet


def test_the_summary_sheet_carries_the_particulars_and_the_figures(report_dataset, make_report):
    report = make_report("P20", language="en", number="15/BC-UBND")
    result = content.build(report)
    sheet = workbook_of(result)["Summary"]

    particulars = {row[0]: row[1] for row in rows_of(sheet, 1)[:11]}
    assert particulars["Issuing body"] == "TỈNH LẠNG SƠN"
    assert particulars["Document number"] == "15/BC-UBND"
    assert particulars["Place"] == "Lạng Sơn"
    assert as_date(particulars["Date"]) == result.date
    assert particulars["Period"] == "first half of 2025"
    assert (as_date(particulars["From"]), as_date(particulars["To"])) == (datetime.date(2025, 1, 1),
                                                                         datetime.date(2025, 6, 30))
    rows = rows_of(sheet, 1)
    header = next(i for i, row in enumerate(rows) if row[0] == "Measure")
    assert rows[header][:4] == ["Measure", "Previous period", "This period", "Change"]
    assert sheet.cell(row=header + 1, column=1).font.b
    figures = result.figures
    for (key, label, _is_rate, _better), row in zip(content.MEASURES, rows[header + 1:], strict=False):
        with translation.override("en"):  # the report is in English, whatever the test's active language
            assert row[0] == str(label)
        assert row[1:4] == [figures["previous"][key], figures["current"][key],
                            content.change(figures["previous"][key], figures["current"][key])], key
    assert rows[header + 1][2] == 7 and isinstance(rows[header + 1][2], int)
    note_row = rows[header + 1 + len(content.MEASURES) + 1]
    assert note_row[0].startswith("Rates in %")


def test_a_table_sheet_has_a_bold_frozen_header_numbers_and_dates(report_dataset, make_report):
    result = content.build(make_report("P20", language="en"))
    sheet = workbook_of(result)["Completed"]

    assert sheet["A1"].value == "Tasks completed in the period"
    assert [cell.value for cell in sheet[2]] == ["No.", "Document", "Task code", "Task", "Agency", "Deadline",
                                                 "Completed on", "On time"]
    assert all(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    first, second = rows_of(sheet, 3)[:2]
    a1, a2 = report_dataset.a["a1"], report_dataset.a["a2"]
    assert first[0] == 1 and isinstance(first[0], int)
    assert first[1:5] == ["03/NQ-CP", "A1", a1.task.title, "Tỉnh Lạng Sơn"]
    assert [as_date(first[5]), as_date(first[6]), first[7]] == [a1.original_deadline, a1.completed_on, "Yes"]
    assert [as_date(second[5]), as_date(second[6]), second[7]] == [a2.original_deadline, a2.completed_on, "No"]
    assert sheet["F3"].is_date and sheet["F3"].number_format == xlsx_writer.DATE_FORMAT
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width


def test_every_table_is_written_cell_for_cell(report_dataset, make_report):
    result = content.build(make_report("BCDTW", language="en"))
    workbook = workbook_of(result)

    for table in result.tables():
        if table.key == "summary":
            continue
        sheet = workbook[table.short_title]
        written = rows_of(sheet, 3)[:len(table.rows)]
        expected = [[as_date(cell) if cell != "" else None for cell in row] for row in table.rows]
        assert [[as_date(cell) for cell in row[:len(table.columns)]] for row in written] == expected, table.key


def test_the_overdue_sheet_has_numbers_and_its_note(report_dataset, make_report):
    result = content.build(make_report("P20", language="en"))
    sheet = workbook_of(result)["Overdue"]

    rows = rows_of(sheet, 3)
    assert [row[5] for row in rows[:2]] == [61, 107]  # days overdue, as numbers
    assert rows[3][0] == next(t for t in result.tables() if t.key == "overdue").note  # under a blank row


def test_a_capped_table_says_so_under_it(report_dataset, make_report, monkeypatch):
    monkeypatch.setattr(queries, "LIST_LIMIT", 1)
    sheet = workbook_of(content.build(make_report("P20", language="en")))["Completed"]

    assert rows_of(sheet, 3)[2][0] == "First 1 of 2."


def test_text_typed_by_users_is_never_a_formula(report_dataset, make_report):
    task = report_dataset.a["a1"].task
    task.title = "=HYPERLINK(\"http://example.com\",\"x\")\x07"
    task.save()
    sheet = workbook_of(content.build(make_report("P20", language="en")))["Completed"]

    assert sheet["D3"].data_type == "s"
    assert sheet["D3"].value == "=HYPERLINK(\"http://example.com\",\"x\")"


@pytest.mark.parametrize(("titles", "names"), [
    (["Summary", "summary"], ["Summary", "summary (2)"]),
    (["a/b\\c?d*e:f[g]h"], ["a b c d e f g h"]),
    (["x" * 40, "x" * 40], ["x" * 31, "x" * 27 + " (2)"]),
    ([""], ["Sheet"]),
])
def test_sheet_names_are_valid_and_unique(titles, names):
    taken = set()
    assert [xlsx_writer.sheet_name(title, taken) for title in titles] == names
