"""What a periodic report says, built from the plans, indicators and feedback of one scope and one period.

`build()` gathers the figures and lists into a ReportContent; the writers (`docx_writer`, `pdf_writer`,
`xlsx_writer`) only lay it out, so the three files always carry the same figures. Everything a reader sees is
translated under `translation.override(language)`; the writers add no wording of their own except the fixed
parts of the administrative layout (national header, "Nơi nhận", page numbers).
"""

from dataclasses import dataclass, field
import datetime


@dataclass
class Table:
    """A table of the report; the same table is a Word table, a PDF table and an Excel sheet."""

    key: str  # stable id: "summary", "completed", "overdue", "indicators", "recommendations", "feedback", "change"
    title: str
    columns: list  # header labels (translated)
    rows: list  # list of rows; a cell is str, int, float, datetime.date or None
    number_columns: tuple = ()  # indexes of columns holding numbers (right-aligned, numeric in Excel)
    note: str = ""  # a line under the table: the definition of a rate, the source, "first 200 of 1,234"…


@dataclass
class Section:
    """A numbered part of the report: a heading, paragraphs of text, tables."""

    heading: str
    paragraphs: list = field(default_factory=list)
    tables: list = field(default_factory=list)


@dataclass
class ReportContent:
    """Everything the writers need. Header fields follow Decree 30/2020/NĐ-CP on administrative documents."""

    language: str
    parent_body: str  # upper line of the issuing body (e.g. "BAN CHỈ ĐẠO TRUNG ƯƠNG"), may be ""
    issuing_body: str  # the body issuing the report (e.g. "VĂN PHÒNG THƯỜNG TRỰC"), upper case in the header
    number: str  # "Số: 15/BC-BCĐ" is written by the writer from this ("15/BC-BCĐ"; "" → "…/BC")
    place: str  # "Hà Nội"
    date: datetime.date  # date of the document
    title: str  # "BÁO CÁO"
    subtitle: str  # "Kết quả thực hiện Nghị quyết số 57-NQ/TW … 6 tháng đầu năm 2025 của tỉnh Lạng Sơn"
    scope_name: str
    period_label: str  # "6 tháng đầu năm 2025" / "first half of 2025"
    period_start: datetime.date
    period_end: datetime.date
    sections: list  # [Section]
    recipients: list  # lines under "Nơi nhận:" (the writer prints "- " before each and ends with "- Lưu: VT.")
    signer_title: str  # "TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN" (lines separated by \n)
    signer_name: str
    figures: dict  # machine-readable summary: {"current": {...}, "previous": {...}} (see build())

    def tables(self):
        return [table for section in self.sections for table in section.tables]


def build(report, progress=None):
    """The ReportContent of a Report (its scope, period, language and document particulars).

    `progress(percent, step)` is called as each part is gathered (0–80 %; the writers take the rest)."""
    raise NotImplementedError
