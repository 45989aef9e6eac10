from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "nq57.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards, rankings and early warnings"
