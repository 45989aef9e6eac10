from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "nq57.plans"
    label = "plans"
    verbose_name = "Plans and tasks"
