"""The dry run of an import: every row of the file and what becomes of it (header, section setting the target
year, indicator, grouping indicator, ignored, not imported), owners resolved through the name-resolution
service, targets parsed, and the diff against the indicators already imported for the same document.
Nothing is written here."""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.text import search_key
from nq57.orgs.resolution import AMBIGUOUS, GROUP, RESOLVED, Resolver
from nq57.plans.importing.readers import ImportFileError, kind_for, read_table

from ..models import Baseline, Indicator, Target
from .columns import (CHOICE_FIELDS, COLUMN_NUMBER, FIELD_LABELS, INDICATOR_CODE, SECTION_CODE, TEXT_FIELDS, YEAR,
                      choice, clean_code, find_header, one_line, parent_code)
from .targets import C, DIR, VT, ParsedTarget, TargetPart, parse_decimal, parse_target

DEFAULT_SOURCE_ARTICLE = "Phụ lục I"

# Row kinds
HEADER, SECTION, INDICATOR, GROUPING, IGNORED, ERROR = "header", "section", "indicator", "grouping", "ignored", "error"
# What an indicator row does against the indicators already imported for the document
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"

ROW_KIND_LABELS = {
    HEADER: gettext_lazy("header"), SECTION: gettext_lazy("section (target year)"),
    INDICATOR: gettext_lazy("indicator"), GROUPING: gettext_lazy("grouping indicator"),
    IGNORED: gettext_lazy("ignored"), ERROR: gettext_lazy("not imported"),
}
CHANGE_LABELS = {NEW: gettext_lazy("new"), CHANGED: gettext_lazy("changed"), UNCHANGED: gettext_lazy("unchanged")}
CHANGE_FIELD_LABELS = FIELD_LABELS | {
    "value_type": gettext_lazy("Value type"), "direction": gettext_lazy("Direction"),
    "owner_text": gettext_lazy("Owner agency (as written)"), "parent": gettext_lazy("Parent indicator"),
    "targets": gettext_lazy("Target"), "is_active": gettext_lazy("Active"),
}


@dataclass
class TargetChange:
    """A target the import sets: new for its (series, year), or replacing the current one."""

    part: TargetPart
    year: int
    text: str
    current: Target | None = None

    @property
    def is_replacement(self):
        return self.current is not None


@dataclass
class IndicatorDraft:
    """An indicator as one row of the file states it, with its owner resolved and its target parsed."""

    code: str
    row: int
    sort_order: int
    name: str
    unit: str = ""
    target_text: str = ""
    parsed: ParsedTarget | None = None
    year: int | None = None
    owner: object = None
    owner_text: str = ""
    owner_named: object = None  # the former body the owner cell names, when it resolved through history
    owner_notes: list = field(default_factory=list)  # other agencies of the cell, kept in owner_text
    parent_code: str = ""
    grouping: bool = False
    fields: dict = field(default_factory=dict)  # optional columns present: frequency, level, …
    baseline: tuple | None = None  # (value, as_of)
    warnings: list = field(default_factory=list)
    existing: Indicator | None = None
    change: str = NEW
    changed_fields: list = field(default_factory=list)
    target_changes: list = field(default_factory=list)
    baseline_change: Baseline | bool | None = None

    @property
    def via_history(self):
        return self.owner_named is not None

    @property
    def change_label(self):
        return CHANGE_LABELS[self.change]

    @property
    def changed_labels(self):
        return [CHANGE_FIELD_LABELS.get(name, name) for name in self.changed_fields]

    @property
    def targets_display(self):
        parsed = self.parsed
        if parsed is None or (not parsed.targets and not parsed.qualitative):
            return ""
        if parsed.qualitative:
            return str(C.QUALITATIVE.label)
        return "; ".join(describe_target(t) for t in parsed.targets)

    def indicator_fields(self):
        """The Indicator fields the file decides (used for the diff and for writing)."""
        parsed = self.parsed
        values = {"name": self.name, "unit": self.unit, "owner": self.owner, "owner_text": self.owner_text,
                  "value_type": parsed.value_type, "direction": parsed.direction}
        values.update(self.fields)
        return values


def describe_target(part):
    symbol = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "eq": "=", "rank_lte": "≤"}.get(part.comparator, "")
    number = _number(part.value)
    text = f"{number}–{_number(part.value_high)}" if part.comparator == C.BETWEEN else f"{symbol} {number}"
    return f"{text} {part.series}".strip()


def _number(value):
    if value is None:
        return ""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",")


