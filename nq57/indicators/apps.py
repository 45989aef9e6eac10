from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "nq57.indicators"
    label = "indicators"
    verbose_name = "KPI index"
