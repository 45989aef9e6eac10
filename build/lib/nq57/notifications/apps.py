from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nq57.notifications"
    label = "notifications"
    verbose_name = "Notifications"
