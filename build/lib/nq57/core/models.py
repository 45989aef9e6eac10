from django.db import models


class ScheduledJob(models.Model):
    """When a periodic job runs next; the worker claims a due run with a conditional UPDATE."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
