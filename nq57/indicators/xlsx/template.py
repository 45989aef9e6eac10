"""The template of an organisation: one row per indicator it owes × period ended and not yet approved."""

import datetime
import io
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import IndicatorValue, ReportingObligation
from ..periods import due_date, periods_between
from .common import (COLUMN_BY_KEY, COLUMNS, DATA_SHEET, FIRST_DATA_ROW, FIRST_VISIBLE, GUIDE_SHEET, HEADER_ROW,
                     KEY_ROW, RAG_LABELS, TEXT_FIELDS, YEARS_BACK, S, hint, is_ratio, is_weighted,
                     latest_values, list_label, no_label, number_text, value_range, yes_label)


def _since(today):
    try:
        return today.replace(year=today.year - YEARS_BACK)
    except ValueError:  # 29 February
        return today.replace(year=today.year - YEARS_BACK, day=28)


def _obligation_periods(obligation, today, periods=None):
    """The periods of an obligation the template offers: the given ones of the indicator's frequency inside
    the obligation, else every period that ended in the last two years."""
    indicator = obligation.indicator
    if periods is not None:
        return [p for p in periods if p.frequency == indicator.frequency and p.end >= obligation.starts_on
                and (obligation.ends_on is None or p.start <= obligation.ends_on)]
    start = max(obligation.starts_on, _since(today))
    end = today - datetime.timedelta(days=1)
    if obligation.ends_on is not None:
        end = min(end, obligation.ends_on)
    return [p for p in periods_between(start, end, indicator.frequency) if p.end >= obligation.starts_on]


@dataclass
class TemplateRow:
    obligation: ReportingObligation
    period: object
    existing: IndicatorValue | None

    @property
    def indicator(self):
        return self.obligation.indicator


def template_rows(organisation, *, periods=None, today=None):
    """The rows of the template: each indicator the organisation owes × each period ended and not approved."""
    today = today or timezone.localdate()
    obligations = list(ReportingObligation.objects.filter(organisation=organisation, indicator__is_active=True)
                       .select_related("indicator")
                       .order_by("indicator__sort_order", "indicator__code", "indicator_id", "series"))
    wanted = [(o, p) for o in obligations for p in _obligation_periods(o, today, periods)]
    if not wanted:
        return []
    existing = latest_values(organisation, {o.indicator_id for o in obligations},
                             since=min(p.end for _o, p in wanted))
    rows = []
    for obligation, period in wanted:
        value = existing.get((obligation.indicator_id, obligation.series, period.end))
        current_approved = value is not None and value.status == S.APPROVED
        if current_approved:
            continue
        rows.append(TemplateRow(obligation, period, value))
    return rows


def build_template(organisation, *, periods=None, today=None, lang):
    """The XLSX template (bytes) of `organisation`'s owed indicators × periods, in language `lang`."""
    import openpyxl

    today = today or timezone.localdate()
    with translation.override(lang):
        rows = template_rows(organisation, periods=periods, today=today)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = DATA_SHEET
        _write_data_sheet(sheet, organisation, rows, today)
        _write_guide_sheet(workbook.create_sheet(GUIDE_SHEET), organisation, rows, today)
        output = io.BytesIO()
        workbook.save(output)
    return output.getvalue()


