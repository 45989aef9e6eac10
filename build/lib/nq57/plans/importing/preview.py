"""The dry run of an import: what the table says, what it would create or change, and what does not resolve.

`build_import_preview(table, mapping, plan=…, plan_fields=…)` writes nothing. Every source row ends
up in `preview.rows` as the header, a group, a task, a continuation merged into a task, ignored with
a reason, or an error; every agency mention that does not resolve, every group left "to be chosen"
and every completion time that does not parse is a `Problem` with its row number and text.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.text import search_key
from nq57.orgs.resolution import AMBIGUOUS, GROUP, RESOLVED, Resolver

from ..deadlines import ParsedDeadline, parse_deadline
from ..models import Assignment, Task
from .products import ProductClassifier
from .readers import FIELD_NAMES, FIELDS, REQUIRED_FIELDS, ImportFileError, SourceRow, Table, clean_cell

# Row outcomes
HEADER, GROUP_ROW, TASK_ROW, CONTINUATION = "header", "group", "task", "continuation"
IGNORED, ERROR = "ignored", "error"
# Problem kinds; the first two are the "unresolved" mentions
P_NOT_FOUND, P_AMBIGUOUS, P_TO_CHOOSE = "not_found", "ambiguous", "to_choose"
P_FRAGMENT, P_DISSOLVED = "fragment", "dissolved"
P_DEADLINE, P_IGNORED_TEXT, P_ROW = "deadline", "ignored_text", "row"
UNRESOLVED_KINDS = {P_NOT_FOUND, P_AMBIGUOUS}
# Diff outcomes
ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"

ROW_KIND_LABELS = {
    HEADER: gettext_lazy("header"), GROUP_ROW: gettext_lazy("group"), TASK_ROW: gettext_lazy("task"),
    CONTINUATION: gettext_lazy("continuation"), IGNORED: gettext_lazy("ignored"), ERROR: gettext_lazy("not imported"),
}
FIELD_LABELS = {name: label for name, label, _names in FIELDS} | {
    "group": gettext_lazy("Group"), "restored": gettext_lazy("Brought back"), "removed": gettext_lazy("Removed")}

GROUP_CODE = re.compile(r"^(?:[IVXLC]+|[A-Z])$")
GROUP_IN_ONE_CELL = re.compile(r"^([IVXLC]+|[A-Z])[.)]\s+(\S.*)$", re.DOTALL)
TASK_CODE = re.compile(r"^\d{1,4}(?:[.\-]\d{1,4}){0,3}[a-zđ]?$")
COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
AGENCY_FIELDS = ("lead", "coordinating")
TEXT_FIELDS = ("title", "product", "deadline", "responsible_person", "source_article")


@dataclass
class RowOutcome:
    """What became of one source row."""

    number: int
    kind: str
    code: str = ""
    message: str = ""

    @property
    def kind_label(self):
        return ROW_KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Problem:
    """Something the user should look at before confirming, tied to a source row."""

    kind: str
    row: int
    message: str
    text: str = ""
    task_code: str = ""
    column: str = ""
    candidates: list = field(default_factory=list)

    @property
    def is_unresolved(self):
        return self.kind in UNRESOLVED_KINDS

    @property
    def column_label(self):
        return FIELD_LABELS.get(self.column, self.column)


@dataclass
class GroupDraft:
    code: str
    title: str
    row: int
    sort_order: int


@dataclass
class Mention:
    """One agency mention of a task cell and what it became."""

    role: str
    text: str
    status: str
    via: str = ""
    organisation: object = None
    named: object = None
    group: object = None
    member_count: int = 0
    written: str = ""  # the mention as the cell writes it (text is folded)

    @property
    def to_choose(self):
        return self.status == GROUP and self.group.needs_selection


@dataclass
class TaskDraft:
    """A task as the table states it, with everything resolved."""

    code: str
    row: int
    sort_order: int
    group_code: str | None
    parts: dict = field(default_factory=lambda: defaultdict(list))  # field → [(row number, text)]
    rows: list = field(default_factory=list)
    title: str = ""
    lead_text: str = ""
    coordinating_text: str = ""
    product_text: str = ""
    deadline_text: str = ""
    responsible_person: str = ""
    source_article: str = ""
    deadline: ParsedDeadline | None = None
    product_type: object = None
    lead: list = field(default_factory=list)
    coordinating: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    outcome: RowOutcome | None = None

    @property
    def to_choose(self):
        return [m for m in self.mentions if m.to_choose]

    @property
    def assignment_count(self):
        return len(self.lead) + len(self.coordinating)


@dataclass
class TaskChange:
    """One line of the diff against the plan's current version."""

    code: str
    change: str
    fields: list = field(default_factory=list)
    task: Task | None = None
    draft: TaskDraft | None = None
    added_agencies: list = field(default_factory=list)  # [(role, Organisation)]
    removed_agencies: list = field(default_factory=list)  # [(role, Assignment)]

    @property
    def field_labels(self):
        return [FIELD_LABELS.get(name, name) for name in self.fields]


