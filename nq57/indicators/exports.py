"""XLSX and CSV exports of the KPI pages: the same rows as on screen, one function per page.

The approach of plans.exports: openpyxl in write-only mode to a temporary file, real numbers and real
Excel dates (dd/mm/yyyy). Headers and labels follow the active language, which is Vietnamese unless the
user switched. CSV is UTF-8 with a byte-order mark so Excel opens Vietnamese text correctly; a text cell
that starts like a formula is prefixed with an apostrophe (CSV injection).
"""

import csv
import datetime
import tempfile

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .models import Rag

FORMATS = ("xlsx", "csv")
DATE_FORMAT = "DD/MM/YYYY"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(value):
    return None if value is None else float(value)


def _percent(fraction):
    """Attainment 0.853 → 85.3 (the header says %)."""
    return None if fraction is None else round(float(fraction) * 100, 1)


def _rag(value):
    return str(Rag(value).label) if value in Rag.values else ""


def _safe_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def table_response(fmt, *, filename, sheet_title, columns, rows):
    """A download of `rows` (lists) under `columns` [(header, width, kind)]; kind "date" formats dates."""
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([str(header) for header, _w, _k in columns])
        for row in rows:
            writer.writerow(["" if v is None else
                             v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else _safe_text(v) for v in row])
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, (_header, width, _kind) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for text, _width, _kind in columns:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    date_columns = [i for i, (_h, _w, kind) in enumerate(columns) if kind == "date"]
    for row in rows:
        row = [_safe_text(v) for v in row]
        for i in date_columns:
            if row[i] is not None:
                cell = WriteOnlyCell(sheet, value=row[i])
                cell.number_format = DATE_FORMAT
                row[i] = cell
        sheet.append(row)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX)


def _targets_text(targets):
    return "; ".join(t["text"] for t in targets)


def index_export(fmt, rows, scope):
    """The KPI index as shown: one row per indicator."""
    columns = [(_("Code"), 8, ""), (_("Indicator"), 60, ""), (_("Unit"), 12, ""), (_("Layer"), 12, ""),
               (_("Owner agency"), 30, ""), (_("Baseline"), 12, ""), (_("Baseline date"), 12, "date"),
               (_("Latest value"), 12, ""), (_("Period"), 10, ""), (_("Targets"), 30, ""),
               (_("Attainment (%)"), 12, ""), (_("RAG"), 14, ""), (_("Scope"), 30, "")]
    data = [[r["indicator"].code, r["indicator"].name, r["indicator"].unit, r["indicator"].get_layer_display(),
             r["indicator"].owner.name, _number(r["baseline"].value) if r["baseline"] else None,
             r["baseline"].as_of if r["baseline"] else None, _number(r["latest_value"]),
             r["latest_label"], _targets_text(r["targets"]), _percent(r["attainment"]), _rag(r["rag"]), scope.name]
            for r in rows]
    return table_response(fmt, filename="chi-tieu", sheet_title=_("KPI index"), columns=columns, rows=data)


def series_export(fmt, indicator, scope, rows):
    """The time series of one indicator for one scope: the table under the chart."""
    columns = [(_("Period"), 10, ""), (_("Period end"), 12, "date"), (_("Value"), 14, ""),
               (_("Expected value"), 14, ""), (_("Attainment (%)"), 12, ""), (_("Expected attainment (%)"), 12, ""),
               (_("RAG"), 14, ""), (_("Organisations reported"), 10, ""), (_("Organisations expected"), 10, "")]
    data = [[r["label"], r["period_end"], _number(r["value"]), _number(r["expected_value"]),
             _percent(r["attainment"]), _percent(r["expected_attainment"]), _rag(r["rag"]), r["reported"],
             r["expected"]] for r in rows]
    return table_response(fmt, filename=f"chi-tieu-{_slug(indicator.code)}-chuoi", sheet_title=indicator.code,
                          columns=columns, rows=data)


def breakdown_export(fmt, indicator, period_label, rows):
    """The breakdown by province or ministry for one period."""
    columns = [(_("Code"), 10, ""), (_("Organisation"), 40, ""), (_("Period"), 10, ""), (_("Value"), 14, ""),
               (_("Attainment (%)"), 12, ""), (_("RAG"), 14, ""), (_("Organisations reported"), 10, ""),
               (_("Organisations expected"), 10, "")]
    data = [[r["organisation"].code, r["organisation"].name, period_label, _number(r["value"]),
             _percent(r["attainment"]), _rag(r["rag"]), r["reported"], r["expected"]] for r in rows]
    return table_response(fmt, filename=f"chi-tieu-{_slug(indicator.code)}-phan-bo", sheet_title=indicator.code,
                          columns=columns, rows=data)


def compare_export(fmt, indicator, period_label, rows):
    columns = [(_("Rank"), 8, ""), (_("Code"), 10, ""), (_("Organisation"), 40, ""), (_("Period"), 10, ""),
               (_("Value"), 14, ""), (_("Attainment (%)"), 12, ""), (_("RAG"), 14, ""),
               (_("Reported on time"), 10, ""), (_("Organisations expected"), 10, "")]
    data = [[r["rank"], r["organisation"].code, r["organisation"].name, period_label, _number(r["value"]),
             _percent(r["attainment"]), _rag(r["rag"]), r["on_time"], r["expected"]] for r in rows]
    return table_response(fmt, filename=f"chi-tieu-{_slug(indicator.code)}-so-sanh", sheet_title=indicator.code,
                          columns=columns, rows=data)


def inbox_export(fmt, sections):
    """Every item of the data-entry inbox, one row each, with the section it is in."""
    columns = [(_("Section"), 28, ""), (_("Code"), 10, ""), (_("Indicator"), 50, ""), (_("Organisation"), 36, ""),
               (_("Period"), 12, ""), (_("Due on"), 12, "date"), (_("Late"), 8, ""), (_("Status"), 14, ""),
               (_("Value"), 14, ""), (_("Comment"), 40, "")]
    data = []
    for section in sections:
        for item in section["items"]:
            if isinstance(item, tuple):  # an owed period (calendar.Owed)
                value = item.value
                data.append([str(section["title"]), item.indicator.code, item.indicator.name, item.organisation.name,
                             item.period.label, item.due_on, _("Yes") if item.late else _("No"),
                             value.get_status_display() if value else _("Not reported"),
                             _number(value.value) if value else None, ""])
            else:
                data.append([str(section["title"]), item.indicator.code, item.indicator.name, item.organisation.name,
                             item.period_label, item.due_on, "", item.get_status_display(), _number(item.value),
                             item.review_comment])
    return table_response(fmt, filename="nhap-so-lieu", sheet_title=str(_("Data entry")), columns=columns, rows=data)


def _slug(text):
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(text)).strip("-")[:30] or "x"