def _instructions():
    yes = yes_label()
    return [
        _("Type only in the yellow cells; the grey cells and the hidden key columns must stay as they are."),
        _("One row is one indicator for one period. Leave a row empty to skip it; delete no row you filled."),
        _("Numbers may be written 12,5 or 12.5 and 1.234 or 1234; a percentage as 85 or 85%."),
        _("Ratio indicators: enter the numerator and the denominator; the value is computed from them."),
        _("Yes/no milestones and qualitative indicators: choose the progress from the list."),
        _("A value that does not exist: choose “%(yes)s” under Not available and say why.") % {"yes": yes},
        _("A value far from the history or from comparable organisations is flagged: to submit it, choose "
          "“%(yes)s” under Confirm the warning and explain it.") % {"yes": yes},
        _("Upload the file on the upload page: every row is checked again, and the problems are listed by row "
          "number. Correct them and upload the same file again: saved rows are updated, never duplicated."),
    ]


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="BFBFBF")
    return {
        "title": Font(bold=True, size=14),
        "bold": Font(bold=True),
        "header_fill": PatternFill("solid", fgColor="1F4E79"),
        "header_font": Font(bold=True, color="FFFFFF"),
        "input_fill": PatternFill("solid", fgColor="FFF2CC"),
        "grey_fill": PatternFill("solid", fgColor="E7E6E6"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }


def _write_data_sheet(sheet, organisation, rows, today):
    from openpyxl.styles import Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    style = _styles()
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    # One line per cell of the first visible column: the text runs on over the empty cells to its right.
    block = FIRST_VISIBLE
    sheet.cell(1, block, _("Indicator values: template to fill")).font = style["title"]
    sheet.cell(2, block, _("Organisation: %(name)s (%(code)s)") % {"name": organisation.name,
                                                                    "code": organisation.code}).font = style["bold"]
    sheet.cell(3, block, _("Generated on %(date)s") % {"date": date_format(today, "SHORT_DATE_FORMAT")})
    for offset, line in enumerate(_instructions()[:5]):
        sheet.cell(4 + offset, block, f"{offset + 1}. {line}")
    sheet.cell(9, block, _("More help and each indicator's definition: sheet “%(sheet)s”.") % {"sheet": GUIDE_SHEET})

    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(KEY_ROW, index, column.key)
        header = sheet.cell(HEADER_ROW, index, str(column.label))
        header.font, header.fill, header.alignment = style["header_font"], style["header_fill"], style["wrap"]
        header.border = style["border"]
        dimension = sheet.column_dimensions[letters[column.key]]
        dimension.width = column.width
        dimension.hidden = column.hidden
    sheet.row_dimensions[KEY_ROW].hidden = True
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, FIRST_VISIBLE + 1)

    unlocked = Protection(locked=False)
    ranges = {}  # (validation key) → [row numbers], turned into one data validation each
    progress_labels = [list_label(label) for label in IndicatorValue.Progress.labels]
    # Setting a style on a cell hashes every style object again (about 6 ms per row of 23 cells); the few
    # combinations a data cell can have are styled once and their style copied, openpyxl's own fast path.
    prepared = {}
    hints, applicable = {}, {}
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        indicator, period, existing = row.indicator, row.period, row.existing
        if indicator.pk not in hints:
            hints[indicator.pk], applicable[indicator.pk] = hint(indicator), _applicable(indicator)
        values = {
            "indicator_id": indicator.pk, "org_code": organisation.code, "period_key": period.key,
            "series": row.obligation.series, "code": indicator.code,
            "indicator": indicator.name + (f" — {row.obligation.series}" if row.obligation.series else ""),
            "unit": indicator.unit, "period": period.label, "due": due_date(period, indicator.due_days),
            "status": existing.get_status_display() if existing else _("Not reported"),
            "hint": hints[indicator.pk],
            "review_comment": existing.review_comment if existing and existing.status == S.RETURNED else "",
        }
        if existing is not None:
            values.update(_prefill(indicator, existing))
        applies = applicable[indicator.pk]
        for index, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(number, index, values.get(column.key) if values.get(column.key) != "" else None)
            state = (column.key, column.entered and column.key in applies)
            if state in prepared:
                cell._style = copy(prepared[state])
                continue
            cell.border = style["border"]
            if column.key == "due":
                cell.number_format = "DD/MM/YYYY"
            elif column.key in ("indicator", "hint", "review_comment"):
                cell.alignment = style["wrap"]
            elif column.key in ("period_key", "series", "org_code") or column.key in TEXT_FIELDS:
                cell.number_format = "@"  # text: "2026" must stay a key, not become a number
            if column.entered and column.key in applies:
                cell.protection, cell.fill = unlocked, style["input_fill"]
            elif column.entered:
                cell.fill = style["grey_fill"]
            prepared[state] = copy(cell._style)
        for key, validation in _row_validations(indicator).items():
            ranges.setdefault(validation, {}).setdefault(key, []).append(number)

    last = FIRST_DATA_ROW + max(len(rows), 1) - 1
    yes_no = f'"{list_label(yes_label())},{list_label(no_label())}"'
    lists = [
        ("not_available", yes_no), ("confirm_flags", yes_no),
        ("self_rating", '"' + ",".join(list_label(label) for label in RAG_LABELS.values()) + '"'),
    ]
    for key, formula in lists:
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle=str(COLUMN_BY_KEY[key].label),
                                    error=_("Choose a value from the list."))
        validation.add(f"{letters[key]}{FIRST_DATA_ROW}:{letters[key]}{last}")
        sheet.add_data_validation(validation)
    for (kind, low, high), columns in ranges.items():
        if kind == "progress":
            validation = DataValidation(type="list", formula1='"' + ",".join(progress_labels) + '"', allow_blank=True,
                                        showErrorMessage=True, errorTitle=str(COLUMN_BY_KEY["progress"].label),
                                        error=_("Choose a value from the list."))
        else:
            validation = _number_validation(low, high)
        for key, numbers in columns.items():
            for first, end in _runs(numbers):
                validation.add(f"{letters[key]}{first}:{letters[key]}{end}")
        sheet.add_data_validation(validation)

    protection = sheet.protection
    protection.sheet = True
    # Without a password: the protection keeps keys and labels from being typed over by mistake, not a lock.
    protection.formatColumns = False
    protection.formatRows = False
    protection.autoFilter = False
    sheet.auto_filter.ref = f"{get_column_letter(FIRST_VISIBLE)}{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{last}"