@dataclass
class ImportPreview:
    """Everything an import would do, computed without writing."""

    mapping: dict
    plan: object = None
    plan_fields: dict = field(default_factory=dict)
    groups: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    diff: list | None = None
    blank_rows: int = 0

    @property
    def is_new_version(self):
        return self.plan is not None

    @property
    def assignment_count(self):
        return sum(t.assignment_count for t in self.tasks)

    @property
    def lead_assignment_count(self):
        return sum(len(t.lead) for t in self.tasks)

    @property
    def unresolved(self):
        return [p for p in self.problems if p.is_unresolved]

    @property
    def errors(self):
        return [r for r in self.rows if r.kind == ERROR]

    def problems_of(self, kind):
        return [p for p in self.problems if p.kind == kind]

    def changes(self, change):
        return [c for c in self.diff or [] if c.change == change]

    def counts(self):
        rows = defaultdict(int)
        for r in self.rows:
            rows[r.kind] += 1
        counts = {
            "rows": len(self.rows), "groups": len(self.groups), "tasks": len(self.tasks),
            "continuations": rows[CONTINUATION], "ignored_rows": rows[IGNORED], "error_rows": rows[ERROR],
            "blank_rows": self.blank_rows,
            "assignments": self.assignment_count, "lead_assignments": self.lead_assignment_count,
            "coordinating_assignments": self.assignment_count - self.lead_assignment_count,
            "unresolved": len(self.unresolved), "to_choose": len(self.problems_of(P_TO_CHOOSE)),
            "deadlines_not_understood": len(self.problems_of(P_DEADLINE)),
            "unclassified_products": sum(1 for t in self.tasks if t.product_text and t.product_type is None),
            "incomplete_without_lead": sum(1 for t in self.tasks if not t.lead),
        }
        if self.diff is not None:
            for change in (ADDED, REMOVED, CHANGED, UNCHANGED):
                counts[change] = len(self.changes(change))
        return counts

    def summary(self):
        """Plain JSON for ImportJob.result and the command's output."""
        return {
            "counts": self.counts(),
            "problems": [{"kind": p.kind, "row": p.row, "task": p.task_code, "column": p.column, "text": p.text,
                          "message": p.message} for p in self.problems],
            "errors": [{"row": r.number, "message": r.message} for r in self.errors],
        }


# --- Reading rows into groups and tasks ----------------------------------------------------


def _code(text):
    return text.replace("*", "").replace("\n", " ").strip().rstrip(".):").strip()


def _one_line(text):
    return " ".join(text.split())


