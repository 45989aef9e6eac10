from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nq57.audit"
    label = "audit"
    verbose_name = "Audit trail"