@dataclass
class RowResult:
    """What became of one row of the file."""

    number: int
    kind: str
    code: str = ""
    message: str = ""
    draft: IndicatorDraft | None = None

    @property
    def kind_label(self):
        return ROW_KIND_LABELS.get(self.kind, self.kind)


@dataclass
class IndicatorPreview:
    """Everything an import would do, computed without writing."""

    filename: str
    kind: str
    source_plan: object = None
    header_row: int | None = None
    columns: dict = field(default_factory=dict)
    source_article: str = DEFAULT_SOURCE_ARTICLE
    rows: list = field(default_factory=list)
    drafts: list = field(default_factory=list)
    blank_rows: int = 0

    @property
    def errors(self):
        return [r for r in self.rows if r.kind == ERROR]

    @property
    def warnings(self):
        return [(d, w) for d in self.drafts for w in d.warnings]

    @property
    def via_history(self):
        return [d for d in self.drafts if d.via_history]

    def counts(self):
        kinds = Counter(r.kind for r in self.rows)
        changes = Counter(d.change for d in self.drafts)
        return {
            "rows": len(self.rows), "sections": kinds[SECTION], "indicators": kinds[INDICATOR],
            "grouping": kinds[GROUPING], "ignored": kinds[IGNORED], "errors": kinds[ERROR],
            "created": changes[NEW], "updated": changes[CHANGED], "unchanged": changes[UNCHANGED],
            "targets": sum(len(d.parsed.targets) or int(d.parsed.qualitative) for d in self.drafts if d.parsed),
            "qualitative": sum(1 for d in self.drafts if d.parsed and d.parsed.qualitative),
            "warnings": len(self.warnings), "via_history": len(self.via_history),
        }

    def summary(self):
        """Plain JSON for the command's output."""
        return {
            "counts": self.counts(),
            "errors": [{"row": r.number, "code": r.code, "message": r.message} for r in self.errors],
            "warnings": [{"row": d.row, "code": d.code, "message": w} for d, w in self.warnings],
            "via_history": [{"row": d.row, "code": d.code, "written": d.owner_text, "named": str(d.owner_named),
                             "owner": str(d.owner)} for d in self.via_history],
        }


