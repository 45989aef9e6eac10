"""nq57 import_indicators PATH --plan 03/NQ-CP [--dry-run] [--json]

Imports a table of indicators and targets (the published Markdown appendix, or XLSX/CSV) for a document
already tracked as a plan (its number or id). Prints the dry-run summary, every row not imported, every
warning and every owner found through a former name; --dry-run stops there. Re-importing the same file
changes nothing.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nq57.core import context as write_context
from nq57.indicators.importing import ImportFileError, apply_indicators, preview_indicators
from nq57.plans.models import Plan


def find_plan(text):
    """The plan with this number ("03/NQ-CP") or id; CommandError if none or several."""
    text = (text or "").strip()
    plans = list(Plan.objects.filter(number__iexact=text)[:2])
    if not plans and text.isdecimal():
        plans = list(Plan.objects.filter(pk=int(text)))
    if not plans:
        raise CommandError(f"--plan: no plan has the number or id {text!r}")
    if len(plans) > 1:
        raise CommandError(f"--plan: several plans have the number {text!r}; give the plan's id")
    return plans[0]


class Command(BaseCommand):
    help = "Import indicators and their targets for a plan from a table (.md, .csv, .xlsx); --dry-run only shows."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--plan", required=True, help="number (e.g. 03/NQ-CP) or id of the source document")
        parser.add_argument("--dry-run", action="store_true", help="show what would be done and write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        plan = find_plan(options["plan"])
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        with write_context.using(source="command", actor_label="import_indicators"):
            try:
                preview = preview_indicators(data, path.name, source_plan=plan)
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
            self._report(preview, options)
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing written.")
                return
            try:
                result = apply_indicators(preview, actor=None, source_plan=plan)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{plan}: {result.created} indicators created, {result.updated} updated, {result.unchanged} unchanged; "
            f"{result.targets_set} targets and {result.baselines_set} baselines set."))

    def _report(self, preview, options):
        if options["json"]:
            self.stdout.write(json.dumps(preview.summary(), ensure_ascii=False, indent=2))
            return
        c = preview.counts()
        self.stdout.write(f"Header row {preview.header_row}; source {preview.source_article}")
        self.stdout.write(
            f"{c['rows']} rows: {c['indicators']} indicators, {c['grouping']} grouping, {c['sections']} sections, "
            f"{c['ignored']} ignored, {c['errors']} errors")
        self.stdout.write(
            f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged; {c['targets']} targets "
            f"({c['qualitative']} qualitative); {c['via_history']} owners resolved via history; "
            f"{c['warnings']} warnings")
        for draft in preview.drafts:
            if draft.change == "changed":
                self.stdout.write(f"  {draft.code}: changed {', '.join(draft.changed_fields)}")
        for row in preview.errors:
            self.stdout.write(f"  row {row.number} ({row.code or '-'}): {row.message}")
        for draft, warning in preview.warnings:
            self.stdout.write(f"  row {draft.row} ({draft.code}): {warning}")
        for draft in preview.via_history:
            self.stdout.write(f"  row {draft.row} ({draft.code}): {draft.owner_named} → {draft.owner}")
