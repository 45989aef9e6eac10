"""What a periodic report says: its figures, lists and header, built from the fixed dataset of conftest.py
(first half of 2025, previous period the second half of 2024). Every number below is counted by hand from the
table in that module's docstring."""

import json

import pytest
from django.utils import timezone

from nq57.reports import content, queries

pytestmark = pytest.mark.django_db

P20_CURRENT = {
    "assignments": 7,  # a1–a7 (a8 cancelled, a9 completed before the period)
    "completed": 2, "completed_on_time": 1, "completed_on_time_rate": 50.0,  # a1 on time, a2 late on 30/6
    "due": 5, "due_on_time": 1, "on_time_rate": 20.0,  # a1, a2, a3, a4, a6 due; a1 by its deadline
    "overdue": 2,  # a4, a6 (a3's deadline is the period's last day: not yet overdue)
    "at_risk": 1,  # a5
    "reports_expected": 8, "reports_on_time": 1, "reports_on_time_rate": 12.5,
    "kpi_assessed": 2, "kpi_green": 1, "kpi_amber": 0, "kpi_red": 1,
    "recommendations_raised": 2, "recommendations_answered": 1,
    "feedback_received": 4, "feedback_answered": 3, "feedback_on_time": 2, "feedback_on_time_rate": 66.7,
}
P20_PREVIOUS = {
    "assignments": 5,  # a1, a2, a4, a7, a9: the provincial plan was issued in 2025
    "completed": 1, "completed_on_time": 1, "completed_on_time_rate": 100.0,
    "due": 1, "due_on_time": 1, "on_time_rate": 100.0,
    "overdue": 0, "at_risk": None,
    "reports_expected": 9, "reports_on_time": 0, "reports_on_time_rate": 0.0,
    "kpi_assessed": 2, "kpi_green": 0, "kpi_amber": 1, "kpi_red": 1,
    "recommendations_raised": 0, "recommendations_answered": 0,
    "feedback_received": 1, "feedback_answered": 1, "feedback_on_time": 1, "feedback_on_time_rate": 100.0,
}
ROOT_CURRENT = {
    "assignments": 10, "completed": 4, "completed_on_time": 3, "completed_on_time_rate": 75.0,
    "due": 8, "due_on_time": 3, "on_time_rate": 37.5, "overdue": 3, "at_risk": 1,
    "reports_expected": 10, "reports_on_time": 2, "reports_on_time_rate": 20.0,
    "kpi_assessed": 2, "kpi_green": 1, "kpi_amber": 1, "kpi_red": 0,
    "recommendations_raised": 3, "recommendations_answered": 1,
    "feedback_received": 6, "feedback_answered": 4, "feedback_on_time": 3, "feedback_on_time_rate": 75.0,
}


def table(result, key):
    return next(t for t in result.tables() if t.key == key)


def everything_written(result):
    """Every piece of text and every cell of the report, as one string."""
    parts = [result.parent_body, result.issuing_body, result.place, result.subtitle, result.scope_name,
             *result.recipients, result.signer_title]
    for section in result.sections:
        parts += [section.heading, *section.paragraphs]
        for tbl in section.tables:
            parts += [tbl.title, tbl.note, *map(str, tbl.columns)]
            parts += [str(cell) for row in tbl.rows for cell in row]
    return "\n".join(parts)


def test_it_counts_the_figures_of_lang_son(report_dataset, make_report):
    result = content.build(make_report("P20"))

    assert result.figures == {"current": P20_CURRENT, "previous": P20_PREVIOUS}
    json.dumps(result.figures)  # stored as the report's JSON record


def test_it_counts_the_figures_of_the_whole_country(report_dataset, make_report):
    result = content.build(make_report("BCDTW"))

    assert result.figures["current"] == ROOT_CURRENT
    assert result.figures["previous"]["assignments"] == 8  # the national plan's eight, all but the cancelled one
    assert result.figures["previous"]["reports_expected"] == 15


