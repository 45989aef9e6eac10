"""Reading a table of tasks from Markdown, CSV or XLSX, finding its header row and proposing a column mapping.

Every reader returns a `Table` of `SourceRow`s numbered as the user sees them (the line of a Markdown
file, the record of a CSV file, the row of a worksheet), so every problem can be reported by row.
Anything the readers cannot read raises `ImportFileError` with a message for the user — never a 500.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.text import search_key

MARKDOWN, CSV, XLSX = "md", "csv", "xlsx"
HEADER_SEARCH_ROWS = 15
MAX_ROWS = 20000
MAX_COLUMNS = 60
MAX_BLANK_RUN = 1000

# (field, label, names a header cell may carry — Vietnamese and English, compared accent-insensitively)
FIELDS = [
    ("code", gettext_lazy("Number (TT)"), ["tt", "stt", "so tt", "so thu tu", "no", "number", "ma", "ma nhiem vu",
                                           "code", "ma so", "muc"]),
    ("title", gettext_lazy("Task"), ["ten nhiem vu", "nhiem vu", "noi dung nhiem vu", "noi dung",
                                     "ten nhiem vu giai phap", "nhiem vu giai phap", "task", "tasks", "title",
                                     "task name", "description"]),
    ("lead", gettext_lazy("Lead agencies"), ["co quan chu tri", "don vi chu tri", "chu tri",
                                             "co quan chu tri thuc hien", "don vi thuc hien", "co quan thuc hien",
                                             "lead", "lead agency",
                                             "lead agencies", "responsible agency"]),
    ("coordinating", gettext_lazy("Coordinating agencies"), ["co quan phoi hop", "don vi phoi hop", "phoi hop",
                                                             "co quan phoi hop thuc hien", "coordinating",
                                                             "coordinating agencies", "coordinating agency",
                                                             "partners"]),
    ("product", gettext_lazy("Expected product"), ["ket qua", "san pham", "ket qua san pham", "san pham dau ra",
                                                   "san pham du kien", "hinh thuc van ban", "ket qua dau ra",
                                                   "product", "expected product", "output", "result", "deliverable"]),
    ("deadline", gettext_lazy("Completion time"), ["thoi gian hoan thanh", "thoi han hoan thanh", "thoi han",
                                                   "thoi gian", "tien do", "tien do hoan thanh", "thoi gian thuc hien",
                                                   "deadline", "due", "due date", "completion time", "timeline"]),
    ("responsible_person", gettext_lazy("Responsible person"), ["nguoi chiu trach nhiem", "lanh dao phu trach",
                                                                "nguoi phu trach", "responsible person"]),
    ("source_article", gettext_lazy("Source (document article)"), ["can cu", "dieu khoan", "nguon", "source",
                                                                   "article"]),
]
FIELD_NAMES = [f[0] for f in FIELDS]
REQUIRED_FIELDS = ("code", "title")
_SYNONYMS = sorted(((search_key(name), fld) for fld, _label, names in FIELDS for name in names),
                   key=lambda item: -len(item[0]))


class ImportFileError(Exception):
    """The file cannot be read as a table of tasks; the message says why, for the user."""


@dataclass
class SourceRow:
    """One row as read: its number in the source and its cells as text (line breaks kept as "\\n")."""

    number: int
    cells: list

    def cell(self, index):
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    @property
    def is_blank(self):
        return not any(self.cells)


@dataclass
class Table:
    """What a reader read: rows, the sheets there were (XLSX) and values of vertically merged cells."""

    kind: str
    rows: list
    sheet: str | None = None
    sheet_names: list = field(default_factory=list)
    # (row number, column index) → value of a vertically merged cell's top row (XLSX only)
    merged: dict = field(default_factory=dict)
    blank_rows: int = 0

    @property
    def width(self):
        return max((len(r.cells) for r in self.rows), default=0)

    def row(self, number):
        return next((r for r in self.rows if r.number == number), None)


def clean_cell(value):
    """Collapse spaces inside each line, keep line breaks, drop empty lines."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\x00", "")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _finish(kind, raw_rows, **extra):
    rows, blank, pending_blank = [], 0, 0
    for number, cells in raw_rows:
        cells = [clean_cell(c) for c in cells[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            pending_blank += 1 if rows else 0
            continue
        # Blank lines count only between rows of the table, not before or after it.
        blank, pending_blank = blank + pending_blank, 0
        rows.append(SourceRow(number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_("The table has more than %(max)s rows; split it into several files.")
                                  % {"max": f"{MAX_ROWS:,}"})
    if not rows:
        raise ImportFileError(_("The file contains no table rows."))
    width = max(len(r.cells) for r in rows)
    for r in rows:
        r.cells += [""] * (width - len(r.cells))
    return Table(kind=kind, rows=rows, blank_rows=blank, **extra)


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise ImportFileError(_("The file is not UTF-8 text. Save it again as “CSV UTF-8” (or UTF-8 text) and upload it."))


# --- Markdown ---------------------------------------------------------------------------

_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_MARKUP = re.compile(r"\*\*|__|<br\s*/?>", re.IGNORECASE)


def _markdown_cells(line):
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [_MD_MARKUP.sub(lambda m: "\n" if m[0].lower().startswith("<br") else "", c).replace("\\|", "|")
            for c in cells]


def read_markdown(data):
    """Every pipe-table line of a Markdown file (separator lines skipped), numbered by line."""
    text = _decode(data)
    raw = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.lstrip().startswith("|") or _MD_SEPARATOR.match(line.strip()):
            continue
        raw.append((number, _markdown_cells(line)))
    if not raw:
        raise ImportFileError(_("No table found: a Markdown file must contain a table with rows starting with “|”."))
    return _finish(MARKDOWN, raw)


# --- CSV --------------------------------------------------------------------------------


def read_csv(data):
    """A CSV file in UTF-8 (with or without BOM) or UTF-16, separated by commas, semicolons or tabs."""
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a text table (it contains binary data)."))
    delimiter = _csv_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc
    return _finish(CSV, [(index, record) for index, record in enumerate(records, start=1)])


def _csv_delimiter(text, sample_records=30):
    """The separator that splits the first records into the most consistent number of columns.

    Counting characters is not enough: cells of agency lists are full of commas even when the
    file (Excel in a Vietnamese locale) is separated by semicolons."""
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            widths = [len(record) for _i, record in zip(range(sample_records), reader) if any(record)]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(common) if common > 1 else 0, common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- XLSX -------------------------------------------------------------------------------


def _excel_value(cell):
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        # A month typed as "6/2025" often becomes a date formatted "mm/yyyy": keep what the user saw.
        if "d" not in (cell.number_format or "").lower():
            return f"{value.month}/{value.year}"
        return f"{value.day}/{value.month}/{value.year}"
    return str(value)


def read_xlsx(data, sheet=None):
    """One worksheet (the first unless `sheet` names another) of an XLSX workbook, numbered by sheet row."""
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx). Old .xls files must be saved as .xlsx."))
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError, AttributeError) as exc:
        raise ImportFileError(_("The workbook cannot be read (%(error)s). Save it again as .xlsx and upload it.")
                              % {"error": exc.__class__.__name__}) from exc
    except Exception as exc:  # openpyxl raises many kinds of error on damaged files; none must become a 500
        raise ImportFileError(_("The workbook cannot be read (%(error)s). Save it again as .xlsx and upload it.")
                              % {"error": exc.__class__.__name__}) from exc
    names = workbook.sheetnames
    if sheet and sheet not in names:
        raise ImportFileError(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    raw, seen, blank_run = [], 0, 0
    for cells in worksheet.iter_rows(max_col=min(worksheet.max_column or 1, MAX_COLUMNS)):
        values = [_excel_value(c) for c in cells]
        if any(v.strip() for v in values):
            seen, blank_run = seen + 1, 0
            if seen > MAX_ROWS:
                raise ImportFileError(_("The table has more than %(max)s rows; split it into several files.")
                                      % {"max": f"{MAX_ROWS:,}"})
        else:
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break  # formatting reaching far below the table, not data
        raw.append((cells[0].row if cells else len(raw) + 1, values))
    merged = {}
    for merged_range in worksheet.merged_cells.ranges:
        if merged_range.max_row > merged_range.min_row:
            top = worksheet.cell(merged_range.min_row, merged_range.min_col)
            value = clean_cell(_excel_value(top))
            for row in range(merged_range.min_row + 1, merged_range.max_row + 1):
                for column in range(merged_range.min_col, merged_range.max_col + 1):
                    merged[(row, column - 1)] = value
    return _finish(XLSX, raw, sheet=worksheet.title, sheet_names=names, merged=merged)


# --- Choosing a reader, the header row and the mapping ------------------------------------

EXTENSIONS = {".md": MARKDOWN, ".markdown": MARKDOWN, ".txt": MARKDOWN, ".csv": CSV, ".xlsx": XLSX, ".xlsm": XLSX}


def kind_for(filename, data=b""):
    """md, csv or xlsx from the file name, checked against the content; ImportFileError otherwise."""
    name = (filename or "").lower()
    extension = name[name.rfind("."):] if "." in name else ""
    if extension == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) cannot be read: save the file as .xlsx and upload it again."))
    kind = EXTENSIONS.get(extension)
    if kind is None and data.startswith(b"PK\x03\x04"):
        kind = XLSX
    if kind is None:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx), a CSV file (.csv) or a Markdown table (.md)."))
    if kind != XLSX and data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file looks like an Excel workbook: give it the .xlsx extension."))
    if kind == XLSX and not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx). Old .xls files must be saved as .xlsx."))
    return kind


