"""Dashboards an organisation builds for itself from panels (a measure, a filter, a chart type).

The national dashboard and every ministry's and province's own dashboard are not stored: they are computed
for a scope (`nq57.dashboards.overview`). What is stored is what a province asked for in the system in service
today: dashboards of its own programmes, key projects and province-assigned tasks, shared inside its scope.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import RestrictedQuerySet


class CustomDashboardQuerySet(RestrictedQuerySet):
    scope_path_field = "owner__path"


class CustomDashboard(models.Model):
    """A named set of panels owned by an organisation; private to its author until shared in the owner's scope.

    Shared: everyone holding VIEW on the owner organisation sees it. Private: only its author (while they still
    hold VIEW on the owner). Every panel is computed on the owner's subtree, so nobody sees more through it
    than their own rights allow."""

    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="custom_dashboards",
                              verbose_name=_("organisation"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    shared = models.BooleanField(_("shared with everyone who may view this organisation"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomDashboardQuerySet.as_manager()

    class Meta:
        ordering = ["owner__path", "title"]
        verbose_name = _("custom dashboard")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dashboards:custom_detail", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.owner


class Panel(models.Model):
    """One figure of a custom dashboard: a measure (`nq57.dashboards.panels.MEASURES`), its filters and a chart.

    `filters` holds only keys the measure accepts, e.g. {"plan": 12, "group": "III", "breakdown": "children",
    "months": 12}; `nq57.dashboards.panels.clean_filters` is the one validator."""

    class Chart(models.TextChoices):
        NUMBER = "number", _("Single figure")
        BAR = "bar", _("Bar chart")
        LINE = "line", _("Line chart (trend)")
        TABLE = "table", _("Table")
        MAP = "map", _("Map of provinces")

    dashboard = models.ForeignKey(CustomDashboard, on_delete=models.CASCADE, related_name="panels")
    title = models.CharField(_("title"), max_length=200)
    measure = models.CharField(_("measure"), max_length=40)
    filters = models.JSONField(default=dict, blank=True)
    chart = models.CharField(_("chart type"), max_length=10, choices=Chart.choices, default=Chart.BAR)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dashboard", "sort_order", "pk"]
        verbose_name = _("panel")

    def __str__(self):
        return self.title

    @property
    def scope_organisation(self):
        return self.dashboard.owner