def test_the_summary_table_carries_the_figures(report_dataset, make_report):
    result = content.build(make_report("P20"))
    summary = table(result, "summary")

    keys = [key for key, *_rest in content.MEASURES]
    assert len(summary.rows) == len(keys)
    for key, row in zip(keys, summary.rows, strict=True):
        previous, current = P20_PREVIOUS[key], P20_CURRENT[key]
        assert row[1:] == [previous, current, content.change(previous, current)], key


def test_hanoi_never_appears_in_lang_sons_report(report_dataset, make_report):
    written = everything_written(content.build(make_report("P20")))

    assert report_dataset.secret not in written
    assert "Hà Nội" not in written
    # …while the national report shows Hà Nội's work.
    assert report_dataset.secret in everything_written(content.build(make_report("BCDTW")))


def test_it_lists_the_completed_tasks_of_the_period(report_dataset, make_report):
    completed = table(content.build(make_report("P20")), "completed")

    # a2, completed on the period's last day, counts; a3, completed the day after, does not.
    assert [row[2] for row in completed.rows] == ["A1", "A2"]
    assert [row[5:7] for row in completed.rows] == [
        [report_dataset.a["a1"].original_deadline, report_dataset.a["a1"].completed_on],
        [report_dataset.a["a2"].original_deadline, report_dataset.a["a2"].completed_on]]
    assert [row[0] for row in completed.rows] == [1, 2]
    assert completed.note == ""


@pytest.mark.parametrize(("number", "codes", "completed", "assignments", "overdue"), [
    (6, ["A2"], 1, 6, 2),  # June: a2 on the 30th, the month's last day
    (7, ["A3"], 1, 5, 2),  # July: a3 on the 1st
])
def test_a_completion_counts_in_the_period_of_its_date(report_dataset, make_report, number, codes, completed,
                                                       assignments, overdue):
    result = content.build(make_report("P20", kind="month", period_number=number))

    assert [row[2] for row in table(result, "completed").rows] == codes
    assert result.figures["current"]["completed"] == completed
    assert result.figures["current"]["completed_on_time"] == 0
    assert result.figures["current"]["assignments"] == assignments
    assert result.figures["current"]["overdue"] == overdue


def test_it_lists_the_overdue_tasks_with_their_reasons(report_dataset, make_report):
    result = content.build(make_report("P20"))
    overdue = table(result, "overdue")

    assert [row[1:] for row in overdue.rows] == [
        # By agency (the province before its commune), with the status reason, else the latest report's.
        ["Tỉnh Lạng Sơn", "A4", "Triển khai nền tảng số dùng chung", report_dataset.a["a4"].original_deadline, 61,
         40, "Chờ hướng dẫn của Bộ Khoa học và Công nghệ"],
        [report_dataset.commune.name, "A6", "Số hoá hồ sơ hành chính cấp xã",
         report_dataset.a["a6"].original_deadline, 107, 0, "Thiếu kinh phí thực hiện"],
    ]
    per_agency = table(result, "overdue_agencies")
    assert sorted(row[1:] for row in per_agency.rows) == sorted([["Tỉnh Lạng Sơn", 1, 61],
                                                                 [report_dataset.commune.name, 1, 107]])


def test_it_lists_the_indicators_off_track_at_the_scope(report_dataset, make_report):
    rows = table(content.build(make_report("P20")), "indicators").rows
    assert [(row[1], row[3], row[7]) for row in rows] == [("2", 10.0, 20.0)]

    national = table(content.build(make_report("BCDTW")), "indicators").rows
    assert [(row[1], row[3], row[7]) for row in national] == [("2", 30.0, 50.0)]


def test_the_target_of_an_indicator_is_shown(report_dataset, make_report):
    from nq57.indicators.models import IndicatorRollup

    IndicatorRollup.objects.filter(indicator=report_dataset.indicators["1"], organisation=report_dataset.p20,
                                   period_end=report_dataset.end).update(rag="amber", attainment=0.6)
    rows = table(content.build(make_report("P20")), "indicators").rows

    assert [(row[1], row[6]) for row in rows] == [("2", ""), ("1", "≥ 80 (2030)")]  # red before amber