class _Builder:
    def __init__(self, table, *, source_plan, resolver, default_years, actor, filename, kind, source_article):
        self.table = table
        self.source_plan = source_plan
        self.resolver = resolver or Resolver()
        self.actor = actor
        if isinstance(default_years, dict):
            self.section_years, self.default_year = dict(default_years), None
        else:
            self.section_years, self.default_year = {}, default_years
        self.preview = IndicatorPreview(filename=filename, kind=kind, source_plan=source_plan,
                                        source_article=source_article, blank_rows=table.blank_rows)

    def cell(self, row, name):
        index = self.columns.get(name)
        return row.cell(index) if index is not None else ""

    def outcome(self, row, kind, code="", message="", draft=None):
        result = RowResult(row.number, kind, code, message, draft)
        self.preview.rows.append(result)
        return result

    def build(self):
        header, self.columns = find_header(self.table)
        self.preview.header_row, self.preview.columns = header, dict(self.columns)
        header_keys = [search_key(c) for c in self.table.row(header).cells]
        year, seen = self.default_year, {}
        for row in self.table.rows:
            if row.number < header:
                self.outcome(row, IGNORED, message=_("Above the header row"))
                continue
            if row.number == header:
                self.outcome(row, HEADER)
                continue
            if [search_key(c) for c in row.cells] == header_keys:
                self.outcome(row, IGNORED, message=_("The header row repeated"))
                continue
            raw_code, name = self.cell(row, "code"), one_line(self.cell(row, "name"))
            code = clean_code(raw_code)
            if COLUMN_NUMBER.match(name) and (not code or COLUMN_NUMBER.match(raw_code.strip())):
                self.outcome(row, IGNORED, message=_("Column numbering row"))
                continue
            if SECTION_CODE.match(code) or (not code and name and not self.cell(row, "target")
                                             and YEAR.search(name) and len(name) < 40):
                year = self._section_year(code, name, year)
                message = (_("Target year %(year)s for the rows below") % {"year": year} if year
                           else _("A section without a year"))
                self.outcome(row, SECTION, code, message)
                continue
            if not code:
                if any(row.cells):
                    self.outcome(row, ERROR, message=_("A row without a number; it is not imported"))
                continue
            if not INDICATOR_CODE.match(code):
                self.outcome(row, ERROR, message=_("“%(code)s” in the number column is not an indicator number (1, 2, "
                                                   "11.1…) nor a section (I, II…); the row is not imported")
                             % {"code": raw_code[:60]})
                continue
            if code in seen:
                self.outcome(row, ERROR, code, _("Number %(code)s appears twice (first on row %(row)s); this row is "
                                                 "not imported") % {"code": code, "row": seen[code]})
                continue
            seen[code] = row.number
            if not name:
                self.outcome(row, ERROR, code, _("Indicator %(code)s has no name; it is not imported")
                             % {"code": code})
                continue
            self._read_indicator(row, code, name, year)
        self._finish_groupings()
        if self.source_plan is not None or self.preview.drafts:
            compute_diff(self.preview)
        return self.preview

    def _section_year(self, code, name, current):
        if code in self.section_years:
            return self.section_years[code]
        found = YEAR.search(name)
        return int(found[1]) if found else current

    def _read_indicator(self, row, code, name, year):
        unit = one_line(self.cell(row, "unit"))[:100]
        target_text = one_line(self.cell(row, "target"))
        owner_cell = one_line(self.cell(row, "owner"))
        draft = IndicatorDraft(code=code, row=row.number, sort_order=len(self.preview.drafts), name=name, unit=unit,
                               target_text=target_text, parent_code=parent_code(code))
        outcome = self.outcome(row, INDICATOR, code, draft=draft)
        draft.grouping = not unit and not target_text
        draft.parsed = parse_target(target_text, unit)
        if draft.parsed.warning:
            draft.warnings.append(draft.parsed.warning)
        elif draft.parsed.is_empty and not draft.grouping:
            draft.warnings.append(_("No target in the row; the indicator is imported without one"))
        # Optional columns
        year_text = self.cell(row, "target_year")
        if year_text:
            found = YEAR.search(year_text)
            if found:
                year = int(found[1])
            else:
                draft.warnings.append(_("Target year “%(text)s” not understood") % {"text": year_text[:20]})
        draft.year = year
        for column in CHOICE_FIELDS:
            text = self.cell(row, column)
            if text:
                value = choice(column, text)
                if value is None:
                    draft.warnings.append(_("%(column)s “%(text)s” not understood; the default is kept")
                                          % {"column": FIELD_LABELS[column], "text": text[:40]})
                else:
                    draft.fields[column] = value
        for column in TEXT_FIELDS:
            if column in self.columns:
                draft.fields[column] = self.cell(row, column).strip()
        self._read_baseline(row, draft)
        if not draft.grouping and year is None:
            return self._error(outcome, draft, _("No target year: add a section row “Đến năm 2030” above it or a "
                                                 "“Năm mục tiêu” column"))
        # Owner
        if owner_cell:
            self._resolve_owner(draft, owner_cell)
            if draft.owner is None:
                return self._error(outcome, draft, draft.warnings.pop())
        elif not draft.grouping:
            return self._error(outcome, draft, _("No owner agency"))
        if draft.owner is not None and not self._may_manage(draft.owner):
            return self._error(outcome, draft, _("You may not manage indicators of %(agency)s")
                               % {"agency": draft.owner})
        if draft.grouping:
            outcome.kind = GROUPING
            outcome.message = _("Groups the indicators numbered %(code)s.x; no target") % {"code": code}
        self.preview.drafts.append(draft)

    def _error(self, outcome, draft, message):
        outcome.kind, outcome.message, outcome.draft = ERROR, message, None
        return None

    def _may_manage(self, owner):
        return self.actor is None or can(self.actor, Action.ASSIGN, owner)

    def _read_baseline(self, row, draft):
        value_text, year_text = self.cell(row, "baseline").strip(), self.cell(row, "baseline_year").strip()
        if not value_text:
            return
        value = parse_decimal(value_text.rstrip("%").strip())
        as_of = _baseline_date(year_text)
        if value is None:
            draft.warnings.append(_("Baseline “%(text)s” is not a number; no baseline set") % {"text": value_text[:40]})
        elif as_of is None:
            draft.warnings.append(_("Baseline without a year (“Năm cơ sở”); no baseline set"))
        else:
            draft.baseline = (value, as_of)

    def _resolve_owner(self, draft, text):
        draft.owner_text = text[:300]
        results = self.resolver.resolve_cell(text)
        lead = None
        for result in results:
            organisation = result.organisation if result.status == RESOLVED else None
            if organisation is not None and organisation.valid_until is not None \
                    and organisation.valid_until < self.resolver.on:
                organisation = None  # dissolved without a successor
            if lead is None and organisation is not None:
                lead = result
            elif result.status == RESOLVED:
                if result.via_history:
                    draft.owner_notes.append(_("%(named)s (now %(agency)s) also monitors it; kept in the owner text")
                                             % {"named": result.named, "agency": result.organisation})
                else:
                    draft.owner_notes.append(_("%(agency)s also monitors it; kept in the owner text")
                                             % {"agency": result.organisation})
            elif result.status == GROUP:
                draft.owner_notes.append(_("“%(text)s”: a group of agencies, kept in the owner text")
                                         % {"text": _as_written(text, result.text)})
            elif result.status == AMBIGUOUS:
                draft.owner_notes.append(_("“%(text)s”: several organisations have this name")
                                         % {"text": _as_written(text, result.text)})
            else:
                draft.owner_notes.append(_("“%(text)s”: no organisation has this name")
                                         % {"text": _as_written(text, result.text)})
        if lead is None:
            draft.warnings.append(_("Owner agency “%(text)s” not resolved: %(why)s")
                                  % {"text": text[:120], "why": "; ".join(draft.owner_notes) or _("no name found")})
            return
        draft.owner = lead.organisation
        if lead.via_history:
            draft.owner_named = lead.named

    def _finish_groupings(self):
        """A grouping row without an owner takes the owner most of its indicators have."""
        children = {}
        for draft in self.preview.drafts:
            if draft.parent_code:
                children.setdefault(draft.parent_code, []).append(draft)
        for draft in list(self.preview.drafts):
            if draft.owner is not None:
                continue
            owners = Counter(c.owner for c in children.get(draft.code, []) if c.owner is not None)
            outcome = next(r for r in self.preview.rows if r.draft is draft)
            if not owners:
                self.preview.drafts.remove(draft)
                self._error(outcome, draft, _("A grouping row with no owner agency and no indicators under it"))
                continue
            draft.owner = owners.most_common(1)[0][0]
            draft.warnings.append(_("No owner agency in the row: %(agency)s, which owns most of the indicators under "
                                    "it") % {"agency": draft.owner})
            if not self._may_manage(draft.owner):
                self.preview.drafts.remove(draft)
                self._error(outcome, draft, _("You may not manage indicators of %(agency)s")
                            % {"agency": draft.owner})
                continue
        for draft in self.preview.drafts:
            kinds = {(c.parsed.value_type, c.parsed.direction) for c in children.get(draft.code, [])}
            if draft.grouping:
                # A grouping measures nothing itself; it takes its indicators' kind when they share one.
                draft.parsed.value_type, draft.parsed.direction = kinds.pop() if len(kinds) == 1 else (
                    VT.QUALITATIVE, DIR.HIGHER)
        codes = {d.code for d in self.preview.drafts}
        existing = set()
        if self.source_plan is not None:
            existing = set(Indicator.objects.filter(source_plan=self.source_plan).values_list("code", flat=True))
        for draft in self.preview.drafts:
            if draft.parent_code and draft.parent_code not in codes | existing:
                draft.warnings.append(_("Parent indicator %(code)s is not in the file; imported without a parent")
                                      % {"code": draft.parent_code})
                draft.parent_code = ""


