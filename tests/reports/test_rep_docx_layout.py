"""The fixed wording and the rules shared by the Word and PDF writers (nq57.reports.layout)."""

import datetime

import pytest
from django.utils import translation

from nq57.reports import layout


@pytest.mark.parametrize("place, date, language, expected", [
    # Decree 30: a leading zero for days below 10 and for January and February only.
    ("Lạng Sơn", datetime.date(2025, 7, 5), "vi", "Lạng Sơn, ngày 05 tháng 7 năm 2025"),
    ("Hà Nội", datetime.date(2025, 2, 3), "vi", "Hà Nội, ngày 03 tháng 02 năm 2025"),
    ("Hà Nội", datetime.date(2025, 1, 31), "vi", "Hà Nội, ngày 31 tháng 01 năm 2025"),
    ("Hà Nội", datetime.date(2025, 12, 10), "vi", "Hà Nội, ngày 10 tháng 12 năm 2025"),
    ("", datetime.date(2025, 12, 10), "vi", "Ngày 10 tháng 12 năm 2025"),
    ("Hà Nội", datetime.date(2025, 2, 3), "en", "Hà Nội, 3 February 2025"),
    ("", datetime.date(2025, 7, 15), "en", "15 July 2025"),
])
def test_the_date_line_follows_the_decree(place, date, language, expected):
    assert layout.date_line(place, date, language) == expected


@pytest.mark.parametrize("number, language, expected", [
    ("15/BC-BCĐ", "vi", "Số: 15/BC-BCĐ"),
    ("", "vi", "Số: …/BC"),
    ("  ", "vi", "Số: …/BC"),
    ("15/BC-BCĐ", "en", "No.: 15/BC-BCĐ"),
])
def test_the_number_line_leaves_dots_when_the_report_is_not_numbered(number, language, expected):
    assert layout.number_line(number, language) == expected


def test_recipients_get_a_dash_a_semicolon_and_the_archive_line():
    lines = layout.recipient_lines(["Bộ Khoa học và Công nghệ", "- Sở Tài chính;", "", "Các sở, ngành:"], "vi")
    assert lines == ["- Bộ Khoa học và Công nghệ;", "- Sở Tài chính;", "- Các sở, ngành:", "- Lưu: VT."]
    assert layout.recipient_lines([], "en") == ["- Archived: VT."]


@pytest.mark.parametrize("index, heading, expected", [
    (1, "Số liệu tổng hợp", "I. Số liệu tổng hợp"),
    (4, "Indicators", "IV. Indicators"),
    (9, "Kiến nghị", "IX. Kiến nghị"),
    (2, "II. Đã đánh số", "II. Đã đánh số"),
    (3, "3. Numbered", "3. Numbered"),
])
def test_section_headings_are_numbered_in_roman_unless_they_already_are(index, heading, expected):
    assert layout.section_heading(index, heading) == expected


@pytest.mark.parametrize("value, language, expected", [
    (1234, "vi", "1.234"),
    (1234, "en", "1,234"),
    (87.5, "vi", "87,5"),
    (87.5, "en", "87.5"),
    (80.0, "vi", "80"),
    (95.8333, "vi", "95,83"),
    (-8, "vi", "-8"),
    (None, "vi", ""),
    (float("nan"), "vi", ""),
    (datetime.date(2025, 6, 30), "vi", "30/06/2025"),
    ("Sở <cũ> & mới\x0b", "vi", "Sở <cũ> & mới"),
])
def test_cells_are_formatted_in_the_language_of_the_report(value, language, expected):
    with translation.override(language):
        assert layout.format_cell(value) == expected


def test_upper_lines_split_and_upper_case_multi_line_fields():
    assert layout.upper_lines("TM. Ban Chỉ đạo\n Trưởng ban \n") == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN"]
    assert layout.upper_lines("") == []


def test_column_widths_keep_words_whole_and_share_the_rest_by_need():
    def measure(text, bold):
        return len(text)

    columns = ["STT", "Nhiệm vụ", "Thời hạn"]
    rows = [[1, "một nhiệm vụ có tên rất dài " * 5, datetime.date(2025, 6, 30)]]
    with translation.override("vi"):
        widths = layout.column_widths(columns, rows, total=100, measure=measure, padding=2)
    assert sum(widths) == pytest.approx(100)
    # The date column is at least as wide as "30/06/2025" plus padding, the long text takes what is left.
    assert widths[2] >= 12
    assert widths[0] >= 5
    assert widths[1] == max(widths)


def test_column_widths_widen_every_column_alike_when_all_fits():
    with translation.override("vi"):
        widths = layout.column_widths(["a", "bb"], [["x", "yy"]], total=30, measure=lambda t, b: len(t), padding=0)
    assert widths == pytest.approx([10, 20])
