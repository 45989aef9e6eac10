"""Pages of custom dashboards: the list, a new dashboard, a dashboard with its panels, and building a panel in
two steps (a measure, then its filters and chart) that work without JavaScript; with htmx the second step
follows the choice of measure in place.

Anonymous visitors are sent to the login page; signed-in users who may not see or edit a dashboard get 403.
"""

import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.forms import add_service_errors
from nq57.indicators.queries import require_viewer  # role holders only

from . import actions
from .forms_custom import DashboardForm, MeasureForm, PanelForm
from .models import CustomDashboard, Panel
from .panels import MEASURES, render_panels


def dashboard_or_403(user, pk, *, edit=False):
    """The dashboard if the user may see it (and edit it, with `edit`): 404 when there is none, else 403."""
    dashboard = get_object_or_404(CustomDashboard.objects.select_related("owner", "created_by"), pk=pk)
    if not actions.can_see_dashboard(user, dashboard):
        raise PermissionDenied
    if edit and not actions.can_edit_dashboard(user, dashboard):
        raise PermissionDenied
    return dashboard


class DashboardListView(LoginRequiredMixin, View):
    """The dashboards the user may open, by organisation."""

    def get(self, request):
        require_viewer(request.user)
        dashboards = (actions.visible_dashboards(request.user).select_related("owner", "created_by")
                      .annotate(panel_count=Count("panels")).order_by("owner__path", "title", "pk"))
        return render(request, "dashboards/custom_list.html", {"dashboards": dashboards})


class DashboardCreateView(LoginRequiredMixin, View):
    def get(self, request):
        require_viewer(request.user)
        return render(request, "dashboards/custom_form.html", {"form": DashboardForm(user=request.user)})

    def post(self, request):
        require_viewer(request.user)
        form = DashboardForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dashboard = actions.create_dashboard(actor=request.user, owner=data["owner"], title=data["title"],
                                                     description=data["description"], shared=data["shared"])
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The dashboard was created. Add its first panel."))
                return redirect(dashboard)
        return render(request, "dashboards/custom_form.html", {"form": form}, status=400)


class DashboardDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk)
        panels = list(dashboard.panels.order_by("sort_order", "pk"))
        return render(request, "dashboards/custom_detail.html", {
            "dashboard": dashboard, "panels": render_panels(panels, dashboard.owner),
            "may_edit": actions.can_edit_dashboard(request.user, dashboard)})


class DashboardEditView(LoginRequiredMixin, View):
    def get(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk, edit=True)
        return render(request, "dashboards/custom_form.html",
                      {"form": DashboardForm(instance=dashboard), "dashboard": dashboard})

    def post(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk, edit=True)
        # The form works on a copy: the service compares the saved values with the new ones.
        form = DashboardForm(request.POST, instance=copy.copy(dashboard))
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_dashboard(actor=request.user, dashboard=dashboard, title=data["title"],
                                         description=data["description"], shared=data["shared"])
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The dashboard was saved."))
                return redirect(dashboard)
        return render(request, "dashboards/custom_form.html", {"form": form, "dashboard": dashboard}, status=400)


class DashboardDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk, edit=True)
        actions.delete_dashboard(actor=request.user, dashboard=dashboard)
        messages.success(request, _("The dashboard “%(title)s” was deleted.") % {"title": dashboard.title})
        return redirect("dashboards:custom_list")


# --- panels -------------------------------------------------------------------------------------------------


def panel_or_403(user, pk):
    """The panel, if the user may edit its dashboard (404 when there is none, else 403)."""
    panel = get_object_or_404(Panel.objects.select_related("dashboard__owner", "dashboard__created_by"), pk=pk)
    if not actions.can_see_dashboard(user, panel.dashboard) or not actions.can_edit_dashboard(user, panel.dashboard):
        raise PermissionDenied
    return panel


class PanelFormMixin:
    """Step one (the measure, by GET) and step two (filters and chart, by POST) on one page."""

    template_name = "dashboards/custom_panel_form.html"

    def page(self, request, dashboard, *, measure, form=None, panel=None, status=200):
        measure_form = MeasureForm(initial={"measure": measure})
        if measure and measure not in MEASURES:
            # An unknown ?measure= (typed or stale): say so on step one.
            measure_form = MeasureForm({"measure": measure})
            measure_form.is_valid()
            measure, status = None, 400
        if form is None and measure:
            form = PanelForm(owner=dashboard.owner, measure=measure, initial=self.initial(panel, measure))
        return render(request, self.template_name, {
            "dashboard": dashboard, "panel": panel, "measure_form": measure_form, "form": form,
            "measure": MEASURES.get(measure) if measure else None,
            "measures": list(MEASURES.values())}, status=status)

    def initial(self, panel, measure):
        if panel is None or panel.measure != measure:
            return {}
        return {"title": panel.title, "chart": panel.chart,
                **{name: str(value) for name, value in (panel.filters or {}).items()}}

    def bound_form(self, request, dashboard):
        measure = request.POST.get("measure", "")
        if measure not in MEASURES:
            return None, measure
        return PanelForm(request.POST, owner=dashboard.owner, measure=measure), measure


class PanelCreateView(LoginRequiredMixin, PanelFormMixin, View):
    def get(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk, edit=True)
        return self.page(request, dashboard, measure=request.GET.get("measure", ""))

    def post(self, request, pk):
        dashboard = dashboard_or_403(request.user, pk, edit=True)
        form, measure = self.bound_form(request, dashboard)
        if form is None:
            return self.page(request, dashboard, measure=measure or "?")
        if form.is_valid():
            data = form.cleaned_data
            try:
                panel = actions.add_panel(actor=request.user, dashboard=dashboard, measure=measure,
                                          chart=data["chart"], filters=data["filters"], title=data["title"])
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The panel “%(title)s” was added.") % {"title": panel.title})
                return redirect(f"{dashboard.get_absolute_url()}#panel-{panel.pk}")
        return self.page(request, dashboard, measure=measure, form=form, status=400)


class PanelEditView(LoginRequiredMixin, PanelFormMixin, View):
    def get(self, request, pk):
        panel = panel_or_403(request.user, pk)
        return self.page(request, panel.dashboard, measure=request.GET.get("measure") or panel.measure, panel=panel)

    def post(self, request, pk):
        panel = panel_or_403(request.user, pk)
        dashboard = panel.dashboard
        form, measure = self.bound_form(request, dashboard)
        if form is None:
            return self.page(request, dashboard, measure=measure or "?", panel=panel)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_panel(actor=request.user, panel=panel, measure=measure, chart=data["chart"],
                                     filters=data["filters"], title=data["title"])
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The panel “%(title)s” was saved.") % {"title": panel.title})
                return redirect(f"{dashboard.get_absolute_url()}#panel-{panel.pk}")
        return self.page(request, dashboard, measure=measure, form=form, panel=panel, status=400)


class PanelDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        panel = panel_or_403(request.user, pk)
        actions.delete_panel(actor=request.user, panel=panel)
        messages.success(request, _("The panel “%(title)s” was removed.") % {"title": panel.title})
        return redirect(panel.dashboard)


class PanelMoveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        panel = panel_or_403(request.user, pk)
        direction = request.POST.get("direction", "")
        if direction not in ("up", "down"):
            messages.error(request, _("Move a panel up or down."))
            return redirect(panel.dashboard)
        actions.move_panel(actor=request.user, panel=panel, direction=direction)
        return redirect(reverse("dashboards:custom_detail", args=[panel.dashboard_id]) + f"#panel-{panel.pk}")