def _as_written(cell, folded):
    """The words of `cell` that the resolver read as `folded` (it returns mentions folded, "cac bo nganh")."""
    if not folded:
        return cell
    # Fold character by character so that positions in the folded text are positions in the cell.
    folded_cell = "".join(search_key(ch) or (" " if not ch.isalnum() else ch) for ch in cell)
    pattern = r"\W+(?:(?:va|cung|voi)\W+)?".join(re.escape(word) for word in folded.split())
    match = re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", folded_cell)
    return cell[match.start():match.end()] if match and len(folded_cell) == len(cell) else folded


def _baseline_date(text):
    text = (text or "").strip()
    if not text:
        return None
    parts = re.findall(r"\d+", text)
    try:
        if len(parts) >= 3:
            return datetime.date(int(parts[2]), int(parts[1]), int(parts[0]))
        if len(parts) == 2:
            month, year = int(parts[0]), int(parts[1])
            return datetime.date(year, month, 1)
        found = YEAR.search(text)
        return datetime.date(int(found[1]), 12, 31) if found else None
    except ValueError:
        return None


def _existing(source_plan, drafts):
    """{code: Indicator} already imported for the document, with their current national targets and baselines."""
    queryset = Indicator.objects.select_related("owner", "parent")
    if source_plan is not None:
        queryset = queryset.filter(source_plan=source_plan)
    else:
        queryset = queryset.filter(source_plan__isnull=True, code__in=[d.code for d in drafts])
    found = {}
    for indicator in queryset:
        indicator.current_targets = {}
        indicator.current_baselines = {}
        found.setdefault(indicator.code, []).append(indicator)
    ids = [i.pk for group in found.values() for i in group]
    by_id = {i.pk: i for group in found.values() for i in group}
    for target in Target.objects.filter(indicator_id__in=ids, organisation__isnull=True, is_current=True):
        by_id[target.indicator_id].current_targets[(target.series, target.year)] = target
    for baseline in Baseline.objects.filter(indicator_id__in=ids, organisation__isnull=True, is_current=True):
        by_id[baseline.indicator_id].current_baselines[baseline.series] = baseline
    return found


