"""The Word report: written from a fixed ReportContent, then read back with python-docx."""

import io

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from nq57.reports import docx_writer

import rep_writer_samples as samples


def written(content):
    stream = io.BytesIO()
    docx_writer.write(content, stream)
    stream.seek(0)
    return docx.Document(stream)


def texts(cell):
    return [paragraph.text for paragraph in cell.paragraphs if paragraph.text]


def bold(paragraph):
    return all(run.bold for run in paragraph.runs if run.text)


def italic(paragraph):
    return all(run.italic for run in paragraph.runs if run.text)


def body_paragraphs(document):
    """The paragraphs outside tables, in order."""
    return [paragraph for paragraph in document.paragraphs if paragraph.text]


@pytest.fixture(scope="module")
def content():
    return samples.vietnamese(rows=30)


@pytest.fixture(scope="module")
def document(content):
    return written(content)


def test_the_national_header_sits_beside_the_issuing_body(document):
    header = document.tables[0]
    left, right = header.cell(0, 0), header.cell(0, 1)
    assert texts(left) == ["BAN CHỈ ĐẠO TRUNG ƯƠNG", "VĂN PHÒNG THƯỜNG TRỰC", "BAN CHỈ ĐẠO"]
    assert not bold(left.paragraphs[0]) and bold(left.paragraphs[1]) and bold(left.paragraphs[2])
    assert texts(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(bold(paragraph) for paragraph in right.paragraphs if paragraph.text)
    # The short rules under the issuing body and under the motto are paragraph borders.
    assert left.paragraphs[-1]._p.find(".//" + qn("w:pBdr")) is not None
    assert right.paragraphs[-1]._p.find(".//" + qn("w:pBdr")) is not None


def test_the_number_and_the_date_share_a_row(document):
    header = document.tables[0]
    assert texts(header.cell(1, 0)) == ["Số: 15/BC-BCĐ"]
    date = header.cell(1, 1).paragraphs[0]
    assert date.text == "Lạng Sơn, ngày 05 tháng 7 năm 2025"
    assert italic(date)


def test_the_header_table_has_no_borders(document):
    borders = document.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"nil"}


def test_the_title_subtitle_and_every_section_heading_are_there_in_order(document, content):
    paragraphs = body_paragraphs(document)
    title, subtitle = paragraphs[0], paragraphs[1]
    assert title.text == "BÁO CÁO" and bold(title)
    assert subtitle.text == content.subtitle and bold(subtitle)
    assert title.alignment == subtitle.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    headings = [paragraph.text for paragraph in paragraphs if paragraph.style.name == "Heading 1"]
    assert headings == ["I. Số liệu tổng hợp", "II. Nhiệm vụ đã hoàn thành",
                        "III. Nhiệm vụ quá hạn theo cơ quan chủ trì", "IV. Chỉ tiêu chưa đạt tiến độ",
                        "V. Khó khăn, vướng mắc và kiến nghị", "VI. Phản ánh, kiến nghị của người dân",
                        "VII. Thay đổi so với kỳ trước"]
    heading_style = document.styles["Heading 1"]
    assert heading_style.font.bold and heading_style.font.name == "Times New Roman"


def test_paragraphs_are_justified_with_a_first_line_indent(document):
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Thực hiện Nghị quyết số 57-NQ/TW"))
    style = paragraph.style.paragraph_format
    assert style.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    assert round(style.first_line_indent.mm, 1) == 10


def test_every_table_has_its_header_row_repeated_and_its_values(document, content):
    tables = document.tables[1:-1]
    assert len(tables) == len(content.tables()) == 7
    for written_table, table in zip(tables, content.tables()):
        header = written_table.rows[0]
        assert [cell.text for cell in header.cells] == table.columns
        assert all(bold(cell.paragraphs[0]) for cell in header.cells)
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        assert len(written_table.rows) == 1 + len(table.rows)
    summary, completed, overdue = tables[0], tables[1], tables[2]
    assert [cell.text for cell in summary.rows[1].cells] == ["Nhiệm vụ được giao", "1.234", "1.100", "134"]
    assert [cell.text for cell in summary.rows[2].cells][1:] == ["87,5", "80", "7,5"]
    assert completed.cell(1, 3).text == "30/06/2025"
    assert completed.cell(30, 0).text == "30"
    assert overdue.cell(6, 1).text == "Sở Thông tin & Truyền thông <cũ>"  # escaped in XML, read back as typed
    assert tables[6].cell(2, 1).text == ""  # None stays an empty cell


