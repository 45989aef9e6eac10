"""Importing plans of tasks from the tables agencies send (XLSX, CSV) or the published Markdown.

The steps, each usable alone (the web pages, `nq57 import_plan` and the demo loader all use them):
read a table (`read_table`), find its header and propose a column mapping (`initial_mapping`),
dry-run it (`build_import_preview`: nothing written, every row and problem reported), and write it
(`apply_import`: one transaction through the workflow's service functions).
"""

from pathlib import Path

from .apply import ImportResult, apply_import, create_task_groups
from .preview import ImportPreview, Problem, RowOutcome, TaskChange, TaskDraft, build_import_preview
from .products import ProductClassifier, classify_product, ensure_product_types
from .readers import (FIELD_NAMES, FIELDS, ImportFileError, SourceRow, Table, detect_header, initial_mapping,
                      kind_for, propose_mapping, read_table)

__all__ = [
    "FIELDS", "FIELD_NAMES", "ImportFileError", "ImportPreview", "ImportResult", "Problem", "ProductClassifier",
    "RowOutcome", "SourceRow", "Table", "TaskChange", "TaskDraft", "apply_import", "build_import_preview",
    "classify_product", "create_task_groups", "detect_header", "ensure_product_types", "initial_mapping", "kind_for",
    "preview_file", "propose_mapping", "read_table",
]


def preview_file(path, *, plan=None, plan_fields=None, mapping=None, sheet=None, **options):
    """Read a file from disk and dry-run it with the detected (or given) mapping: (table, mapping, preview)."""
    path = Path(path)
    data = path.read_bytes()
    table = read_table(data, kind_for(path.name, data), sheet=sheet)
    mapping = mapping or initial_mapping(table)
    return table, mapping, build_import_preview(table, mapping, plan, plan_fields=plan_fields, **options)