def test_it_lists_recommendations_and_their_answers(report_dataset, make_report):
    result = content.build(make_report("P20"))
    rows = table(result, "recommendations").rows

    assert [(row[2], row[4], row[6], row[7]) for row in rows] == [
        ("A4", "Đề nghị Bộ sớm ban hành hướng dẫn", "", None),
        ("A6", "Đề nghị bổ sung kinh phí số hoá", "Đã bố trí trong dự toán năm 2025",
         report_dataset.recommendations["r1"].answered_at.date()),
    ]
    difficulties = table(result, "difficulties").rows
    assert [row[5] for row in difficulties] == ["Chưa có hướng dẫn thống nhất", "Thiếu kinh phí thực hiện"]


def test_it_gives_feedback_statistics_per_lead_agency(report_dataset, make_report):
    rows = table(content.build(make_report("P20")), "feedback").rows

    assert [row[1:] for row in rows] == [
        # received, answered, on time, on time %, median working days, satisfied %
        [report_dataset.department.name, 3, 2, 1, 50.0, 23.5, 50.0],
        ["Tỉnh Lạng Sơn", 1, 1, 1, 100.0, 7.0, None],
        [rows[-1][1], 4, 3, 2, 66.7, 13.0, 50.0],  # the total
    ]


def test_it_shows_the_change_since_the_previous_period(report_dataset, make_report):
    result = content.build(make_report("P20", language="en"))
    change = {row[0]: row[1:] for row in table(result, "change").rows}

    assert change["On-time completion rate (%)"] == [100.0, 20.0, -80.0, "worse"]
    assert change["Overdue at the end of the period"] == [0, 2, 2, "worse"]
    assert change["Indicators on track (green)"] == [0, 1, 1, "better"]
    assert change["Indicators off track (red)"] == [1, 1, 0, "unchanged"]
    paragraph = result.sections[6].paragraphs[0]
    assert paragraph.startswith("Compared with second half of 2024: 2 assignments completed (+1); on-time "
                                "completion rate 20% (-80 points); 2 overdue")


def test_the_header_follows_the_administrative_form(report_dataset, make_report):
    report = make_report("P20", number="15/BC-UBND", recipients="Ban Chỉ đạo Trung ương\n\n Bộ Khoa học và Công nghệ ",
                         signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", signer_name="Nguyễn Văn B")
    result = content.build(report)

    assert (result.title, result.number, result.place) == ("BÁO CÁO", "15/BC-UBND", "Lạng Sơn")
    assert (result.parent_body, result.issuing_body) == ("", "TỈNH LẠNG SƠN")
    assert result.date == timezone.localtime(report.created_at).date()
    assert result.period_label == "6 tháng đầu năm 2025"
    assert (result.period_start, result.period_end) == (report_dataset.start, report_dataset.end)
    assert "6 tháng đầu năm 2025" in result.subtitle and "tỉnh Lạng Sơn" in result.subtitle
    assert result.recipients == ["Ban Chỉ đạo Trung ương", "Bộ Khoa học và Công nghệ"]
    assert (result.signer_title, result.signer_name) == ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "Nguyễn Văn B")


def test_the_national_report_is_issued_by_the_standing_office(report_dataset, make_report):
    result = content.build(make_report("BCDTW"))

    assert (result.parent_body, result.issuing_body) == ("BAN CHỈ ĐẠO TRUNG ƯƠNG", "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG")
    assert result.place == "Hà Nội"
    assert result.signer_title == "TM. VĂN PHÒNG TRUNG ƯƠNG ĐẢNG"
    assert result.signer_name == ""
    assert len(result.recipients) == 2


