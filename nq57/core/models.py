from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """When a periodic job runs next; the worker claims a due run with a conditional UPDATE."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class Holiday(models.Model):
    """A day that changes the working-day calendar: a public holiday or compensatory day off, or a
    Saturday worked in exchange (ngày làm bù). Entered per year, as the Prime Minister announces them."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DAY_OFF)
    name = models.CharField(_("name"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
