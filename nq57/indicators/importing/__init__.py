"""Importing indicators and their targets from a published appendix (Markdown) or an agency's table (XLSX, CSV).

The steps, each usable alone (the import page, `nq57 import_indicators` and the demo loader use them):
`parse_target` reads one published result ("≥ 80", "≤ 3 Đông Nam Á; ≤ 50 Thế giới", "+16–18%/năm",
"Đạt mức tiên tiến…"); `preview_indicators` is the dry run (nothing written: every row of the file and
what becomes of it, owners resolved through the name-resolution service, the diff against the indicators
already imported for the same document); `apply_indicators` writes it through the service functions of
`nq57.indicators.actions`, so re-importing the same file changes nothing.
"""

from nq57.plans.importing.readers import ImportFileError

from .apply import REIMPORT_REASON, IndicatorImportResult, apply_indicators, import_indicators
from .columns import FIELD_NAMES, FIELDS, find_header, propose_columns
from .preview import (CHANGED, DEFAULT_SOURCE_ARTICLE, ERROR, GROUPING, HEADER, IGNORED, INDICATOR, NEW, SECTION,
                      UNCHANGED, IndicatorDraft, IndicatorPreview, RowResult, TargetChange, compute_diff,
                      max_upload_bytes, preview_indicators, read_indicator_table)
from .targets import ParsedTarget, TargetPart, parse_decimal, parse_target, unit_value_type

__all__ = [
    "CHANGED", "DEFAULT_SOURCE_ARTICLE", "ERROR", "FIELDS", "FIELD_NAMES", "GROUPING", "HEADER", "IGNORED",
    "INDICATOR", "NEW", "REIMPORT_REASON", "SECTION", "UNCHANGED", "ImportFileError", "IndicatorDraft",
    "IndicatorImportResult", "IndicatorPreview", "ParsedTarget", "RowResult", "TargetChange", "TargetPart",
    "apply_indicators", "compute_diff", "find_header", "import_indicators", "max_upload_bytes", "parse_decimal",
    "parse_target", "preview_indicators", "propose_columns", "read_indicator_table", "unit_value_type",
]