def test_a_department_is_headed_by_its_province(report_dataset, make_report):
    result = content.build(make_report("P20-SKHCN", place="Thành phố Lạng Sơn"))

    assert (result.parent_body, result.issuing_body) == ("TỈNH LẠNG SƠN", "SỞ KHOA HỌC VÀ CÔNG NGHỆ LẠNG SƠN")
    assert result.place == "Thành phố Lạng Sơn"
    assert result.figures["current"]["assignments"] == 2  # a2, a5


def test_the_english_version_is_in_english(report_dataset, make_report):
    result = content.build(make_report("P20", language="en"))

    assert result.language == "en"
    assert (result.title, result.period_label) == ("REPORT", "first half of 2025")
    assert result.subtitle == "Results of implementing Resolution No. 57-NQ/TW in first half of 2025 — Tỉnh Lạng Sơn"
    assert [s.heading for s in result.sections] == [
        "Summary figures", "Tasks completed", "Overdue tasks", "Indicators", "Difficulties and recommendations",
        "Feedback and initiatives", "Change since the previous period", "Proposals and next steps"]
    summary = table(result, "summary")
    assert summary.columns == ["Measure", "Previous period", "This period", "Change"]
    assert summary.rows[0][0] == "Assignments in force"
    assert table(result, "completed").rows[0][-1] == "Yes"
    assert table(result, "completed").rows[1][-1] == "No"
    assert table(result, "indicators").rows[0][-1] == "Off track"
    assert result.signer_title == "ON BEHALF OF TỈNH LẠNG SƠN"
    assert result.figures == content.build(make_report("P20")).figures


@pytest.mark.parametrize(("kind", "number", "label"), [("month", 6, "June 2025"), ("quarter", 2, "Q2 2025"),
                                                       ("half", 2, "second half of 2025"), ("year", 1, "2025")])
def test_english_period_labels(report_dataset, make_report, kind, number, label):
    result = content.build(make_report("P20", kind=kind, period_number=number, language="en"))
    assert result.period_label == label
    assert label in result.subtitle


def test_long_lists_are_capped_with_a_note(report_dataset, make_report, monkeypatch):
    monkeypatch.setattr(queries, "LIST_LIMIT", 1)
    result = content.build(make_report("P20", language="en"))

    completed = table(result, "completed")
    assert len(completed.rows) == 1 and completed.note == "First 1 of 2."
    assert len(table(result, "overdue").rows) == 1 and table(result, "overdue").note.endswith("First 1 of 2.")
    assert table(result, "overdue_agencies").note == "First 1 of 2."
    assert table(result, "recommendations").note == "First 1 of 2."
    assert table(result, "difficulties").note == "First 1 of 2."
    assert len(table(result, "feedback").rows) == 2  # one agency and the total
    assert result.figures["current"]["completed"] == 2  # counts are never capped


def test_it_reports_its_progress(report_dataset, make_report):
    steps = []
    content.build(make_report("P20"), lambda percent, step: steps.append((percent, step)))

    percents = [percent for percent, _step in steps]
    assert percents == sorted(percents) and percents[0] >= 0 and percents[-1] == 80
    assert all(step for _percent, step in steps)


def test_an_empty_scope_gives_an_empty_report(make_report):
    result = content.build(make_report("P04"))

    assert result.figures["current"]["assignments"] == 0
    assert result.figures["current"]["on_time_rate"] is None
    assert all(not t.rows for t in result.tables() if t.key not in ("summary", "change", "feedback"))


@pytest.mark.parametrize(("received", "counted"), [("2025-06-30T23:59:00", True), ("2025-07-01T00:00:00", False),
                                                   ("2025-01-01T00:00:00", True), ("2024-12-31T23:59:00", False)])
def test_feedback_counts_by_its_local_date_of_reception(report_dataset, received, counted):
    import datetime
    from zoneinfo import ZoneInfo

    submission = report_dataset.submissions["s3"]  # P20-SKHCN, open, received 10/6/2025
    submission.received_at = datetime.datetime.fromisoformat(received).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    submission.save()

    totals = queries.feedback_totals(report_dataset.p20, report_dataset.start, report_dataset.end)
    assert totals["received"] == (4 if counted else 3)
