"""nq57 import_plan PATH --number 03/NQ-CP --title … --issuer CP --owner VPTWD [--dry-run]

Imports a table of tasks (XLSX, CSV or Markdown) as a new plan, or as a new version of an existing
plan (--plan ID). Prints the preview summary and every unresolved item by row; --dry-run stops there.
"""

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nq57.core import context as write_context
from nq57.orgs.models import Organisation
from nq57.plans.importing import ImportFileError, apply_import, ensure_product_types, preview_file
from nq57.plans.importing.preview import ADDED, CHANGED, REMOVED
from nq57.plans.models import Plan


def _organisation(code, option):
    org = Organisation.objects.filter(code__iexact=code).first()
    if org is None:
        raise CommandError(f"{option}: no organisation has the code {code!r}")
    return org


class Command(BaseCommand):
    help = "Import a table of tasks as a plan (or a new version of a plan); --dry-run only shows the preview."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--plan", type=int, help="id of an existing plan to update (a new version)")
        parser.add_argument("--kind", default=Plan.DocumentKind.RESOLUTION, choices=Plan.DocumentKind.values)
        parser.add_argument("--number", default="")
        parser.add_argument("--title", default="")
        parser.add_argument("--issuer", help="code of the issuing body, e.g. CP")
        parser.add_argument("--owner", help="code of the assigning body, e.g. VPTWD")
        parser.add_argument("--issued-on", help="YYYY-MM-DD")
        parser.add_argument("--implements", type=int, help="id of the plan this document implements")
        parser.add_argument("--sheet", help="worksheet name (XLSX; default: the first)")
        parser.add_argument("--dry-run", action="store_true", help="show what would be done and write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        plan, fields = None, None
        if options["plan"]:
            plan = Plan.objects.filter(pk=options["plan"]).first()
            if plan is None:
                raise CommandError(f"--plan: no plan has the id {options['plan']}")
        else:
            if not (options["title"] and options["issuer"] and options["owner"]):
                raise CommandError("a new plan needs --title, --issuer and --owner (or give --plan ID)")
            try:
                issued_on = datetime.date.fromisoformat(options["issued_on"]) if options["issued_on"] else None
            except ValueError as exc:
                raise CommandError("--issued-on: use YYYY-MM-DD") from exc
            fields = {
                "kind": options["kind"], "number": options["number"], "title": options["title"],
                "issuer": _organisation(options["issuer"], "--issuer"),
                "owner": _organisation(options["owner"], "--owner"), "issued_on": issued_on,
                "implements": Plan.objects.filter(pk=options["implements"]).first() if options["implements"] else None,
            }
        with write_context.using(source="command", actor_label="import_plan"):
            ensure_product_types()
            try:
                _table, mapping, preview = preview_file(options["path"], plan=plan, plan_fields=fields,
                                                        sheet=options["sheet"])
            except (ImportFileError, OSError) as exc:
                raise CommandError(str(exc)) from exc
            self._report(preview, mapping, options)
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing written.")
                return
            try:
                result = apply_import(preview, actor=None)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Plan {result.plan.pk} ({result.plan}) version {result.version}: {result.tasks_created} tasks created, "
            f"{result.tasks_changed} changed, {result.tasks_removed} removed, {result.assignments_created} "
            f"assignments created, {result.assignments_cancelled} cancelled."))

    def _report(self, preview, mapping, options):
        if options["json"]:
            self.stdout.write(json.dumps(preview.summary(), ensure_ascii=False, indent=2))
            return
        counts = preview.counts()
        columns = ", ".join(f"{name}={index}" for name, index in mapping["columns"].items() if index is not None)
        self.stdout.write(f"Header row {mapping['header_row']}; columns: {columns}")
        self.stdout.write(
            f"{counts['rows']} rows: {counts['groups']} groups, {counts['tasks']} tasks, {counts['continuations']} "
            f"continuation rows merged, {counts['ignored_rows']} ignored, {counts['error_rows']} not imported")
        self.stdout.write(
            f"{counts['assignments']} assignments ({counts['lead_assignments']} lead, "
            f"{counts['coordinating_assignments']} coordinating); {counts['unresolved']} agencies not resolved, "
            f"{counts['to_choose']} to be chosen, {counts['deadlines_not_understood']} completion times not understood")
        if preview.diff is not None:
            self.stdout.write(f"Changes: {counts[ADDED]} added, {counts[CHANGED]} changed, {counts[REMOVED]} removed, "
                              f"{counts['unchanged']} unchanged")
            for change in preview.diff:
                if change.change in (ADDED, CHANGED, REMOVED):
                    self.stdout.write(f"  {change.code}: {change.change} {', '.join(change.fields)}")
        for row in preview.errors:
            self.stdout.write(f"  row {row.number}: {row.message}")
        for problem in preview.problems:
            where = ", ".join(filter(None, [problem.task_code, problem.column]))
            self.stdout.write(f"  row {problem.row} ({where}): {problem.text!r} — {problem.message}")