def _same_target(current, part, text):
    return (current.comparator == part.comparator and current.value == part.value
            and current.value_high == part.value_high and current.text == text)


def compute_diff(preview):
    """Compare every draft with the indicator of the same number already imported for the document."""
    found = _existing(preview.source_plan, preview.drafts)
    for draft in preview.drafts:
        candidates = found.get(draft.code, [])
        if preview.source_plan is None:
            candidates = [i for i in candidates if i.owner_id == getattr(draft.owner, "pk", None)]
        existing = draft.existing = candidates[0] if candidates else None
        draft.changed_fields, draft.target_changes, draft.baseline_change = [], [], None
        parts = [] if draft.grouping else (
            [TargetPart(C.QUALITATIVE.value, None, None, "")] if draft.parsed.qualitative else draft.parsed.targets)
        for part in parts:
            current = existing.current_targets.get((part.series, draft.year)) if existing else None
            if current is None or not _same_target(current, part, draft.target_text):
                draft.target_changes.append(TargetChange(part, draft.year, draft.target_text, current))
        if draft.baseline is not None:
            current = existing.current_baselines.get("") if existing else None
            if current is None or current.value != draft.baseline[0] or current.as_of != draft.baseline[1]:
                draft.baseline_change = current or True
        if existing is None:
            draft.change = NEW
            continue
        wanted = draft.indicator_fields()
        for name, value in wanted.items():
            if name in ("value_type", "direction") and existing.unit == draft.unit \
                    and (existing.value_type == VT.QUALITATIVE) == draft.parsed.qualitative:
                continue  # set when created; a change by hand is not undone by importing the same unit again
            current = getattr(existing, name)
            if name == "owner":
                if existing.owner_id != value.pk:
                    draft.changed_fields.append(name)
            elif (one_line(current) if isinstance(current, str) else current) != value:
                draft.changed_fields.append(name)
        if (existing.parent.code if existing.parent else "") != draft.parent_code:
            draft.changed_fields.append("parent")
        if not existing.is_active:
            draft.changed_fields.append("is_active")
        if draft.target_changes:
            draft.changed_fields.append("targets")
        if draft.baseline_change is not None:
            draft.changed_fields.append("baseline")
        draft.change = CHANGED if draft.changed_fields else UNCHANGED


def _source_article(data, kind):
    """"Phụ lục I" from the heading of a published appendix (Markdown), else the default."""
    if kind == "md":
        try:
            head = data[:4000].decode("utf-8-sig", errors="ignore")
        except (AttributeError, UnicodeDecodeError):
            head = ""
        for line in head.splitlines():
            found = re.match(r"^\W*PH[ỤU]\s+L[ỤU]C\s+([IVXLC]+|\d+)\b", line.strip(), re.IGNORECASE)
            if found:
                return f"Phụ lục {found[1].upper()}"
    return DEFAULT_SOURCE_ARTICLE


def max_upload_bytes():
    return getattr(settings, "INDICATOR_IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def read_indicator_table(data, filename):
    """(kind, Table) of an uploaded file, or ImportFileError saying what is wrong with it."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(size)s MB. Split the table, then upload it again.")
                              % {"size": limit // (1024 * 1024)})
    kind = kind_for(filename, data)
    return kind, read_table(data, kind)


def preview_indicators(data, filename, *, source_plan=None, resolver=None, default_years=None, actor=None,
                       source_article=None):
    """The dry run of importing `data` (bytes of a .md, .csv or .xlsx file); writes nothing.

    default_years: the target year of rows before any "Đến năm …" section (an int), or {section code: year}.
    actor: when given, rows whose owner the actor may not manage are errors. ImportFileError for bad files."""
    kind, table = read_indicator_table(data, filename)
    return _Builder(table, source_plan=source_plan, resolver=resolver, default_years=default_years, actor=actor,
                    filename=filename, kind=kind,
                    source_article=source_article or _source_article(data, kind)).build()
