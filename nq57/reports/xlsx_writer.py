"""The tables of a periodic report as an Excel workbook, for readers who recompute or chart the figures.

One sheet "Tổng hợp" ("Summary") with the particulars of the document and the summary table, then one sheet per
other table. Numbers are numbers and dates are dates (never text), each table's header row is bold and frozen,
the note goes under the table. The wording all comes from the ReportContent except the labels of the
particulars.
"""

import datetime
import decimal
import re

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

SUMMARY_SHEET = {"vi": "Tổng hợp", "en": "Summary"}
MAX_SHEET_NAME = 31
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 (and so Excel) refuses; pasted text sometimes carries them.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "DD/MM/YYYY"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0##"
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
NOTE_FONT = Font(italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")


def sheet_name(title, taken):
    """A valid, unique sheet name from `title`: without []:*?/\\, at most 31 characters, not already `taken`
    (compared case-insensitively, as Excel does); records it in `taken`."""
    base = FORBIDDEN_IN_SHEET_NAME.sub(" ", ILLEGAL_CHARACTERS.sub("", str(title or ""))).strip().strip("'")
    base = " ".join(base.split())[:MAX_SHEET_NAME].strip() or "Sheet"
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


def cell_value(value):
    """What goes into a cell: numbers and dates as they are, text cleaned; Decimal as float."""
    if value is None or isinstance(value, (bool, int, float, datetime.date)):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    return ILLEGAL_CHARACTERS.sub("", str(value))


def _write_cell(sheet, row, column, value, *, font=None, alignment=None):
    value = cell_value(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text typed by users is never a formula
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        cell.number_format = INTEGER_FORMAT
    elif isinstance(value, float):
        cell.number_format = DECIMAL_FORMAT
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _text_length(value):
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.3f}".rstrip("0"))
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(columns, rows, sample=500):
    """Column widths from the longest header word and the longest cell (first `sample` rows), capped."""
    widths = []
    for index, label in enumerate(columns):
        words = str(label or "").split() or [""]
        longest = max(len(word) for word in words)
        for row in rows[:sample]:
            if index < len(row):
                longest = max(longest, _text_length(row[index]))
        widths.append(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
    return widths


def _write_table(sheet, table, first_row, *, freeze):
    """The table from `first_row`: its header, rows and note. Returns the next free row."""
    columns = list(table.columns)
    for index, label in enumerate(columns, start=1):
        _write_cell(sheet, first_row, index, label, font=BOLD, alignment=HEADER_ALIGNMENT)
    if freeze:
        sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
    widths = _widths(columns, table.rows)
    wrapped = {index for index, width in enumerate(widths) if width >= MAX_WIDTH}
    row_number = first_row
    for row in table.rows:
        row_number += 1
        for index in range(len(columns)):
            value = row[index] if index < len(row) else None
            _write_cell(sheet, row_number, index + 1, value, alignment=WRAP if index in wrapped else None)
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(sheet.column_dimensions[letter].width or 0, width)
    row_number += 1
    if table.note:
        row_number += 1
        _write_cell(sheet, row_number, 1, table.note, font=NOTE_FONT)
    return row_number + 1


def _particulars(content):
    return [
        (_("Parent body"), content.parent_body),
        (_("Issuing body"), content.issuing_body),
        (_("Document number"), content.number),
        (_("Place"), content.place),
        (_("Date"), content.date),
        (_("Title"), content.title),
        (_("Subject"), content.subtitle),
        (_("Scope"), content.scope_name),
        (_("Period"), content.period_label),
        (_("From"), content.period_start),
        (_("To"), content.period_end),
    ]


def write(content, path_or_stream):
    """Write `content` (a ReportContent) as an .xlsx to a file path or a binary stream."""
    language = "en" if (content.language or "").startswith("en") else "vi"
    with translation.override(content.language):
        workbook = Workbook()
        summary_sheet = workbook.active
        taken = set()
        summary_sheet.title = sheet_name(SUMMARY_SHEET[language], taken)
        workbook.properties.title = cell_value(f"{content.title} {content.subtitle}".strip())[:255]
        workbook.properties.creator = cell_value(content.issuing_body)[:255]
        workbook.properties.language = "en-GB" if language == "en" else "vi-VN"

        row = 1
        for label, value in _particulars(content):
            _write_cell(summary_sheet, row, 1, label, font=BOLD)
            _write_cell(summary_sheet, row, 2, value)
            row += 1
        tables = content.tables()
        summary = next((table for table in tables if table.key == "summary"), None)
        if summary is not None:
            row += 1
            _write_cell(summary_sheet, row, 1, summary.title, font=TITLE_FONT)
            _write_table(summary_sheet, summary, row + 1, freeze=False)
        summary_sheet.column_dimensions["A"].width = max(summary_sheet.column_dimensions["A"].width or 0, 24)
        summary_sheet.column_dimensions["B"].width = max(summary_sheet.column_dimensions["B"].width or 0, 16)

        for table in tables:
            if table is summary:
                continue
            sheet = workbook.create_sheet(sheet_name(table.short_title or table.title or table.key, taken))
            _write_cell(sheet, 1, 1, table.title, font=TITLE_FONT)
            _write_table(sheet, table, 2, freeze=True)
    workbook.save(path_or_stream)