def _applicable(indicator):
    """The entered columns that apply to the indicator's rows (the others stay grey and locked)."""
    common = {"not_available", "not_available_reason", "note", "self_rating", "confirm_flags", "flag_note"}
    if not indicator.is_numeric:
        return common | {"progress"}
    if is_ratio(indicator):
        common |= {"numerator", "denominator"}
    else:
        common |= {"value"}
    if is_weighted(indicator):
        common |= {"weight"}
    return common


def _row_validations(indicator):
    """{column: (kind, low, high)} of the typing aids of an indicator's row."""
    if not indicator.is_numeric:
        return {"progress": ("progress", None, None)}
    found = {}
    if is_ratio(indicator):
        found["numerator"] = found["denominator"] = ("decimal", Decimal(0), None)
    else:
        low, high = value_range(indicator)
        if low is not None or high is not None:
            found["value"] = ("decimal", low, high)
    if is_weighted(indicator):
        found["weight"] = ("decimal", Decimal(0), None)
    return found


def _number_validation(low, high):
    from openpyxl.worksheet.datavalidation import DataValidation

    low_text, high_text = number_text(low), number_text(high)
    if low is not None and high is not None:
        operator, formulas = "between", (low_text, high_text)
        message = _("Enter a number from %(low)s to %(high)s.") % {"low": low_text, "high": high_text}
    elif low is not None:
        operator, formulas = "greaterThanOrEqual", (low_text, None)
        message = _("Enter a number of at least %(low)s.") % {"low": low_text}
    else:
        operator, formulas = "lessThanOrEqual", (high_text, None)
        message = _("Enter a number of at most %(high)s.") % {"high": high_text}
    return DataValidation(type="decimal", operator=operator, formula1=formulas[0], formula2=formulas[1],
                          allow_blank=True, showErrorMessage=True, errorTitle=_("Value out of range"), error=message)


def _runs(numbers):
    """Consecutive runs of sorted row numbers as (first, last) pairs: one range per run in the validation."""
    runs = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [tuple(r) for r in runs]


