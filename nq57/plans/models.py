"""Guiding documents, their plans and tasks, assignments to agencies, and what happens to them.

The vocabulary follows the brief: a Plan is any tracked guiding document (resolution, action
programme, plan, directive, conclusion); its Tasks fan out to Assignments, one per responsible
agency; agencies file ProgressReports with Evidence, request Extensions and raise Recommendations.
Timeliness is computed (never entered) by `nq57.plans.timeliness` and stored on the assignment
only so that lists of 150,000 assignments can filter and count on it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import RestrictedQuerySet, scope_q
from nq57.core.roles import Action


class ProductType(models.Model):
    """Kinds of expected product (law, decree, decision, scheme, platform, report…); users extend the list."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    keywords = models.JSONField(default=list, blank=True, help_text=_("Words in a product text that mean this type"))
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("product type")

    def __str__(self):
        return self.name


class PlanQuerySet(RestrictedQuerySet):
    scope_path_field = "owner__path"


class Plan(models.Model):
    """A tracked guiding document and the plan of tasks it carries (Resolution 03/NQ-CP, a province's plan…)."""

    class DocumentKind(models.TextChoices):
        RESOLUTION = "resolution", _("Resolution")
        ACTION_PROGRAMME = "action_programme", _("Action programme")
        PLAN = "plan", _("Plan")
        DIRECTIVE = "directive", _("Directive")
        CONCLUSION = "conclusion", _("Conclusion")
        DECISION = "decision", _("Decision")
        OTHER = "other", _("Other document")

    kind = models.CharField(_("document type"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.PLAN)
    number = models.CharField(_("number"), max_length=60, blank=True, help_text=_("e.g. 03/NQ-CP"))
    title = models.CharField(_("title"), max_length=500)
    issuer = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="issued_plans",
                               verbose_name=_("issuing body"))
    # The assigning body: it administers the plan, verifies completion and answers recommendations.
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="owned_plans",
                              verbose_name=_("assigning body"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    implements = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="implementing_plans", verbose_name=_("implements"))
    version = models.PositiveIntegerField(default=1)
    reporting_frequency = models.CharField(_("reporting frequency"), max_length=10, default="quarter",
                                           choices=[("month", _("Monthly")), ("quarter", _("Quarterly")),
                                                    ("half", _("Half-yearly")), ("year", _("Yearly"))])
    reporting_grace_days = models.PositiveSmallIntegerField(_("grace days for reports"), default=5)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "title"]
        verbose_name = _("plan")

    def __str__(self):
        return f"{self.number} — {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return reverse("plans:overview", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.owner


