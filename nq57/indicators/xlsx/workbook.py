"""Reading the data sheet of an uploaded workbook: a streaming pass over the sheet's XML, and numbers as people
type them.

openpyxl's read-only mode builds an object per cell and needs about 6 s for the 230,000 cells of a 10,000-row
template; a template only needs each cell's value and number format, which this reader takes straight from the
XML in about a quarter of that time. Anything it cannot read raises UploadError with a message for the user.
"""

import datetime
import io
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError, fromstring, iterparse

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from nq57.core.text import search_key

from .common import COLUMN_BY_KEY, COLUMNS, DATA_SHEET, ENTERED, REQUIRED_KEYS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # a 5 MB upload that inflates beyond this is not a template
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 40
MAX_BLANK_RUN = 1000  # formatting reaching far below the table, not data
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Transitional (what Excel and LibreOffice write) and Strict OOXML name the same elements in two namespaces.
NAMESPACES = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
              "{http://purl.oclc.org/ooxml/spreadsheetml/main}", "")
ROW_TAGS = {f"{ns}row" for ns in NAMESPACES}
VALUE_TAGS = {f"{ns}v" for ns in NAMESPACES}
INLINE_TAGS = {f"{ns}is" for ns in NAMESPACES}


class UploadError(Exception):
    """The file cannot be read as a filled template; the message says why, for the user."""


@dataclass(slots=True)
class Cell:
    """What the reader keeps of a cell: its value (str, int, float, bool or datetime) and its number format."""
    value: object
    number_format: str = "General"


@dataclass
class TemplateTable:
    """The rows of the data sheet below its header that have something typed in a column to fill."""
    sheet: str
    header_row: int
    columns: dict  # column key → 0-based column index
    rows: list = field(default_factory=list)  # [(row number as Excel shows it, {column index: Cell})]
    empty_rows: int = 0


def _unreadable(exc):
    return UploadError(_("The workbook cannot be read (%(error)s). Save it again as .xlsx and upload it.")
                       % {"error": exc.__class__.__name__})


def _local(tag):
    return tag.rsplit("}", 1)[-1]


_COLUMN_INDEX = {}


def _column_index(reference):
    """0-based column of a cell reference ("C12" → 2)."""
    letters = reference.rstrip("0123456789")
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for letter in letters.upper():
            index = index * 26 + ord(letter) - 64
        index -= 1
        _COLUMN_INDEX[letters] = index
    return index