def test_a_very_long_row_may_break_across_pages_but_others_may_not():
    content = samples.vietnamese(rows=1)
    content.sections[4].tables[0].rows.append(["Kiến nghị dài " + "nội dung chi tiết " * 200, "Bộ Tài chính", ""])
    recommendations = written(content).tables[5]
    assert recommendations.rows[1]._tr.trPr.find(qn("w:cantSplit")) is not None
    assert recommendations.rows[2]._tr.trPr is None  # Word would otherwise cut off what exceeds a page
    assert recommendations.cell(2, 0).text.count("nội dung chi tiết") == 200


def test_numbers_are_right_aligned_and_text_left(document):
    summary = document.tables[1]
    right = docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert summary.cell(1, 1).paragraphs[0].alignment == right
    assert summary.cell(1, 0).paragraphs[0].alignment != right


def test_the_table_notes_are_in_italics(document):
    note = next(p for p in document.paragraphs if p.text.startswith("Tỷ lệ hoàn thành đúng hạn ="))
    assert note.style.font.italic


def test_it_closes_with_the_recipients_and_the_signature(document):
    closing = document.tables[-1]
    recipients, signature = closing.cell(0, 0), closing.cell(0, 1)
    label = recipients.paragraphs[0]
    assert label.text == "Nơi nhận:" and bold(label) and italic(label)
    assert label.runs[0].font.size == Pt(12)
    assert texts(recipients)[1:] == ["- Ban Chỉ đạo Trung ương (để b/c);", "- Bộ Khoa học và Công nghệ;",
                                     "- Thường trực Tỉnh ủy;", "- Lưu: VT."]
    assert all(p.runs[0].font.size == Pt(11) for p in recipients.paragraphs[1:])
    assert texts(signature) == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN", "Nguyễn Văn An"]
    assert all(bold(paragraph) for paragraph in signature.paragraphs)
    # Room for the signature above the name; the block is not split across pages.
    assert signature.paragraphs[-1].paragraph_format.space_before >= Pt(48)
    assert closing.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def test_the_page_is_a4_with_the_decree_margins_and_times_new_roman(document):
    section = document.sections[0]
    def mm(*lengths):  # Word stores twips: compare to a tenth of a millimetre
        return tuple(round(length.mm, 1) for length in lengths)

    assert mm(section.page_width, section.page_height) == (210, 297)
    assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (20, 20, 30, 15)
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(13)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(slot)) == "Times New Roman"


def test_the_page_number_is_a_field_shown_from_page_two(document):
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml


def test_it_writes_to_a_path(tmp_path, content):
    path = tmp_path / "bao-cao.docx"
    docx_writer.write(content, path)
    assert docx.Document(path).tables[0].cell(1, 0).text == "Số: 15/BC-BCĐ"
    docx_writer.write(content, str(tmp_path / "again.docx"))
    assert (tmp_path / "again.docx").stat().st_size > 0


def test_the_english_report_uses_the_english_form():
    document = written(samples.english(rows=3))
    header = document.tables[0]
    assert texts(header.cell(0, 1)) == ["SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness"]
    assert texts(header.cell(1, 0)) == ["No.: 15/BC-BCĐ"]
    assert texts(header.cell(1, 1)) == ["Lang Son, 3 February 2025"]
    assert body_paragraphs(document)[0].text == "REPORT"
    summary = document.tables[1]
    assert [cell.text for cell in summary.rows[0].cells] == ["Measure", "This period", "Previous period", "Change"]
    assert [cell.text for cell in summary.rows[1].cells][1:] == ["1,234", "1,100", "134"]
    assert summary.cell(2, 1).text == "87.5"
    recipients = texts(document.tables[-1].cell(0, 0))
    assert recipients == ["Recipients:", "- Central Steering Committee;", "- Archived: VT."]
    assert texts(document.tables[-1].cell(0, 1))[:2] == ["ON BEHALF OF THE STEERING COMMITTEE", "HEAD"]


def test_an_unnumbered_report_with_empty_parts_is_still_a_document():
    content = samples.vietnamese(rows=0)
    content.number = ""
    content.parent_body = ""
    content.recipients = []
    content.signer_name = ""
    content.sections[1].tables[0].columns = []  # a table without columns is left out, its title kept
    document = written(content)
    assert texts(document.tables[0].cell(1, 0)) == ["Số: …/BC"]
    assert texts(document.tables[0].cell(0, 0)) == ["VĂN PHÒNG THƯỜNG TRỰC", "BAN CHỈ ĐẠO"]
    assert texts(document.tables[-1].cell(0, 0)) == ["Nơi nhận:", "- Lưu: VT."]
    completed = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    assert len(completed.rows) == 1  # the overdue table, header only
