"""Importing indicators and targets from a file, in two steps: upload → dry run (every row and its outcome)
→ apply. Between the two steps the file waits under MEDIA_ROOT/imports/indicators/ (as the plan importer
keeps its uploads under MEDIA_ROOT/imports/), named by a random token held in the user's session.

Opening the page needs ASSIGN somewhere; importing for a document needs ASSIGN on its owner, and each row
needs ASSIGN on the indicator's owner agency (rows the user may not manage are shown as not imported).
"""

import datetime
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action
from nq57.plans.models import Plan

from ..importing import ImportFileError, apply_indicators, max_upload_bytes, preview_indicators

SESSION_KEY = "nq57_indicator_import"
STORAGE_DIR = "imports/indicators"
KEEP_FOR = datetime.timedelta(days=1)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Table of indicators"),
                           help_text=gettext_lazy("The published appendix as a Markdown table (.md), an Excel "
                                                  "workbook (.xlsx) or a CSV file (.csv, UTF-8)"))
    source_plan = forms.ModelChoiceField(label=gettext_lazy("Source document"), queryset=Plan.objects.none(),
                                         help_text=gettext_lazy("The indicators are numbered within this document; "
                                                                "importing the same file again changes nothing"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_plan"].queryset = (Plan.objects.restrict(user, Action.ASSIGN)
                                               .select_related("owner").order_by("-issued_on", "title"))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if uploaded.size > limit:
            raise forms.ValidationError(_("The file is larger than %(size)s MB. Split the table, then upload it "
                                          "again.") % {"size": limit // (1024 * 1024)})
        if not uploaded.size:
            raise forms.ValidationError(_("The file is empty."))
        return uploaded


def _forget(request):
    """Drop the waiting upload of this session, file included."""
    stored = request.session.pop(SESSION_KEY, None)
    if stored and stored.get("path", "").startswith(STORAGE_DIR + "/"):
        try:
            default_storage.delete(stored["path"])
        except OSError:
            pass


def _prune(now=None):
    """Remove uploads nobody applied within a day (a preview left open, a closed browser)."""
    now = now or timezone.now()
    try:
        _folders, names = default_storage.listdir(STORAGE_DIR)
        for name in names:
            path = f"{STORAGE_DIR}/{name}"
            if now - default_storage.get_modified_time(path) > KEEP_FOR:
                default_storage.delete(path)
    except (OSError, NotImplementedError):
        pass  # nothing stored yet, or a storage that cannot tell: the files wait for the next upload


def _keep(request, data, filename, plan):
    """Store the uploaded bytes until the user applies them; returns the token the apply form sends back."""
    _forget(request)
    _prune()
    token = secrets.token_hex(16)
    extension = filename[filename.rfind("."):].lower()[:8] if "." in filename else ""
    path = default_storage.save(f"{STORAGE_DIR}/{token}{extension}", ContentFile(data))
    request.session[SESSION_KEY] = {"token": token, "path": path, "filename": filename[:255], "plan": plan.pk}
    return token


class ImportView(LoginRequiredMixin, View):
    """Upload a table of indicators, see the dry run of every row, then apply it."""

    template_name = "indicators/import.html"

    def _guard(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied

    def _render(self, request, form, status=200, **context):
        return render(request, self.template_name,
                      {"form": form, "max_mb": max_upload_bytes() // (1024 * 1024), **context}, status=status)

    def get(self, request):
        self._guard(request)
        initial = {}
        if request.GET.get("plan", "").isdecimal():
            initial["source_plan"] = request.GET["plan"]
        return self._render(request, ImportForm(user=request.user, initial=initial))

    def post(self, request):
        self._guard(request)
        if request.POST.get("step") == "apply":
            return self._apply(request)
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self._render(request, form, status=400)
        uploaded, plan = form.cleaned_data["file"], form.cleaned_data["source_plan"]
        data = uploaded.read()
        try:
            preview = preview_indicators(data, uploaded.name, source_plan=plan, actor=request.user)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self._render(request, form, status=400)
        token = _keep(request, data, uploaded.name, plan)
        return self._render(request, ImportForm(user=request.user, initial={"source_plan": plan.pk}),
                            preview=preview, counts=preview.counts(), token=token, plan=plan)

    def _problem(self, request, message, status=400):
        return self._render(request, ImportForm(user=request.user), status=status, problem=message)

    def _apply(self, request):
        stored = request.session.get(SESSION_KEY)
        token = request.POST.get("token", "")
        if not stored or not token or not secrets.compare_digest(str(stored.get("token", "")), token):
            return self._problem(request, _("The uploaded file is no longer available; upload it again."))
        plan = Plan.objects.select_related("owner").filter(pk=stored.get("plan")).first()
        if plan is None:
            _forget(request)
            return self._problem(request, _("The source document no longer exists; upload the file again."))
        if not can(request.user, Action.ASSIGN, plan):
            raise PermissionDenied
        try:
            with default_storage.open(stored["path"], "rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            request.session.pop(SESSION_KEY, None)
            return self._problem(request, _("The uploaded file is no longer available; upload it again."))
        try:
            preview = preview_indicators(data, stored["filename"], source_plan=plan, actor=request.user)
            result = apply_indicators(preview, actor=request.user, source_plan=plan)
        except ImportFileError as exc:
            return self._problem(request, str(exc))
        except ValidationError as exc:
            return self._problem(request, " ".join(exc.messages))
        _forget(request)
        messages.success(request, _("Imported for %(plan)s: %(created)s indicators created, %(updated)s updated, "
                                    "%(unchanged)s unchanged, %(errors)s rows not imported.")
                         % {"plan": plan, "created": result.created, "updated": result.updated,
                            "unchanged": result.unchanged, "errors": len(preview.errors)})
        return redirect("indicators:index")
