"""Importing a plan from a file, in four steps: upload → columns → preview → confirm.

The file and the chosen mapping live in an ImportJob (database + MEDIA_ROOT/imports/), not in the
session, so a step can be reloaded or resumed later. Only holders of ASSIGN on the assigning body
(the standing office of the plan's owner) may run an import; every error is a clear message.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can, can_anywhere, scope_paths
from nq57.core.roles import Action
from nq57.orgs.models import Organisation
from nq57.orgs.resolution import AMBIGUOUS, RESOLVED, Resolver

from .importing import FIELDS, ImportFileError
from .importing.jobs import (clean_mapping, create_import_job, job_preview, job_table, max_upload_bytes,
                             run_import_job, set_import_mapping)
from .importing.readers import HEADER_SEARCH_ROWS, XLSX, column_label, initial_mapping, propose_mapping
from .models import ImportJob, Plan

SAMPLE_ROWS = 5
NOT_MAPPED = ""


def plan_url(plan, job=None):
    """The plan's page; the import's own page while plan pages are not routed."""
    try:
        return plan.get_absolute_url()
    except NoReverseMatch:
        return reverse("plans:import_job", args=[job.pk]) if job else ""


# --- Forms ------------------------------------------------------------------------------------


class OrganisationField(forms.CharField):
    """An organisation typed as its code or its name (resolved through the name-resolution service)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", gettext_lazy("Code (e.g. CP, VPTWD) or name"))
        super().__init__(**kwargs)

    def clean(self, value):
        text = (super().clean(value) or "").replace("\x00", "").strip()
        if not text:
            return None
        by_code = Organisation.objects.filter(code__iexact=text).first()
        if by_code is not None:
            return by_code
        result = Resolver().resolve(text)
        if result.status == RESOLVED:
            return result.organisation
        if result.status == AMBIGUOUS:
            choices = "; ".join(f"{c.name} ({c.code})" for c in result.candidates[:8])
            raise forms.ValidationError(_("Several organisations have this name; type the code: %(choices)s")
                                        % {"choices": choices})
        raise forms.ValidationError(_("No organisation has this code or name."))


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Table of tasks"),
                           help_text=gettext_lazy("Excel (.xlsx), CSV (.csv, UTF-8) or a Markdown table (.md); "
                                                  "at most 10 MB"))
    plan = forms.ModelChoiceField(label=gettext_lazy("Update an existing plan"), queryset=Plan.objects.none(),
                                  required=False,
                                  help_text=gettext_lazy("Choose a plan to import a new version of it; leave empty "
                                                         "to create a new plan from the document below"))
    kind = forms.ChoiceField(label=gettext_lazy("Document type"), choices=Plan.DocumentKind.choices,
                             initial=Plan.DocumentKind.RESOLUTION)
    number = forms.CharField(label=gettext_lazy("Number"), max_length=60, required=False,
                             help_text=gettext_lazy("e.g. 03/NQ-CP"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500, required=False)
    issuer = OrganisationField(label=gettext_lazy("Issuing body"), required=False)
    issued_on = forms.DateField(label=gettext_lazy("Issued on"), required=False,
                                help_text=gettext_lazy("dd/mm/yyyy"))
    owner = OrganisationField(label=gettext_lazy("Assigning body"), required=False,
                              help_text=gettext_lazy("The body that administers the plan (code or name); you must "
                                                     "hold the right to assign tasks there"))
    implements = forms.ModelChoiceField(label=gettext_lazy("Implements"), queryset=Plan.objects.none(),
                                        required=False, help_text=gettext_lazy("The document this plan carries out"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["plan"].queryset = Plan.objects.restrict(user, Action.ASSIGN).order_by("-issued_on", "title")
        self.fields["implements"].queryset = Plan.objects.restrict(user, Action.VIEW).order_by("-issued_on", "title")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > max_upload_bytes():
            raise forms.ValidationError(_("The file is larger than %(size)s MB. Split the table or remove images "
                                          "and other sheets, then upload it again.")
                                        % {"size": max_upload_bytes() // (1024 * 1024)})
        return uploaded

    def clean(self):
        data = super().clean()
        if data.get("plan") is not None:
            return data
        for name, message in (("title", _("Enter the title of the document.")),
                              ("issuer", _("Enter the issuing body.")),
                              ("owner", _("Enter the assigning body."))):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        owner = data.get("owner")
        if owner is not None and not can(self.user, Action.ASSIGN, owner):
            self.add_error("owner", _("You may not assign tasks for this body."))
        return data


def default_owner(user):
    """The body where the user holds ASSIGN (the first of their scopes), to prefill the form."""
    paths = scope_paths(user, Action.ASSIGN)
    if paths is None:
        return Organisation.objects.filter(code="VPTWD").first()
    return Organisation.objects.filter(path__in=paths).order_by("depth").first()


def mapping_form(table, mapping, data=None):
    """A form of selects: sheet (workbooks), header row, and the column of each field."""
    columns = [(NOT_MAPPED, _("— not in the table —"))]
    header = table.row(mapping.get("header_row"))
    for index in range(table.width):
        name = header.cell(index) if header else ""
        columns.append((str(index), f"{column_label(index)}: {name[:60]}" if name else column_label(index)))
    rows = [(str(r.number), _("Row %(number)s: %(text)s") % {"number": r.number,
                                                               "text": " | ".join(c for c in r.cells if c)[:100]})
            for r in table.rows[:HEADER_SEARCH_ROWS]]
    form = forms.Form(data)
    if table.kind == XLSX and len(table.sheet_names) > 1:
        form.fields["sheet"] = forms.ChoiceField(label=_("Sheet"), choices=[(s, s) for s in table.sheet_names],
                                                 initial=table.sheet)
    form.fields["header_row"] = forms.TypedChoiceField(label=_("Header row"), choices=rows, coerce=int,
                                                       initial=str(mapping.get("header_row")))
    for name, label, _names in FIELDS:
        index = mapping.get("columns", {}).get(name)
        form.fields[name] = forms.ChoiceField(label=label, choices=columns, required=False,
                                              initial=NOT_MAPPED if index is None else str(index))
    return form


# --- Views ------------------------------------------------------------------------------------


def _job(user, pk):
    job = get_object_or_404(ImportJob.objects.select_related("owner", "plan"), pk=pk)
    if not can(user, Action.ASSIGN, job.owner):
        raise PermissionDenied
    return job


def _file_problem(request, message, job=None):
    return render(request, "plans/import/problem.html", {"message": message, "job": job}, status=400)


class ImportStartView(LoginRequiredMixin, View):
    """Step 1: upload the table and say which document it is (or which plan it updates)."""

    def _guard(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied

    def _render(self, request, form, status=200):
        return render(request, "plans/import/start.html",
                      {"form": form, "max_mb": max_upload_bytes() // (1024 * 1024)}, status=status)

    def get(self, request):
        self._guard(request)
        owner = default_owner(request.user)
        initial = {"owner": owner.code if owner else ""}
        if request.GET.get("plan", "").isdecimal():
            initial["plan"] = request.GET["plan"]
        return self._render(request, UploadForm(user=request.user, initial=initial))

    def post(self, request):
        self._guard(request)
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            uploaded = data["file"]
            document = {
                "kind": data["kind"], "number": data["number"].strip(), "title": data["title"].strip(),
                "issuer_id": data["issuer"].pk if data["issuer"] else None,
                "issued_on": data["issued_on"].isoformat() if data["issued_on"] else None,
                "implements_id": data["implements"].pk if data["implements"] else None,
            }
            try:
                job = create_import_job(actor=request.user, name=uploaded.name, data=uploaded.read(),
                                        owner=data["owner"], plan=data["plan"], document=document)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            except PermissionDenied:
                form.add_error(None, _("You may not assign tasks for this body."))
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return redirect("plans:import_mapping", pk=job.pk)
        return self._render(request, form, status=400)


class ImportMappingView(LoginRequiredMixin, View):
    """Step 2: confirm or change the header row and the column of each field."""

    def _render(self, request, job, table, form, status=200):
        header = job.mapping.get("header_row") or 0
        sample = [r for r in table.rows if r.number > header][:SAMPLE_ROWS]
        return render(request, "plans/import/mapping.html", {
            "job": job, "form": form, "sample": sample, "header": table.row(header),
            "letters": [column_label(i) for i in range(table.width)],
        }, status=status)

    def get(self, request, pk):
        job = _job(request.user, pk)
        if job.status == ImportJob.Status.APPLIED:
            return redirect("plans:import_job", pk=job.pk)
        try:
            table = job_table(job)
        except ImportFileError as exc:
            return _file_problem(request, str(exc), job)
        return self._render(request, job, table, mapping_form(table, job.mapping))

    def post(self, request, pk):
        job = _job(request.user, pk)
        if job.status == ImportJob.Status.APPLIED:
            return redirect("plans:import_job", pk=job.pk)
        sheet = request.POST.get("sheet") or job.mapping.get("sheet")
        try:
            table = job_table(job, sheet=sheet)
        except ImportFileError as exc:
            return _file_problem(request, str(exc), job)
        if sheet != job.mapping.get("sheet"):
            # Another sheet: detect its header and columns afresh, then let the user check them.
            try:
                mapping = initial_mapping(table)
            except ImportFileError as exc:
                return _file_problem(request, str(exc), job)
            set_import_mapping(actor=request.user, job=job, mapping=mapping, confirmed=False)
            messages.info(request, _("The sheet changed: check the header row and the columns."))
            return self._render(request, job, table, mapping_form(table, mapping))
        form = mapping_form(table, job.mapping, request.POST)
        if not form.is_valid():
            return self._render(request, job, table, form, status=400)
        data = form.cleaned_data
        if data["header_row"] != job.mapping.get("header_row"):
            # Another header row: propose the columns it names, then let the user check them.
            columns = propose_mapping(table.row(data["header_row"]).cells)
            mapping = {"sheet": table.sheet, "header_row": data["header_row"],
                       "columns": {name: columns.get(name) for name, _label, _n in FIELDS}}
            set_import_mapping(actor=request.user, job=job, mapping=mapping, confirmed=False)
            messages.info(request, _("The header row changed: check the columns."))
            return self._render(request, job, table, mapping_form(table, mapping))
        chosen = {"sheet": table.sheet, "header_row": data["header_row"],
                  "columns": {name: None if data[name] == NOT_MAPPED else int(data[name])
                              for name, _label, _n in FIELDS}}
        try:
            mapping = clean_mapping(chosen, table)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            return self._render(request, job, table, form, status=400)
        set_import_mapping(actor=request.user, job=job, mapping=mapping)
        return redirect("plans:import_preview", pk=job.pk)


class ImportPreviewView(LoginRequiredMixin, View):
    """Step 3: what would be created or changed, and every problem by row; confirming writes it (step 4)."""

    def _preview(self, request, job):
        try:
            return job_preview(job), None
        except ImportFileError as exc:
            return None, _file_problem(request, str(exc), job)

    def get(self, request, pk):
        job = _job(request.user, pk)
        if job.status == ImportJob.Status.APPLIED:
            return redirect("plans:import_job", pk=job.pk)
        preview, problem = self._preview(request, job)
        if problem:
            return problem
        return render(request, "plans/import/preview.html", {"job": job, "preview": preview,
                                                             "counts": preview.counts()})

    def post(self, request, pk):
        job = _job(request.user, pk)
        if job.status == ImportJob.Status.APPLIED:
            messages.info(request, _("This file has already been imported."))
            return redirect("plans:import_job", pk=job.pk)
        try:
            job, result = run_import_job(actor=request.user, job=job)
        except ImportFileError as exc:
            return _file_problem(request, str(exc), job)
        except ValidationError as exc:
            return _file_problem(request, " ".join(exc.messages), job)
        if result.version == 1:
            messages.success(request, _("Imported: %(tasks)s tasks, %(assignments)s assignments.")
                             % {"tasks": result.tasks_created, "assignments": result.assignments_created})
        else:
            messages.success(request, _("Version %(version)s imported: %(added)s tasks added, %(changed)s changed, "
                                        "%(removed)s removed.")
                             % {"version": result.version, "added": result.tasks_created,
                                "changed": result.tasks_changed, "removed": result.tasks_removed})
        return redirect(plan_url(result.plan, job))


class ImportJobView(LoginRequiredMixin, View):
    """An import's outcome (or where it stands), with the problems it reported."""

    def get(self, request, pk):
        job = _job(request.user, pk)
        return render(request, "plans/import/job.html", {"job": job, "result": job.result or {},
                                                         "plan_url": plan_url(job.plan) if job.plan_id else ""})