class Workbook:
    """An XLSX file opened for reading its sheets' cells: shared strings, number formats and sheet paths."""

    def __init__(self, data):
        if not data:
            raise UploadError(_("The file is empty."))
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadError(_("The file is larger than %(size)s MB: upload the template with its values only.")
                              % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UploadError(_("Old Excel files (.xls) cannot be read: save the file as an Excel workbook (.xlsx) "
                                "and upload it again."))
        not_xlsx = UploadError(_("The file is not an Excel workbook (.xlsx). Download the template from this page, "
                                 "fill it in Excel or LibreOffice, save it as .xlsx and upload it."))
        if not data.startswith(b"PK\x03\x04"):
            raise not_xlsx
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(self.archive.namelist())
        except Exception as exc:  # a damaged archive of any kind must not become a 500
            raise _unreadable(exc) from exc
        if "xl/workbook.xml" not in names:
            raise not_xlsx
        if sum(info.file_size for info in self.archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise UploadError(_("The workbook is too large once unpacked: upload the template with its values only."))
        try:
            self._read_parts(names)
        except UploadError:
            raise
        except Exception as exc:
            raise _unreadable(exc) from exc

    def _xml(self, name):
        return fromstring(self.archive.read(name))

    def _read_parts(self, names):
        workbook = self._xml("xl/workbook.xml")
        self.date1904 = any(_local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true")
                            for e in workbook)
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in self._xml("xl/_rels/workbook.xml.rels"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id")] = path
        self.sheets = []  # [(title, path in the archive)]
        for element in workbook.iter():
            if _local(element.tag) == "sheet":
                path = targets.get(element.get(RELATIONSHIP_ID))
                if path in names:
                    self.sheets.append((element.get("name", ""), path))
        self.shared = []
        if "xl/sharedStrings.xml" in names:
            with self.archive.open("xl/sharedStrings.xml") as stream:
                for _event, element in iterparse(stream):
                    if _local(element.tag) == "si":
                        self.shared.append(_rich_text(element))
                        element.clear()
        self.formats = []  # number format of each cell style (the "s" attribute of a cell)
        if "xl/styles.xml" in names:
            from openpyxl.styles.numbers import BUILTIN_FORMATS

            styles = self._xml("xl/styles.xml")
            custom = {}
            for element in styles.iter():
                if _local(element.tag) == "numFmt":
                    custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "General")
            for section in styles:
                if _local(section.tag) == "cellXfs":
                    for xf in section:
                        number = int(xf.get("numFmtId", "0"))
                        self.formats.append(custom.get(number) or BUILTIN_FORMATS.get(number, "General"))

    def rows(self, path, wanted=None):
        """(row number, {column index: Cell}) of every row the sheet's XML holds, in order. `wanted` (a set of
        column indexes, which the caller may fill while iterating) limits the cells converted to those columns."""
        from openpyxl.styles.numbers import is_date_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        dates = {}
        previous = 0
        with self.archive.open(path) as stream:
            for _event, element in iterparse(stream):
                if element.tag not in ROW_TAGS:
                    continue
                number = int(element.get("r") or previous + 1)
                previous = number
                cells, column = {}, -1
                for c in element:
                    reference = c.get("r")
                    column = _column_index(reference) if reference else column + 1
                    if wanted and column not in wanted:
                        continue
                    raw = None
                    for child in c:
                        if child.tag in VALUE_TAGS:
                            raw = child.text
                        elif child.tag in INLINE_TAGS:
                            raw = _rich_text(child)
                    if raw is None:
                        continue
                    kind, style = c.get("t", "n"), int(c.get("s") or 0)
                    number_format = self.formats[style] if style < len(self.formats) else "General"
                    if kind == "s":
                        value = self.shared[int(raw)]
                    elif kind == "b":
                        value = raw.strip() in ("1", "true")
                    elif kind == "d":
                        value = datetime.datetime.fromisoformat(raw.strip())
                    elif kind in ("str", "inlineStr", "e"):
                        value = raw
                    else:
                        value = float(raw) if any(x in raw for x in ".eE") else int(raw)
                        is_date = dates.get(number_format)
                        if is_date is None:
                            is_date = dates[number_format] = is_date_format(number_format)
                        if is_date:
                            value = from_excel(value, epoch)
                    cells[column] = Cell(value, number_format)
                element.clear()
                yield number, cells

    def close(self):
        self.archive.close()


def _rich_text(element):
    """The text of a shared or inline string: its plain text, or its runs joined; phonetic hints left out."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def key_text(value):
    """A key cell as text: 12.0 → "12", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _label_keys():
    """{folded header label in any language: column key}, for a header row whose machine names were lost."""
    found = {}
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            for column in COLUMNS:
                found.setdefault(search_key(str(column.label)), column.key)
    return found


def _header(cells):
    """{column key: index} when the row names the template's keys (the hidden row of machine names), else None.

    The visible header repeats the key names in its hidden cells, so it serves when the hidden row was deleted:
    its other columns are then recognised by their labels, in either language."""
    names = {index: key_text(cell.value) for index, cell in cells.items()}
    if not all(key in names.values() for key in REQUIRED_KEYS):
        return None
    labels = None
    columns = {}
    for index in sorted(names):
        key = names[index] if names[index] in COLUMN_BY_KEY else None
        if key is None:
            labels = labels if labels is not None else _label_keys()
            key = labels.get(search_key(names[index]))
        if key is not None and key not in columns:
            columns[key] = index
    return columns


def read_template_rows(data):
    """The filled rows of the sheet that carries the template's keys (the "Số liệu" sheet first)."""
    workbook = Workbook(data)
    try:
        for title, path in sorted(workbook.sheets, key=lambda sheet: sheet[0] != DATA_SHEET):
            table = _scan(workbook, title, path)
            if table is not None:
                return table
    except (UploadError, MemoryError):
        raise
    except (ParseError, KeyError, ValueError, TypeError, IndexError, OverflowError, zipfile.BadZipFile, OSError,
            EOFError) as exc:
        raise _unreadable(exc) from exc
    finally:
        workbook.close()
    raise UploadError(_("This is not the values template: no sheet has the template's key columns. Download the "
                        "template from this page, fill it without deleting its hidden columns, and upload it."))


def _scan(workbook, title, path):
    table, blank_run, wanted = None, 0, set()
    for number, cells in workbook.rows(path, wanted):
        if table is None:
            if number > HEADER_SEARCH_ROWS:
                return None
            columns = _header(cells)
            if columns is not None:
                table = TemplateTable(sheet=title, header_row=number, columns=columns)
                wanted.update(columns.values())  # from here on, only the template's columns are read
            continue
        _take(table, number, cells)
        if len(table.rows) > MAX_ROWS:
            raise UploadError(_("The file has more than %(max)s filled rows; split it into several files.")
                              % {"max": f"{MAX_ROWS:,}".replace(",", ".")})
        blank_run = blank_run + 1 if all(is_blank(cell.value) for cell in cells.values()) else 0
        if blank_run > MAX_BLANK_RUN:
            break  # formatting reaching far below the table, not data
    return table


def _take(table, number, cells):
    """Keep the row when something is typed in a column to fill; skip the visible header and empty rows."""
    id_cell = cells.get(table.columns["indicator_id"])
    if id_cell is not None and key_text(id_cell.value).lower() == "indicator_id":
        return  # the visible header row repeats the key names in its hidden cells
    entered = (cells.get(table.columns[key]) for key in ENTERED if key in table.columns)
    if any(cell is not None and not is_blank(cell.value) for cell in entered):
        table.rows.append((number, cells))
    else:
        table.empty_rows += 1


# --- Numbers as people type them ---------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"^[+-]?[\d.,]+$")
_GROUPED = {".": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")}
SIX_PLACES = Decimal("0.000001")
TOO_LARGE = Decimal("1e14")


def parse_number(raw, number_format=""):
    """A Decimal from a cell: a number (× 100 when the cell is formatted as a percentage) or a text written
    the Vietnamese way ("12,5", "1.234", "1.234,5") or the English way ("1,234.5"), with an optional "%".
    None when empty; ValueError when it is not a number."""
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, (datetime.date, datetime.time, datetime.timedelta)):
        raise ValueError("not a number")
    if isinstance(raw, (int, float, Decimal)):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError("not finite")
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if "%" in (number_format or ""):
            number *= 100
        return _six_places(number)
    text = str(raw).strip()
    for space in ("\u00a0", "\u202f", " ", "\u2009"):
        text = text.replace(space, "")
    text = text.replace("\u2212", "-")
    if not text:
        return None
    if text.endswith("%"):
        text = text[:-1]
    if not _NUMBER_TEXT.match(text):
        raise ValueError("not a number")
    if "," in text and "." in text:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if mark == "," else ","
        whole, _sep, fraction = text.rpartition(mark)
        if not _GROUPED[grouping].match(whole) or not fraction.isdigit():
            raise ValueError("not a number")
        text = whole.replace(grouping, "") + "." + fraction
    elif text.count(",") > 1:
        if not _GROUPED[","].match(text):
            raise ValueError("not a number")
        text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")  # the Vietnamese decimal comma
    elif text.count(".") > 1:
        if not _GROUPED["."].match(text):
            raise ValueError("not a number")
        text = text.replace(".", "")
    elif "." in text:
        whole, fraction = text.split(".")
        # "1.234" is one thousand two hundred and thirty-four in Vietnamese writing; "0.125" and "12.5" are not.
        if len(fraction) == 3 and whole.lstrip("+-") not in ("", "0"):
            text = whole + fraction
    try:
        return _six_places(Decimal(text))
    except InvalidOperation:
        raise ValueError("not a number") from None


def _six_places(number):
    if not number.is_finite() or abs(number) >= TOO_LARGE:
        raise ValueError("too large")
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP) if number.as_tuple().exponent < -6 else number