def _prefill(indicator, value):
    """The cells of a row pre-filled from an existing value (draft, returned or submitted)."""
    cells = {"note": value.note, "flag_note": value.flag_note,
             "not_available_reason": value.not_available_reason}
    if value.not_available:
        cells["not_available"] = yes_label()
    if value.self_rating:
        cells["self_rating"] = str(RAG_LABELS[value.self_rating])
    if not indicator.is_numeric:
        if value.progress:
            cells["progress"] = list_label(value.get_progress_display())
    elif is_ratio(indicator):
        cells["numerator"], cells["denominator"] = _cell_number(value.numerator), _cell_number(value.denominator)
    else:
        cells["value"] = _cell_number(value.value)
    if is_weighted(indicator):
        cells["weight"] = _cell_number(value.weight)
    return cells


def _cell_number(number):
    if number is None:
        return None
    number = Decimal(number)
    return int(number) if number == number.to_integral_value() else float(number)


def _write_guide_sheet(sheet, organisation, rows, today):
    from openpyxl.utils import get_column_letter

    style = _styles()
    sheet.cell(1, 1, _("How to fill the template")).font = style["title"]
    sheet.cell(2, 1, _("Organisation: %(name)s (%(code)s)") % {"name": organisation.name, "code": organisation.code})
    sheet.cell(3, 1, _("Generated on %(date)s") % {"date": date_format(today, "SHORT_DATE_FORMAT")})
    line = 4
    for number, text in enumerate(_instructions(), start=1):
        sheet.cell(line, 1, f"{number}. {text}").alignment = style["wrap"]
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=6)
        sheet.row_dimensions[line].height = 15 * (len(text) // 100 + 1)  # merged cells do not grow by themselves
        line += 1
    line += 1
    sheet.cell(line, 1, _("Accepted answers")).font = style["bold"]
    answers = [
        (COLUMN_BY_KEY["progress"].label, "; ".join(str(x) for x in IndicatorValue.Progress.labels)),
        (COLUMN_BY_KEY["not_available"].label, f"{yes_label()}; {no_label()}"),
        (COLUMN_BY_KEY["confirm_flags"].label, f"{yes_label()}; {no_label()}"),
        (COLUMN_BY_KEY["self_rating"].label, "; ".join(str(x) for x in RAG_LABELS.values())),
    ]
    for label, text in answers:
        line += 1
        sheet.cell(line, 1, f"{label}: {text}")
    line += 2
    sheet.cell(line, 1, _("Indicators in this template")).font = style["bold"]
    line += 1
    headers = [_("Code"), _("Indicator"), _("Unit"), _("Value type"), _("Valid range"), _("Reporting frequency"),
               _("Direction"), _("What to enter"), _("Definition"), _("Data source"), _("Owner agency")]
    widths = [8, 48, 12, 16, 14, 14, 18, 32, 60, 30, 30]
    for index, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = sheet.cell(line, index, text)
        cell.font, cell.fill, cell.alignment = style["header_font"], style["header_fill"], style["wrap"]
        sheet.column_dimensions[get_column_letter(index)].width = width
    seen = set()
    for row in rows:
        indicator = row.indicator
        if indicator.pk in seen:
            continue
        seen.add(indicator.pk)
        line += 1
        low, high = value_range(indicator) if indicator.is_numeric else (None, None)
        valid = "–".join([number_text(low) if low is not None else "…", number_text(high) if high is not None
                          else "…"]) if (low is not None or high is not None) else ""
        cells = [indicator.code, indicator.name, indicator.unit, str(indicator.get_value_type_display()), valid,
                 str(indicator.get_frequency_display()), str(indicator.get_direction_display()), hint(indicator),
                 indicator.definition, indicator.data_source, indicator.owner_text or indicator.owner.name]
        for index, text in enumerate(cells, start=1):
            sheet.cell(line, index, text or None).alignment = style["wrap"]
    if not rows:
        sheet.cell(line + 1, 1, _("Nothing is due: every owed value of the last two years is approved."))
