"""Periodic reports generated from the plans, indicators and feedback of a scope, as Word, PDF and Excel.

A Report is one request: a scope, a period (month, quarter, half-year or year), a language and the
particulars of the administrative document (number, place, recipients). The worker fills it in
(`nq57.reports.tasks.generate_report`), recording its progress; a ReportSchedule creates and e-mails one
after each period ends.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import RestrictedQuerySet


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF = "half", _("Six-monthly")
    YEAR = "year", _("Yearly")


class ReportQuerySet(RestrictedQuerySet):
    scope_path_field = "scope__path"


def report_path(instance, filename):
    # A random name under reports/: the file name users see is built by the download view.
    import uuid

    return f"reports/{uuid.uuid4().hex}{filename[filename.rfind('.'):]}"


class Report(models.Model):
    """One generated periodic report of a scope: its request, its progress and its three files."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being generated")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    scope = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="reports",
                              verbose_name=_("scope"))
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="vi")
    # The particulars of the administrative document (Decree 30/2020/NĐ-CP): number, place, recipients.
    number = models.CharField(_("document number"), max_length=60, blank=True, help_text=_("e.g. 15/BC-BCĐ"))
    place = models.CharField(_("place"), max_length=100, blank=True, help_text=_("e.g. Hà Nội"))
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("One per line (Nơi nhận)"))
    signer_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    signer_name = models.CharField(_("signatory's name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    step = models.CharField(max_length=200, blank=True)  # what the worker is doing now, shown with the progress
    error = models.TextField(blank=True)
    # The summary figures of the period (and of the previous one), machine-readable: the report's own record.
    figures = models.JSONField(default=dict, blank=True)
    docx = models.FileField(upload_to=report_path, max_length=255, blank=True)
    pdf = models.FileField(upload_to=report_path, max_length=255, blank=True)
    xlsx = models.FileField(upload_to=report_path, max_length=255, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    schedule = models.ForeignKey("ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reports")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        indexes = [models.Index(fields=["scope", "-created_at"])]

    def __str__(self):
        return f"{self.scope} {self.period_start}–{self.period_end}"

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.scope


class ReportSchedule(models.Model):
    """Generate a scope's report after each period ends and e-mail it (Word, PDF, Excel) to the recipients."""

    scope = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="report_schedules",
                              verbose_name=_("scope"))
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="vi")
    emails = models.TextField(_("send to (e-mail addresses)"), help_text=_("One per line"))
    recipients = models.TextField(_("recipients printed on the document"), blank=True)
    days_after = models.PositiveSmallIntegerField(_("days after the period ends"), default=3)
    active = models.BooleanField(_("active"), default=True)
    next_run_on = models.DateField(_("next run"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["scope__path", "period_kind"]
        verbose_name = _("report schedule")

    def __str__(self):
        return f"{self.scope} {self.get_period_kind_display()}"

    @property
    def scope_organisation(self):
        return self.scope
