"""The Excel way in: download an organisation's template, upload it filled, read the report row by row.

Both pages need REPORT on the organisation (the officers who enter its values). An upload is read and
saved synchronously: 10,000 rows stay within 30 seconds (see docs/benchmarks.md), and the report lists
the rows in error first, with the row number Excel shows, so the user corrects the file and uploads it
again; saved rows are updated in place, never duplicated.
"""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.orgs.models import Organisation

from ..xlsx import MAX_UPLOAD_BYTES, UploadError, build_template, read_upload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def organisation_to_report(user, pk):
    """The organisation, if the user may enter its values (404 when there is none, 403 when out of scope)."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can(user, Action.REPORT, organisation):
        raise PermissionDenied
    return organisation


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled template"),
                           help_text=gettext_lazy("The Excel file (.xlsx) downloaded from this page; at most 5 MB"))
    submit = forms.BooleanField(label=gettext_lazy("Submit the saved values for approval"), required=False,
                                help_text=gettext_lazy("Leave it unticked to keep the values as drafts you can "
                                                       "still change."))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB: upload the template with its values "
                                          "only.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return uploaded


class TemplateView(LoginRequiredMixin, View):
    """The organisation's template: its owed indicators × the periods ended and not yet approved."""

    def get(self, request, org):
        organisation = organisation_to_report(request.user, org)
        today = timezone.localdate()
        content = build_template(organisation, today=today, lang=translation.get_language())
        response = HttpResponse(content, content_type=XLSX_TYPE)
        name = f"mau-so-lieu-{organisation.code}-{today.isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class UploadView(LoginRequiredMixin, View):
    """Upload the filled template; the same page then shows what became of every row."""

    template_name = "indicators/upload.html"

    def _render(self, request, organisation, form, result=None, status=200):
        return render(request, self.template_name, {
            "organisation": organisation, "form": form, "result": result,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        }, status=status)

    def get(self, request, org):
        organisation = organisation_to_report(request.user, org)
        return self._render(request, organisation, UploadForm())

    def post(self, request, org):
        organisation = organisation_to_report(request.user, org)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, organisation, form, status=400)
        try:
            result = read_upload(form.cleaned_data["file"].read(), organisation, actor=request.user,
                                 submit=form.cleaned_data["submit"])
        except UploadError as exc:
            form.add_error("file", str(exc))
            return self._render(request, organisation, form, status=400)
        # A fresh form: the user uploads the corrected file again (the checkbox keeps its choice).
        form = UploadForm(initial={"submit": form.cleaned_data["submit"]})
        return self._render(request, organisation, form, result=result)