class _Builder:
    def __init__(self, table, mapping, *, plan=None, plan_fields=None, resolver=None, classifier=None, on=None):
        self.table = table if isinstance(table, Table) else Table(kind="", rows=list(table))
        self.mapping = mapping
        self.columns = {name: mapping.get("columns", {}).get(name) for name in FIELD_NAMES}
        missing = [name for name in REQUIRED_FIELDS if self.columns[name] is None]
        if missing:
            raise ImportFileError(_("Choose the column of task numbers and the column of task names."))
        used = [c for c in self.columns.values() if c is not None]
        if len(used) != len(set(used)):
            raise ImportFileError(_("Each column can be used for one field only."))
        self.header_row = mapping.get("header_row")
        self.plan = plan
        self.plan_fields = plan_fields or {}
        self.on = on or timezone.localdate()
        self.resolver = resolver or Resolver(on=self.on)
        self.classifier = classifier or ProductClassifier()
        issued_on = self.plan_fields.get("issued_on") or (plan.issued_on if plan else None)
        self.reference_year = issued_on.year if issued_on else None
        self.preview = ImportPreview(mapping=mapping, plan=plan, plan_fields=self.plan_fields,
                                     blank_rows=self.table.blank_rows)
        self.members = {}

    # rows → drafts

    def cell(self, row, name, fill_merged=False):
        index = self.columns.get(name)
        if index is None:
            return ""
        value = row.cell(index)
        if not value and fill_merged:
            value = self.table.merged.get((row.number, index), "")
        return value

    def outcome(self, row, kind, code="", message=""):
        outcome = RowOutcome(row.number, kind, code, message)
        self.preview.rows.append(outcome)
        return outcome

    def read_rows(self):
        header = self.table.row(self.header_row) if self.header_row is not None else None
        header_cells = [search_key(c) for c in header.cells] if header else None
        current, current_group, seen_tasks, seen_groups = None, None, {}, {}
        for row in self.table.rows:
            if self.header_row is not None and row.number < self.header_row:
                self.outcome(row, IGNORED, message=_("Above the header row"))
                continue
            if row.number == self.header_row:
                self.outcome(row, HEADER)
                continue
            if header_cells and [search_key(c) for c in row.cells] == header_cells:
                self.outcome(row, IGNORED, message=_("The header row repeated"))
                continue
            raw_code, title = self.cell(row, "code"), self.cell(row, "title")
            code = _code(raw_code)
            if COLUMN_NUMBER.match(title) and (not code or COLUMN_NUMBER.match(raw_code.strip())):
                self.outcome(row, IGNORED, message=_("Column numbering row"))
                continue
            in_one = GROUP_IN_ONE_CELL.match(raw_code.replace("*", "").strip()) if not title else None
            if GROUP_CODE.match(code) or in_one:
                group_code, group_title = (in_one[1], in_one[2]) if in_one else (code, title)
                current = None
                if group_code in seen_groups:
                    self.outcome(row, ERROR, group_code, _("Group %(code)s appears twice (first on row %(row)s)")
                                 % {"code": group_code, "row": seen_groups[group_code]})
                    current_group = group_code
                    continue
                seen_groups[group_code] = row.number
                self.preview.groups.append(GroupDraft(group_code, _one_line(group_title) or group_code, row.number,
                                                      len(self.preview.groups)))
                current_group = group_code
                self.outcome(row, GROUP_ROW, group_code)
                self._report_extra_cells(row, group_code)
                continue
            if TASK_CODE.match(code):
                if code in seen_tasks:
                    self.outcome(row, ERROR, code,
                                 _("Task number %(code)s appears twice (first on row %(row)s); this row is not "
                                   "imported") % {"code": code, "row": seen_tasks[code]})
                    current = row.number  # its continuation rows go with it
                    continue
                seen_tasks[code] = row.number
                current = TaskDraft(code=code, row=row.number, sort_order=len(self.preview.tasks),
                                    group_code=current_group)
                current.outcome = self.outcome(row, TASK_ROW, code)
                self._add_parts(current, row, fill_merged=True)
                self.preview.tasks.append(current)
                continue
            if not code:
                if isinstance(current, TaskDraft):
                    self._add_parts(current, row)
                    self.outcome(row, CONTINUATION, current.code,
                                 _("Continues task %(code)s") % {"code": current.code})
                elif current is not None:
                    self.outcome(row, ERROR,
                                 message=_("Continues row %(row)s, which is not imported") % {"row": current})
                else:
                    self.outcome(row, ERROR, message=_("A row without a number that follows no task"))
                continue
            self.outcome(row, ERROR, message=_("“%(code)s” in the number column is neither a task number (1, 2, "
                                               "11.1…) nor a group (I, II…); the row is not imported")
                         % {"code": raw_code[:60]})
            current = row.number

    def _add_parts(self, draft, row, fill_merged=False):
        draft.rows.append(row.number)
        for name in AGENCY_FIELDS + TEXT_FIELDS:
            value = self.cell(row, name, fill_merged=fill_merged)
            if value:
                draft.parts[name].append((row.number, value))

    def _report_extra_cells(self, row, group_code):
        for name in AGENCY_FIELDS + ("product", "deadline"):
            value = self.cell(row, name)
            if value:
                self.preview.problems.append(Problem(
                    P_IGNORED_TEXT, row.number, _("Text in a group row is ignored"), text=_one_line(value),
                    column=name, task_code=group_code))

    # drafts → resolved tasks

    def finish_tasks(self):
        kept = []
        for draft in self.preview.tasks:
            parts = draft.parts
            draft.title = _one_line(" ".join(t for _r, t in parts["title"]))
            for name in AGENCY_FIELDS:
                # A line break inside a cell separates agencies; a continuation row continues the cell.
                text = " ".join(t.replace("\n", "; ") for _r, t in parts[name])
                setattr(draft, f"{name}_text", re.sub(r" {2,}", " ", text).strip())
            draft.product_text = _one_line(" ".join(t for _r, t in parts["product"]))[:500]
            draft.deadline_text = _one_line(" ".join(t for _r, t in parts["deadline"]))[:100]
            draft.responsible_person = _one_line(" ".join(t for _r, t in parts["responsible_person"]))[:200]
            draft.source_article = _one_line(" ".join(t for _r, t in parts["source_article"]))[:200]
            if not draft.title:
                draft.outcome.kind = ERROR
                draft.outcome.message = _("Task %(code)s has no name; it is not imported") % {"code": draft.code}
                continue
            draft.deadline = parse_deadline(draft.deadline_text, reference_year=self.reference_year)
            if not draft.deadline.understood:
                self._problem(draft, P_DEADLINE, "deadline", draft.deadline_text,
                              _("Completion time not understood; kept as written, with no deadline"))
            draft.product_type = self.classifier.classify(draft.product_text)
            self._resolve_agencies(draft)
            kept.append(draft)
        self.preview.tasks = kept

    def _row_of(self, draft, name, text):
        key = search_key(text)
        for row_number, part in draft.parts[name]:
            if key and key in search_key(part):
                return row_number
        return draft.parts[name][0][0] if draft.parts[name] else draft.row

    def _problem(self, draft, kind, column, text, message, candidates=()):
        problem = Problem(kind, self._row_of(draft, column, text), message, text=text, task_code=draft.code,
                          column=column, candidates=[str(c) for c in candidates])
        draft.problems.append(problem)
        self.preview.problems.append(problem)

    def _group_members(self, group):
        if group.pk not in self.members:
            self.members[group.pk] = list(group.member_queryset().order_by("path"))
        return self.members[group.pk]

    def _resolve_agencies(self, draft):
        chosen = {"lead": {}, "coordinating": {}}
        for role in AGENCY_FIELDS:
            text = getattr(draft, f"{role}_text")
            for result in self.resolver.resolve_cell(text) if text else []:
                mention = Mention(role, result.text, result.status, result.via, result.organisation, result.named,
                                  result.group)
                draft.mentions.append(mention)
                original = mention.written = self._original_words(draft, role, result.text)
                if result.status == RESOLVED:
                    org = result.organisation
                    if org.valid_until is not None and org.valid_until < self.on:
                        self._problem(draft, P_DISSOLVED, role, original,
                                      _("%(name)s no longer exists and has no successor; no assignment")
                                      % {"name": org.name})
                        continue
                    if result.via == "fragment":
                        self._problem(draft, P_FRAGMENT, role, original,
                                      _("Read as the end of a cut-off name: %(name)s") % {"name": result.named})
                    chosen[role].setdefault(org.pk, org)
                elif result.status == GROUP:
                    if result.group.needs_selection:
                        self._problem(draft, P_TO_CHOOSE, role, original,
                                      _("“%(group)s”: the agencies are to be chosen; no assignment is created")
                                      % {"group": result.group.name})
                        continue
                    members = self._group_members(result.group)
                    mention.member_count = len(members)
                    for org in members:
                        chosen[role].setdefault(org.pk, org)
                elif result.status == AMBIGUOUS:
                    self._problem(draft, P_AMBIGUOUS, role, original,
                                  _("Several organisations have this name"), candidates=result.candidates)
                else:
                    self._problem(draft, P_NOT_FOUND, role, original, _("No organisation or group has this name"))
        draft.lead = list(chosen["lead"].values())
        # An agency that leads the task is not also a coordinating agency of it.
        draft.coordinating = [o for pk, o in chosen["coordinating"].items() if pk not in chosen["lead"]]

    @staticmethod
    def _original_words(draft, role, folded):
        """The mention as written in the cell (resolve_cell returns folded text)."""
        text = getattr(draft, f"{role}_text")
        if not folded:
            return text
        # resolve_cell drops connectors ("và") between the words it keeps: allow them back.
        pattern = r"[\W_]+(?:(?:va|cung|voi)[\W_]+)?".join(re.escape(w) for w in folded.split())
        pattern = rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"
        match = re.search(pattern, _fold_keep_length(text))
        return text[match.start():match.end()] if match else folded

    # the diff against the plan's current version

    def compute_diff(self):
        plan = self.plan
        existing = {t.code: t for t in plan.tasks.select_related("group", "product_type")}
        active = defaultdict(dict)  # task id → {(role, org id): assignment}
        assignments = (Assignment.objects.filter(task__plan=plan, parent__isnull=True)
                       .exclude(status=Assignment.Status.CANCELLED).select_related("organisation"))
        for a in assignments:
            active[a.task_id][(a.role, a.organisation_id)] = a
        diff = []
        for draft in self.preview.tasks:
            task = existing.get(draft.code)
            if task is None:
                diff.append(TaskChange(draft.code, ADDED, draft=draft,
                                       added_agencies=[("lead", o) for o in draft.lead]
                                       + [("coordinating", o) for o in draft.coordinating]))
                continue
            fields = []
            if task.removed:
                fields.append("restored")
            if _one_line(task.title) != draft.title:
                fields.append("title")
            if (task.group.code if task.group else None) != draft.group_code:
                fields.append("group")
            if task.deadline_text != draft.deadline_text:
                fields.append("deadline")
            if task.product_text != draft.product_text:
                fields.append("product")
            if self.columns["responsible_person"] is not None and task.responsible_person != draft.responsible_person:
                fields.append("responsible_person")
            planned = {("lead", o.pk): o for o in draft.lead} | {("coordinating", o.pk): o for o in draft.coordinating}
            current = active.get(task.pk, {})
            added = [(role, org) for (role, pk), org in planned.items() if (role, pk) not in current]
            removed = [(role, a) for (role, pk), a in current.items() if (role, pk) not in planned]
            for role in AGENCY_FIELDS:
                if any(r == role for r, _o in added) or any(r == role for r, _a in removed):
                    fields.append(role)
            diff.append(TaskChange(draft.code, CHANGED if fields else UNCHANGED, fields, task, draft, added, removed))
        drafted = {d.code for d in self.preview.tasks}
        for code, task in existing.items():
            if code not in drafted and not task.removed:
                removed = [(role, a) for (role, _pk), a in active.get(task.pk, {}).items()]
                diff.append(TaskChange(code, REMOVED, task=task, removed_agencies=removed))
        self.preview.diff = diff

    def build(self):
        self.read_rows()
        self.finish_tasks()
        if self.plan is not None:
            self.compute_diff()
        self.preview.problems.sort(key=lambda p: p.row)
        return self.preview


def _fold_keep_length(text):
    """Fold accents character by character so positions still match the original text."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch not in "đĐ" else "d"
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def build_import_preview(rows, mapping, plan=None, *, plan_fields=None, resolver=None, classifier=None, on=None):
    """The dry run: groups and tasks to create (or the diff for a plan's new version) and every problem.

    rows: a Table (or SourceRows, or lists of cells); mapping: {"header_row": n, "columns": {field: column index}};
    plan: an existing plan to update, or None with plan_fields (kind, number, title, issuer, owner,
    issued_on, implements) for a new one. Writes nothing."""
    if isinstance(rows, (list, tuple)) and rows and not isinstance(rows[0], SourceRow):
        # Plain lists of cells (the demo loader's own data): numbered from 1 like a spreadsheet.
        rows = [SourceRow(number, ["" if c is None else clean_cell(c) for c in cells])
                for number, cells in enumerate(rows, start=1)]
    return _Builder(rows, mapping, plan=plan, plan_fields=plan_fields, resolver=resolver, classifier=classifier,
                    on=on).build()