class TaskGroup(models.Model):
    """A group of a plan's tasks (for 03/NQ-CP the seven groups I–VII of Resolution 57)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=500)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["plan", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_group_code_per_plan")]

    def __str__(self):
        return f"{self.code}. {self.title}"

    @property
    def scope_organisation(self):
        return self.plan.owner


class TaskQuerySet(RestrictedQuerySet):
    scope_path_field = "plan__owner__path"


class Task(models.Model):
    """One task of a plan with the "5 clear" items: who, what, when, responsibility, product."""

    class DeadlineKind(models.TextChoices):
        DATE = "date", _("Date")
        PERIOD = "period", _("End of a period")
        RANGE = "range", _("Range of years")
        RECURRING = "recurring", _("Yearly")
        ONGOING = "ongoing", _("Ongoing")
        NONE = "none", _("No deadline")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    group = models.ForeignKey(TaskGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    code = models.CharField(_("code"), max_length=30)
    title = models.TextField(_("task"))
    lead_text = models.TextField(_("lead agencies (as written)"), blank=True)
    coordinating_text = models.TextField(_("coordinating agencies (as written)"), blank=True)
    product_type = models.ForeignKey(ProductType, null=True, blank=True, on_delete=models.SET_NULL,
                                     verbose_name=_("product type"))
    product_text = models.CharField(_("expected product"), max_length=500, blank=True)
    deadline_text = models.CharField(_("completion time (as written)"), max_length=100, blank=True)
    deadline_kind = models.CharField(_("deadline type"), max_length=10, choices=DeadlineKind.choices,
                                     default=DeadlineKind.NONE)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_start = models.DateField(null=True, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=200, blank=True)
    source_article = models.CharField(_("source (document article)"), max_length=200, blank=True)
    sort_order = models.IntegerField(default=0)
    removed = models.BooleanField(_("removed in a later version"), default=False)
    # Stored so lists can filter on it; recomputed by plans.actions.refresh_completeness only.
    missing_items = models.JSONField(default=list, blank=True)
    is_incomplete = models.BooleanField(default=False, db_index=True)
    # Accent-folded code, title, agencies and product, so "chuyen doi so" finds "chuyển đổi số";
    # filled by plans.filters.refresh_search_text only.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_task_code_per_plan")]
        indexes = [models.Index(fields=["plan", "group", "sort_order"])]

    def __str__(self):
        return f"{self.code}. {self.title[:80]}"

    def get_absolute_url(self):
        return reverse("plans:task", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.plan.owner


class AssignmentQuerySet(models.QuerySet):
    def restrict(self, user, action=Action.VIEW):
        """An assignment is visible to the assignee's scope and to the assigning body's scope."""
        return self.filter(scope_q(user, action, "organisation__path") | scope_q(user, action, "task__plan__owner__path"))

    def restrict_assignee(self, user, action):
        """Only assignments whose assignee is in scope (for entering and approving reports)."""
        return self.filter(scope_q(user, action, "organisation__path"))


class Assignment(models.Model):
    """A task as assigned to one agency (lead or coordinating), with its own lifecycle and deadline."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        COORDINATING = "coordinating", _("Coordinating")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        PENDING_VERIFICATION = "pending_verification", _("Pending verification")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled or suspended")

    class Timeliness(models.TextChoices):
        ON_SCHEDULE = "on_schedule", _("On schedule")
        AT_RISK = "at_risk", _("At risk")
        OVERDUE = "overdue", _("Overdue")
        COMPLETED_ON_TIME = "completed_on_time", _("Completed on time")
        COMPLETED_LATE = "completed_late", _("Completed late")
        NOT_APPLICABLE = "not_applicable", _("No deadline")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="assignments",
                                     verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=15, choices=Role.choices, default=Role.LEAD)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="subtasks",
                               verbose_name=_("part of"))
    title = models.TextField(_("sub-task"), blank=True, help_text=_("Only for sub-tasks an agency gives its units"))
    status = models.CharField(_("status"), max_length=25, choices=Status.choices, default=Status.NOT_STARTED,
                              db_index=True)
    status_reason = models.TextField(_("reason"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    start_date = models.DateField(null=True, blank=True)
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    revised_deadline = models.DateField(_("approved revised deadline"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    self_rating = models.CharField(_("self-assessment"), max_length=20, blank=True)
    last_report_on = models.DateField(null=True, blank=True)
    timeliness = models.CharField(max_length=20, choices=Timeliness.choices, default=Timeliness.NOT_APPLICABLE,
                                  db_index=True)
    timeliness_original = models.CharField(max_length=20, choices=Timeliness.choices,
                                           default=Timeliness.NOT_APPLICABLE)
    reports_received = models.PositiveIntegerField(default=0)
    reports_on_time = models.PositiveIntegerField(default=0)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="responsible_assignments", verbose_name=_("responsible person"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["task__sort_order", "role", "organisation__path"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["task", "role"]),
            models.Index(fields=["timeliness", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["task", "organisation", "role"], condition=Q(parent__isnull=True),
                                    name="one_assignment_per_agency_and_role"),
        ]

    def __str__(self):
        return f"{self.task.code} → {self.organisation}"

    def get_absolute_url(self):
        return reverse("plans:assignment", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.organisation

    @property
    def effective_deadline(self):
        return self.revised_deadline or self.original_deadline


class ProgressReport(models.Model):
    """A periodic report on one assignment; the agency head approves it before the assigning body sees it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting the agency head")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    class Rating(models.TextChoices):
        GREEN = "green", _("On track")
        AMBER_GREEN = "amber_green", _("Mostly on track")
        AMBER = "amber", _("Some problems")
        AMBER_RED = "amber_red", _("Serious problems")
        RED = "red", _("Off track")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reports")
    period_end = models.DateField(_("reporting period ends"))
    text = models.TextField(_("progress"))
    progress = models.PositiveSmallIntegerField(_("progress %"))
    self_rating = models.CharField(_("self-assessment"), max_length=20, choices=Rating.choices)
    difficulties = models.TextField(_("difficulties"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    reports_completion = models.BooleanField(_("the task is done"), default=False)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    on_time = models.BooleanField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["assignment", "-period_end"])]

    def __str__(self):
        return f"{self.assignment} @ {self.period_end}"

    @property
    def scope_organisation(self):
        return self.assignment.organisation


def evidence_path(instance, filename):
    # Random names: the original name is kept in a column, never used on disk.
    import uuid

    return f"evidence/{instance.report.assignment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file attached to a report: PDF, Word, Excel or an image, checked by type and size."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.original_name

    @property
    def scope_organisation(self):
        return self.report.assignment.organisation


class ExtensionRequest(models.Model):
    """A request to move an assignment's deadline, with a reason; approved or refused by the assigning body."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def scope_organisation(self):
        return self.assignment.organisation


class Recommendation(models.Model):
    """A recommendation raised in a report, answered by the assigning body and tracked until closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="recommendation_items")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="recommendations")
    text = models.TextField(_("recommendation"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def scope_organisation(self):
        return self.assignment.organisation


class TaskEvent(models.Model):
    """A line of a task's timeline: what happened, to which assignment, who did it, when."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    kind = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "-at"])]

    @property
    def scope_organisation(self):
        return self.task.plan.owner


def import_path(instance, filename):
    # A random name under imports/: the original name is kept in a column, never used on disk.
    import uuid

    return f"imports/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """An uploaded table of tasks on its way into a plan: file, column mapping, outcome.

    Kept in the database (not the session) so the upload → mapping → preview → confirm steps
    survive a restart and can be resumed by a colleague with the same rights."""

    class FileKind(models.TextChoices):
        MARKDOWN = "md", _("Markdown table")
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel workbook (XLSX)")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Columns confirmed")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=import_path, max_length=255)
    kind = models.CharField(max_length=4, choices=FileKind.choices)
    # {"sheet": name or null, "header_row": row number, "columns": {field: column index or null}}
    mapping = models.JSONField(default=dict, blank=True)
    # The new document's fields (kind, number, title, issuer_id, issued_on, implements_id) when not updating a plan.
    document = models.JSONField(default=dict, blank=True)
    # The assigning body of the plan being created or updated: its ASSIGN holders may run the job.
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("assigning body"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs")
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")

    def __str__(self):
        return self.original_name

    @property
    def scope_organisation(self):
        return self.owner
