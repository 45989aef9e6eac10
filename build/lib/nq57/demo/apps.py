from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nq57.demo"
    label = "demo"
    verbose_name = "Demo dataset"
