"""The early-warning page of a scope: what will be late and why, most severe first, with the responsible agency;
filters by kind and by agency, counts per kind as chips, CSV export (?format=csv).

A scope is an organisation inside the user's VIEW subtree (no national exception: a province leader sees only
the province). Lists are capped (PAGE_LIMIT on screen, EXPORT_LIMIT in the CSV); the counts are always complete.
"""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can_anywhere
from nq57.core.roles import Action
from nq57.indicators.exports import table_response
from nq57.indicators.queries import national_root
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, PROVINCE_KINDS, Organisation

from .views_overview import dashboard_scope, selector_groups
from .warnings import KINDS, early_warnings

PANEL_SIZE = 10
PAGE_LIMIT = 200
EXPORT_LIMIT = 5000
MAX_ID = 2**31 - 1


class WarningsForm(forms.Form):
    scope = forms.IntegerField(label=gettext_lazy("Scope"), required=False, min_value=1, max_value=MAX_ID)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *KINDS.items()])
    agency = forms.IntegerField(label=gettext_lazy("Responsible agency"), required=False, min_value=1,
                               max_value=MAX_ID)
    format = forms.ChoiceField(required=False, choices=[("", ""), ("csv", "CSV")])


def agency_choices(scope):
    """Agencies offered in the filter: the scope, its direct units, and the ministries and provinces inside it."""
    return list(Organisation.objects.active().filter(path__startswith=scope.path)
                .filter(Q(pk=scope.pk) | Q(parent=scope) | Q(kind__in=CENTRAL_AGENCY_KINDS | PROVINCE_KINDS))
                .only("pk", "name", "path", "kind", "sort_order").order_by("path"))


class WarningsView(LoginRequiredMixin, View):
    """Early warnings of one scope; ?scope=&kind=&agency=&format=csv."""

    def get(self, request):
        user = request.user
        if not can_anywhere(user, Action.VIEW):
            raise PermissionDenied
        root = national_root()
        form = WarningsForm(request.GET)
        if not form.is_valid():
            return render(request, "dashboards/warnings.html", {"form": form, "invalid": True}, status=400)
        data = form.cleaned_data
        scope = dashboard_scope(user, data["scope"], root)
        agency = None
        if data["agency"] is not None:
            agency = Organisation.objects.filter(pk=data["agency"], path__startswith=scope.path).first()
            if agency is None:
                form.add_error("agency", _("This organisation is not inside the chosen scope."))
                return render(request, "dashboards/warnings.html", {"form": form, "invalid": True, "scope": scope},
                              status=400)
        kind = data["kind"] or None
        export = data["format"] == "csv"
        warnings, counts = early_warnings(scope, today=timezone.localdate(), kinds=[kind] if kind else None,
                                          agency=agency, limit=EXPORT_LIMIT if export else PAGE_LIMIT)
        if export:
            return _csv(request, scope, warnings)
        for warning in warnings:
            # A submission led in the scope may be held outside it: its holder cannot be a filter here.
            warning.filterable = getattr(warning.agency, "path", "").startswith(scope.path)
        shown_total = counts[kind] if kind else counts.total
        return render(request, "dashboards/warnings.html", {
            "form": form, "scope": scope, "root": root, "kind": kind, "agency": agency,
            "warnings": warnings, "warning_counts": counts, "shown_total": shown_total,
            "truncated": shown_total > len(warnings), "page_limit": PAGE_LIMIT,
            "scopes": selector_groups(user, root, scope), "agencies": agency_choices(scope),
        })


class WarningsPanelView(LoginRequiredMixin, View):
    """The dashboard's panel alone (the PANEL_SIZE most severe and the counts), e.g. for a page that loads it
    after its own figures; ?scope= as on the page."""

    def get(self, request):
        if not can_anywhere(request.user, Action.VIEW):
            raise PermissionDenied
        form = WarningsForm(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Unknown scope."))
        scope = dashboard_scope(request.user, form.cleaned_data["scope"], national_root())
        warnings, counts = early_warnings(scope, today=timezone.localdate(), limit=PANEL_SIZE)
        return render(request, "dashboards/_warnings_panel.html",
                      {"warnings": warnings, "warning_counts": counts, "scope": scope})


def _csv(request, scope, warnings):
    columns = [(_("Severity"), 10, "text"), (_("Kind"), 20, "text"), (_("Subject"), 60, "text"),
               (_("Reason"), 60, "text"), (_("Responsible agency"), 40, "text"), (_("Due date"), 12, "date"),
               (_("Days left"), 10, "number"), (_("Link"), 40, "text")]
    rows = [[w.severity_label, w.kind_label, w.subject, w.reason, w.agency_name, w.due, w.days_left,
             request.build_absolute_uri(w.url)] for w in warnings]
    return table_response("csv", filename=f"early-warnings-{scope.code}", sheet_title=_("Early warnings"),
                          columns=columns, rows=rows)