def read_table(data, kind, *, sheet=None):
    """Read `data` (bytes) as a table of the given kind."""
    if kind == XLSX:
        return read_xlsx(data, sheet=sheet)
    if kind == CSV:
        return read_csv(data)
    if kind == MARKDOWN:
        return read_markdown(data)
    raise ImportFileError(_("Unknown file type."))


def field_for_header(text):
    """The field a header cell names ("Cơ quan chủ trì" → lead), or None."""
    key = search_key(text)
    if not key:
        return None
    for synonym, fld in _SYNONYMS:
        if key == synonym:
            return fld
    if len(key.split()) > 6:
        return None  # a sentence, not a column name
    for synonym, fld in _SYNONYMS:
        # "Thời gian hoàn thành (dự kiến)", "Cơ quan chủ trì thực hiện": a known name and a qualifier.
        if len(synonym) > 3 and key.startswith(synonym + " "):
            return fld
    return None


def propose_mapping(header_cells):
    """{field: column index} for the fields the header names; each field maps to its first column."""
    mapping = {}
    for index, text in enumerate(header_cells):
        fld = field_for_header(text)
        if fld and fld not in mapping:
            mapping[fld] = index
    return mapping


def detect_header(table, limit=HEADER_SEARCH_ROWS):
    """Number of the first row among the first `limit` that names the task column and another known column."""
    for row in table.rows[:limit]:
        mapping = propose_mapping(row.cells)
        if "title" in mapping and len(mapping) >= 2:
            return row.number
    return None


def initial_mapping(table):
    """The mapping to propose to the user: detected header row and columns; ImportFileError if no header."""
    header = detect_header(table)
    if header is None:
        raise ImportFileError(_(
            "No header row found in the first %(rows)s rows. The table needs a header naming at least the task "
            "column (e.g. “Tên nhiệm vụ” or “Task”) and the number column (“TT”), or the agency columns."
        ) % {"rows": HEADER_SEARCH_ROWS})
    columns = propose_mapping(table.row(header).cells)
    return {"sheet": table.sheet, "header_row": header,
            "columns": {name: columns.get(name) for name in FIELD_NAMES}}


def column_label(index):
    """Spreadsheet-style column letters: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
