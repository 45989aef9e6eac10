"""The PDF report: written from a fixed ReportContent, then read back with pypdf.

DejaVu Serif is embedded as a subset with a ToUnicode map, so pypdf gives back the Vietnamese letters with
their diacritics; the text is NFC-normalised before comparing in case a reader returns decomposed letters.
Table cells come back one per line and long cells wrap, so assertions look for short values.
"""

import io
import unicodedata

import pytest
from pypdf import PdfReader

from nq57.reports import pdf_writer

import rep_writer_samples as samples


def written(content):
    stream = io.BytesIO()
    pdf_writer.write(content, stream)
    stream.seek(0)
    return PdfReader(stream)


def page_texts(reader):
    return [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]


def lines(text):
    return [line.strip() for line in text.splitlines()]


@pytest.fixture(scope="module")
def long_report():
    return samples.vietnamese(rows=120)


@pytest.fixture(scope="module")
def reader(long_report):
    return written(long_report)


@pytest.fixture(scope="module")
def pages(reader):
    return page_texts(reader)


def test_a_long_table_runs_over_several_pages(reader):
    assert len(reader.pages) > 3


def test_the_first_page_carries_the_national_header_with_its_diacritics(pages):
    first = lines(pages[0])
    for expected in ("BAN CHỈ ĐẠO TRUNG ƯƠNG", "VĂN PHÒNG THƯỜNG TRỰC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 15/BC-BCĐ", "Lạng Sơn, ngày 05 tháng 7 năm 2025",
                     "BÁO CÁO", "I. Số liệu tổng hợp"):
        assert expected in first
    # The subject may wrap: compare it without line breaks.
    assert "Kết quả thực hiện Nghị quyết số 57-NQ/TW 6 tháng đầu năm 2025 của tỉnh Lạng Sơn" in " ".join(first)


def test_every_section_heading_is_there(pages):
    everything = lines("\n".join(pages))
    for heading in ("I. Số liệu tổng hợp", "II. Nhiệm vụ đã hoàn thành", "IV. Chỉ tiêu chưa đạt tiến độ",
                    "VII. Thay đổi so với kỳ trước"):
        assert heading in everything


def test_the_table_values_are_formatted_and_escaped(pages):
    everything = lines("\n".join(pages))
    for value in ("1.234", "87,5", "95,83", "30/06/2025", "Bộ Tài chính"):
        assert value in everything, value
    assert "Sở Thông tin & Truyền thông <cũ>" in " ".join(everything)  # the cell may wrap


def test_the_header_row_repeats_on_the_pages_a_table_runs_over(pages):
    # The completed-tasks table (120 rows) spans pages; each page it continues on starts (after the page
    # number) with its header row, and so does the overdue-tasks table.
    completed = [text for text in pages if lines(text)[1:4] == ["STT", "Nhiệm vụ", "Cơ quan chủ trì"]]
    overdue = [text for text in pages if lines(text)[1:4] == ["STT", "Cơ quan chủ trì", "Nhiệm vụ"]]
    assert len(completed) >= 2 and len(overdue) >= 2


def test_pages_are_numbered_at_the_bottom_from_page_two(pages):
    # The page number is drawn before the page's content, so it is the first line extracted.
    assert lines(pages[0])[0] != "1"
    for number, text in enumerate(pages[1:], start=2):
        assert lines(text)[0] == str(number)


def test_it_closes_with_the_recipients_and_the_signature(pages):
    last = lines(pages[-1])
    assert last[last.index("Nơi nhận:"):last.index("Nơi nhận:") + 5] == [
        "Nơi nhận:", "- Ban Chỉ đạo Trung ương (để b/c);", "- Bộ Khoa học và Công nghệ;", "- Thường trực Tỉnh ủy;",
        "- Lưu: VT."]
    assert last[-3:] == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN", "Nguyễn Văn An"]


def test_the_fonts_are_the_embedded_dejavu_family(reader):
    fonts = {font.get_object()["/BaseFont"].split("+")[-1] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert {"DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic"} <= fonts
    assert reader.metadata.title.startswith("BÁO CÁO Kết quả thực hiện Nghị quyết số 57-NQ/TW")
    assert reader.metadata.author == "Văn phòng Thường trực Ban Chỉ đạo"


def test_a_cell_taller_than_a_page_is_split_instead_of_failing():
    content = samples.vietnamese(rows=1)
    content.sections[4].tables[0].rows.append(["Kiến nghị dài " + "nội dung chi tiết của kiến nghị " * 400,
                                               "Bộ Tài chính", "Đã trả lời"])
    reader = written(content)
    # Nothing is lost at the page breaks (the page number and the repeated header interrupt the phrase there,
    # so count a word only the long cell holds).
    assert " ".join(page_texts(reader)).split().count("tiết") == 400
    assert len(reader.pages) >= 4


def test_a_list_of_recipients_longer_than_a_page_is_split_instead_of_failing():
    content = samples.vietnamese(rows=1)
    content.recipients = [f"Ủy ban nhân dân xã số {number}" for number in range(90)]
    everything = lines("\n".join(page_texts(written(content))))
    assert "- Ủy ban nhân dân xã số 89;" in everything and "- Lưu: VT." in everything


def test_it_writes_to_a_path(tmp_path):
    path = tmp_path / "bao-cao.pdf"
    pdf_writer.write(samples.vietnamese(rows=2), path)
    assert "Số: 15/BC-BCĐ" in lines(PdfReader(path).pages[0].extract_text())
    pdf_writer.write(samples.vietnamese(rows=2), str(tmp_path / "again.pdf"))
    assert (tmp_path / "again.pdf").read_bytes().startswith(b"%PDF")


def test_the_english_report_uses_the_english_form():
    everything = lines("\n".join(page_texts(written(samples.english(rows=2)))))
    for expected in ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness", "No.: 15/BC-BCĐ",
                     "Lang Son, 3 February 2025", "REPORT", "I. Summary figures", "1,234", "87.5", "Recipients:",
                     "- Archived: VT."):
        assert expected in everything, expected
    assert "ON BEHALF OF THE STEERING COMMITTEE HEAD" in " ".join(everything)


def test_an_unnumbered_report_with_empty_parts_is_still_a_document():
    content = samples.vietnamese(rows=0)
    content.number = ""
    content.recipients = []
    content.signer_title = ""
    content.sections[1].tables[0].columns = []
    everything = lines("\n".join(page_texts(written(content))))
    assert "Số: …/BC" in everything
    assert everything[everything.index("Nơi nhận:") + 1] == "- Lưu: VT."
