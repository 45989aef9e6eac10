"""Attachments to submissions: the type is checked by extension and content, the size and the number of files
are limited, the file is stored under a random name, and the text of PDF and Word files is extracted for search
without ever failing on a broken file."""

import io
import zipfile

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from nq57.feedback import attachments
from nq57.feedback.attachments import (DOCX_TYPE, MAX_FILES, MAX_TEXT, PDF_TYPE, check_upload, check_uploads,
                                       extract_text)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_pdf(lines):
    """A one-page PDF whose text is `lines` (ASCII), with a correct cross-reference table."""
    content = ("BT /F1 12 Tf 72 720 Td " + " ".join(f"({t}) Tj 0 -16 Td" for t in lines) + " ET").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_docx(paragraphs, table=None):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


# --- What is accepted ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, data, content_type", [
    ("đề xuất.pdf", make_pdf(["x"]), PDF_TYPE),
    ("Giai phap.DOCX", make_docx(["x"]), DOCX_TYPE),
    ("anh.png", PNG, "image/png"),
])
def test_it_accepts_pdf_word_and_images(name, data, content_type):
    clean, detected = check_upload(upload(name, data))
    assert (clean, detected) == (name, content_type)


def test_it_refuses_an_executable_renamed_to_pdf():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("report.pdf", EXE))
    assert "does not match its type (.pdf)" in str(error.value.message_dict["attachments"])


def test_it_refuses_an_executable_under_its_own_name():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("setup.exe", EXE))
    assert "only PDF, Word" in str(error.value.message_dict["attachments"])


def test_it_refuses_a_zip_renamed_to_docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "hello")
    with pytest.raises(ValidationError):
        check_upload(upload("letter.docx", buffer.getvalue()))


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("empty.pdf", b""))
    assert "is empty" in str(error.value)


def test_it_refuses_a_file_over_the_configured_size(settings):
    settings.FEEDBACK_ATTACHMENT_MAX_BYTES = 512 * 1024
    data = make_pdf(["x" * 10]) + b"%" * (512 * 1024)
    with pytest.raises(ValidationError) as error:
        check_upload(upload("big.pdf", data))
    assert "“big.pdf” is larger than 0.5 MB" in str(error.value)
    settings.FEEDBACK_ATTACHMENT_MAX_BYTES = len(data)
    assert check_upload(upload("big.pdf", data))[1] == PDF_TYPE


def test_the_default_size_limit_is_ten_megabytes():
    from django.conf import settings

    assert settings.FEEDBACK_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_it_refuses_more_than_five_files():
    files = [upload(f"a{i}.png", PNG) for i in range(MAX_FILES + 1)]
    with pytest.raises(ValidationError) as error:
        check_uploads(files)
    assert "at most 5 files" in str(error.value)
    assert len(check_uploads(files[:MAX_FILES])) == MAX_FILES


def test_a_name_with_a_path_is_reduced_to_the_file_name():
    assert check_upload(upload("../../etc/x.pdf", make_pdf(["x"])))[0] == "x.pdf"


# --- Text extraction -----------------------------------------------------------------------------------------


def test_it_extracts_the_text_of_a_pdf():
    text = extract_text(upload("a.pdf", make_pdf(["Nen tang chuyen doi so", "cho cap xa"])), PDF_TYPE)
    assert "Nen tang chuyen doi so" in text and "cho cap xa" in text


def test_it_extracts_the_paragraphs_and_tables_of_a_word_file():
    data = make_docx(["Sáng kiến về dữ liệu mở", "Đoạn thứ hai"], table=[["Chi phí", "12 tỷ đồng"]])
    text = extract_text(upload("a.docx", data), DOCX_TYPE)
    assert "Sáng kiến về dữ liệu mở" in text and "Đoạn thứ hai" in text and "12 tỷ đồng" in text


def test_it_leaves_the_file_readable_from_the_start_after_extracting():
    uploaded = upload("a.pdf", make_pdf(["x"]))
    extract_text(uploaded, PDF_TYPE)
    assert uploaded.read(5) == b"%PDF-"


@pytest.mark.parametrize("data, content_type", [
    (b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", PDF_TYPE),  # signature right, no pages
    (b"%PDF-1.4\n" + b"\xff" * 500, PDF_TYPE),  # garbage after the signature
    (make_pdf(["truncated"])[:120], PDF_TYPE),  # cut in the middle of an object
    (b"PK\x03\x04" + b"\x00" * 100, DOCX_TYPE),  # not really a zip
    (make_docx(["x"])[:300], DOCX_TYPE),  # truncated zip
    (PNG, "image/png"),  # nothing to read in an image
])
def test_it_never_raises_on_a_broken_file(data, content_type):
    assert extract_text(upload("x", data), content_type) == ""


def test_a_word_file_that_would_inflate_too_much_is_not_read(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_INFLATED", 1000)
    data = make_docx(["Một đoạn văn " * 200])
    assert extract_text(upload("a.docx", data), DOCX_TYPE) == ""


def test_the_extracted_text_is_capped():
    data = make_docx(["chữ " * 5000] * 10)
    text = extract_text(upload("a.docx", data), DOCX_TYPE)
    assert MAX_TEXT - 10 <= len(text) <= MAX_TEXT


def test_the_cleaned_text_has_no_nul_character():
    # PostgreSQL refuses NUL in text; a PDF can carry one in a string
    assert attachments._clean_text("a\x00b  \n c") == "a b c"


def test_extraction_stops_at_the_page_limit(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PAGES", 0)
    assert extract_text(upload("a.pdf", make_pdf(["hidden"])), PDF_TYPE) == ""


def test_extraction_stops_when_time_is_up(monkeypatch):
    monkeypatch.setattr(attachments, "EXTRACT_SECONDS", -1)
    assert extract_text(upload("a.pdf", make_pdf(["late"])), PDF_TYPE) == ""


def test_a_stored_name_is_random_and_keeps_only_the_extension():
    first, second = attachments.stored_name("Hồ sơ mật.PDF"), attachments.stored_name("Hồ sơ mật.PDF")
    assert first != second and first.endswith(".pdf") and "Hồ" not in first and len(first) == 36
