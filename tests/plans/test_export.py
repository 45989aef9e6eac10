"""XLSX export of the task list: the current filter and scope, Vietnamese headers, real Excel dates."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from nq57.plans import exports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.worksheets[0]


def _rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_assignment_export_has_vietnamese_headers_and_one_row_per_assignment(client, sophie, pages_plan):
    client.force_login(sophie)
    sheet = _sheet(client.get(f"/plans/{pages_plan.plan.pk}/tasks/export/"))
    rows = _rows(sheet)
    assert rows[0][:4] == ["Mã nhiệm vụ", "Nhóm", "Nhiệm vụ", "Cơ quan được giao"]
    assert "Hạn ban đầu" in rows[0] and "Hạn điều chỉnh" in rows[0] and "Đánh giá tiến độ" in rows[0]
    assert [(r[0], r[4]) for r in rows[1:]] == [("1", "P20"), ("1", "P01"), ("2", "BKHCN"), ("2", "P01"),
                                                ("3", "P01"), ("4", "P20")]


def test_dates_are_real_excel_dates_shown_day_first(client, sophie, pages_plan):
    client.force_login(sophie)
    sheet = _sheet(client.get(f"/plans/{pages_plan.plan.pk}/tasks/export/", {"agency": "BKHCN"}))
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Hạn ban đầu") + 1)
    assert cell.is_date and cell.number_format == "DD/MM/YYYY"
    assert cell.value.date() == pages_plan.assignment("2", "BKHCN").original_deadline
    assert sheet.cell(row=2, column=header.index("Hạn điều chỉnh") + 1).value is None


def test_the_export_follows_the_filter(client, sophie, pages_plan):
    client.force_login(sophie)
    rows = _rows(_sheet(client.get(f"/plans/{pages_plan.plan.pk}/tasks/export/",
                                   {"status": ["completed"], "q": "the che"})))
    assert [(r[0], r[4]) for r in rows[1:]] == [("2", "P01")]


def test_the_per_task_export_counts_assignments(client, sophie, pages_plan):
    client.force_login(sophie)
    rows = _rows(_sheet(client.get(f"/plans/{pages_plan.plan.pk}/tasks/export/", {"view": "tasks"})))
    header = rows[0]
    assert header[:3] == ["Mã nhiệm vụ", "Nhóm", "Nhiệm vụ"]
    task_two = next(r for r in rows[1:] if r[0] == "2")
    assert task_two[header.index("Số cơ quan được giao")] == 2
    assert task_two[header.index("Đã hoàn thành")] == 1 and task_two[header.index("Quá hạn")] == 1
    assert isinstance(task_two[header.index("Hạn")], datetime.datetime)


def test_an_agency_exports_only_what_it_may_see(client, alice, pages_plan):
    client.force_login(alice)
    rows = _rows(_sheet(client.get(f"/plans/{pages_plan.plan.pk}/tasks/export/")))
    assert {r[4] for r in rows[1:]} == {"P20"}


def test_a_bad_filter_or_too_many_rows_is_a_message_not_a_file(client, sophie, pages_plan, monkeypatch):
    client.force_login(sophie)
    url = f"/plans/{pages_plan.plan.pk}/tasks/export/"
    assert client.get(url, {"deadline_to": "32/01/2025"}).status_code == 400
    monkeypatch.setattr("nq57.plans.views.tasks.MAX_ROWS", 3)
    response = client.get(url)
    assert response.status_code == 400 and "narrow the filter" in response.context["export_error"]
