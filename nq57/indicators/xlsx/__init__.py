"""The Excel way in: a template of the values an organisation owes (its indicators × periods), and reading
the filled template back, row by row, through the one write path `actions.save_value`.

The template carries hidden, locked key columns (indicator id, organisation code, period key, series) under
a hidden row of machine names, so reading does not depend on the language, on the order of the columns or
on extra columns the user added. Everything typed is checked again by the server: the template's own data
validation only helps while typing. Each row is saved in its own savepoint, so one bad row never loses the
others, and every problem is reported with the row number Excel shows.

  common.py    the columns and the answers of the lists, shared by both directions
  template.py  build_template: the workbook to download
  workbook.py  reading an uploaded workbook's cells (streaming) and numbers as people type them
  upload.py    read_upload: each filled row through save_value, with an UploadResult by row
"""

from .common import (COLUMNS, DATA_SHEET, FIRST_DATA_ROW, FIRST_VISIBLE, GUIDE_SHEET, HEADER_ROW, KEY_COLUMNS,
                     KEY_ROW)
from .template import build_template, template_rows
from .upload import (DRAFT, ERROR, OUTCOME_LABELS, SUBMITTED, UNCHANGED, WARNING, RowResult, UploadResult,
                     read_upload)
from .workbook import MAX_UPLOAD_BYTES, UploadError, parse_number

__all__ = ["COLUMNS", "DATA_SHEET", "DRAFT", "ERROR", "FIRST_DATA_ROW", "FIRST_VISIBLE", "GUIDE_SHEET", "HEADER_ROW",
           "KEY_COLUMNS", "KEY_ROW", "MAX_UPLOAD_BYTES", "OUTCOME_LABELS", "SUBMITTED", "UNCHANGED", "WARNING",
           "RowResult", "UploadError", "UploadResult", "build_template", "parse_number", "read_upload",
           "template_rows"]
