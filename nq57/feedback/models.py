"""Feedback and initiatives (góp ý, kiến nghị, sáng kiến, giải pháp): what the public sends, how the standing
office triages and routes it, how agencies answer within working-day deadlines, what is published, and how the
advisory council evaluates initiatives.

Vocabulary (see the README glossary): a Submission (phản ánh/kiến nghị, code PAKN-YYYY-NNNNNN) has a kind and a
Field; it is routed to a lead agency (+ co-handling agencies, `Handler`); each stage of its handling has a clock
in working days (`Submission.due_date`, rules in `DeadlineRule`); an Answer is drafted, approved by the agency
head and published with personal data removed. Near-duplicates share a `DuplicateGroup` and one answer.
Initiatives and solutions may go to the advisory council: `Review`s (with a conflict-of-interest declaration and
rubric `Score`s) and a `CouncilDecision`; an adopted one becomes a plans `Task`.

The state machine lives in `nq57.feedback.workflow` (allowed transitions, pure); every write goes through
`nq57.feedback.actions`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nq57.core.permissions import RestrictedQuerySet


class Kind(models.TextChoices):
    COMMENT = "comment", pgettext_lazy("feedback kind", "Comment")  # góp ý
    RECOMMENDATION = "recommendation", _("Recommendation")  # kiến nghị
    INITIATIVE = "initiative", _("Initiative")  # sáng kiến
    SOLUTION = "solution", _("Solution")  # giải pháp


EVALUABLE_KINDS = {Kind.INITIATIVE, Kind.SOLUTION}


class State(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("feedback state", "Received")  # waiting for triage
    ROUTED = "routed", pgettext_lazy("feedback state", "Routed")  # waiting for the lead agency to accept
    IN_PROGRESS = "in_progress", pgettext_lazy("feedback state", "Being handled")  # accepted, answer being drafted
    WAITING_INFO = "waiting_info", pgettext_lazy("feedback state", "Waiting for the submitter")  # clock paused
    AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("feedback state", "Answer awaiting approval")
    UNDER_REVIEW = "under_review", pgettext_lazy("feedback state", "Under council review")
    ANSWERED = "answered", pgettext_lazy("feedback state", "Answered")
    PUBLISHED = "published", pgettext_lazy("feedback state", "Published")
    CONTESTED = "contested", pgettext_lazy("feedback state", "Contested")
    GROUPED = "grouped", pgettext_lazy("feedback state", "Grouped with a similar submission")
    REFERRED = "referred", pgettext_lazy("feedback state", "Out of scope, referred")
    CLOSED = "closed", pgettext_lazy("feedback state", "Closed")


# States whose clock runs (a due date applies); WAITING_INFO keeps its remaining days instead.
OPEN_STATES = {State.RECEIVED, State.ROUTED, State.IN_PROGRESS, State.AWAITING_APPROVAL, State.UNDER_REVIEW,
               State.CONTESTED, State.ANSWERED}
# States in which an answer exists (for publication, rating, statistics).
ANSWERED_STATES = {State.ANSWERED, State.PUBLISHED, State.CLOSED}


class Stage(models.TextChoices):
    """A clock: each has a limit in working days per kind (`DeadlineRule`)."""

    TRIAGE = "triage", _("Triage and routing")
    ACCEPT = "accept", _("Acceptance by the agency")
    ANSWER = "answer", _("Answer")
    APPROVE = "approve", _("Approval of the answer")
    PUBLISH = "publish", _("Publication")
    REVIEW = "review", _("Council review")
    CONTEST = "contest", _("Decision on a contest")


class Field(models.Model):
    """A field of the editable taxonomy (lĩnh vực): the 7 task groups of Resolution 57, the strategic
    technology groups, institutions and procedures, other."""

    class Group(models.TextChoices):
        RESOLUTION = "resolution", _("Resolution 57 task groups")
        TECHNOLOGY = "technology", _("Strategic technologies")
        INSTITUTIONS = "institutions", _("Institutions and procedures")
        OTHER = "other", _("Other")

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices, default=Group.OTHER)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("offered on the form"), default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def label(self, language=None):
        from django.utils.translation import get_language

        return self.name_en if (language or get_language() or "vi").startswith("en") and self.name_en else self.name


class DeadlineRule(models.Model):
    """How many working days a stage may take for a kind of submission; `kind` blank = the default."""

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    remind_before = models.PositiveSmallIntegerField(_("remind this many working days before"), default=2)
    escalate_after = models.PositiveSmallIntegerField(
        _("tell the standing office this many working days after the head"), default=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "stage"], name="feedback_rule_unique")]
        ordering = ["stage", "kind"]

    def __str__(self):
        return f"{self.kind or '*'}:{self.stage}={self.working_days}"


class DuplicateGroup(models.Model):
    """Near-duplicate submissions handled together: the lead's answer goes to every member."""

    lead = models.OneToOneField("Submission", on_delete=models.CASCADE, related_name="led_group")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self):
        return f"group of {self.lead.code}"


class SubmissionQuerySet(RestrictedQuerySet):
    """Staff see a submission when their scope covers the organisation that holds it (`holder`)."""

    scope_path_field = "holder__path"

    def public(self):
        """Published, not confidential, not hidden: what anyone may read."""
        return self.filter(state__in=[State.PUBLISHED, State.CLOSED], published_at__isnull=False,
                           confidential=False, hidden=False)


class Submission(models.Model):
    """One submission from the public, with its submitter, its clock and where it is."""

    class SubmitterKind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANISATION = "organisation", _("Organisation or business")

    # Identity
    code = models.CharField(_("tracking code"), max_length=20, unique=True)  # PAKN-2026-000123
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()  # the NNNNNN of the code, per year
    access_key_hash = models.CharField(max_length=64, editable=False)  # sha256 of the private link's key

    # What was sent
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("field"))
    title = models.CharField(_("title"), max_length=300)
    content = models.TextField(_("content"))
    related_document = models.CharField(_("related document"), max_length=200, blank=True)
    related_article = models.CharField(_("article"), max_length=100, blank=True)
    language = models.CharField(max_length=8, default="vi")

    # Who sent it (personal data: never shown publicly unless consented)
    submitter_kind = models.CharField(_("submitted as"), max_length=15, choices=SubmitterKind.choices,
                                      default=SubmitterKind.INDIVIDUAL)
    submitter_name = models.CharField(_("full name"), max_length=200)
    submitter_organisation = models.CharField(_("organisation or business"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    citizen_id = models.CharField(_("citizen ID number"), max_length=12, blank=True)
    consent_publish = models.BooleanField(_("I agree that my name may be published with the answer"), default=False)
    confidential = models.BooleanField(_("confidential (intellectual property): never published"), default=False)
    fingerprint = models.CharField(max_length=64, blank=True)  # sha256 of content + time, for confidential ones
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="feedback_submissions")
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)  # sha256 of the address, rate limits
    contact_key = models.CharField(max_length=200, blank=True, db_index=True)  # folded e-mail or phone digits

    # Where it is
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.TRIAGE)
    intake = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                               help_text="The body whose standing office triages it (the Central Steering Committee)")
    holder = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+",
                               help_text="Where it is now: the intake until routed, then the lead agency")
    lead_agency = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="feedback_led", verbose_name=_("lead agency"))
    related_task = models.ForeignKey("plans.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="feedback", verbose_name=_("related task"))
    related_indicator = models.ForeignKey("indicators.Indicator", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="feedback", verbose_name=_("related indicator"))
    group = models.ForeignKey(DuplicateGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="members")
    referral = models.TextField(_("competent body (referral)"), blank=True)
    misroute_count = models.PositiveSmallIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField(default=0)  # 0 none, 1 agency head told, 2 standing office

    # The clock of the current stage
    stage_started_on = models.DateField(null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    paused_remaining = models.PositiveSmallIntegerField(null=True, blank=True)  # working days left when paused
    reminded_for = models.DateField(null=True, blank=True)  # the due date a reminder was sent for
    answer_due = models.DateField(null=True, blank=True)  # first deadline of the answer stage (statistics)

    # Outcome
    received_at = models.DateTimeField(_("received"), db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_on_time = models.BooleanField(null=True)
    days_to_answer = models.PositiveSmallIntegerField(null=True, blank=True)  # working days received → answered
    published_at = models.DateTimeField(null=True, blank=True)
    public_title = models.CharField(max_length=300, blank=True)  # redacted unless consented
    public_content = models.TextField(blank=True)
    pinned = models.BooleanField(_("in the FAQ"), default=False)
    satisfied = models.BooleanField(null=True)  # the submitter's latest rating

    # Moderation (the original stays in the audit trail)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)

    search_text = models.TextField(blank=True, editable=False)  # folded title + content + attachment text
    # What the public may find, folded, as " word word … " (written only by `search.index_submissions`): the
    # published (redacted) title, content and answer; the title alone for a consented, not yet published one;
    # empty otherwise. The full-text index covers this column, never `search_text` (personal data).
    public_search_text = models.TextField(blank=True, editable=False)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="feedback_code_number_unique")]
        indexes = [
            models.Index(fields=["state", "due_date"], name="feedback_state_due"),
            models.Index(fields=["holder", "state"], name="feedback_holder_state"),
            models.Index(fields=["lead_agency", "state"], name="feedback_lead_state"),
            # Public lists run newest first with the id as tie-break (keyset paging): with the id in the index
            # PostgreSQL stops after one page instead of sorting every match (migration 0004_search_order).
            models.Index(fields=["published_at", "id"], name="feedback_public_order",
                         condition=Q(published_at__isnull=False)),
            models.Index(fields=["field", "published_at", "id"], name="feedback_public_field",
                         condition=Q(published_at__isnull=False)),
            models.Index(fields=["lead_agency", "published_at", "id"], name="feedback_public_agency",
                         condition=Q(published_at__isnull=False)),
            # Dashboards count answers per month and early warnings list repeated misroutes (migration 0005).
            models.Index(fields=["answered_at", "answered_on_time"], name="feedback_answered",
                         condition=Q(answered_at__isnull=False)),
            models.Index(fields=["misroute_count"], name="feedback_misrouted", condition=Q(misroute_count__gte=2)),
        ]

    def __str__(self):
        return self.code

    @property
    def scope_organisation(self):
        return self.holder

    def get_absolute_url(self):
        return reverse("feedback:detail", args=[self.pk])

    @property
    def is_evaluable(self):
        return self.kind in EVALUABLE_KINDS

    @property
    def is_public(self):
        return (self.published_at is not None and not self.confidential and not self.hidden
                and self.state in (State.PUBLISHED, State.CLOSED))


class Handler(models.Model):
    """An agency working on a submission: the lead (answers) or a co-handling agency (contributes notes)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead agency")
        COHANDLER = "cohandler", _("Co-handling agency")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="handlers")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="feedback_handled")
    role = models.CharField(max_length=10, choices=Role.choices)
    active = models.BooleanField(default=True)  # false once the agency returned it or it was re-routed
    routed_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "active"], name="feedback_handler_org")]

    @property
    def scope_organisation(self):
        return self.organisation


class Attachment(models.Model):
    """A file sent with a submission; its text is extracted (PDF, Word) so it can be searched."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="feedback/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    extracted_text = models.TextField(blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    @property
    def scope_organisation(self):
        return self.submission.holder


class Event(models.Model):
    """One step on a submission's timeline; `public` steps show on the tracking page (never personal data)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)  # received, routed, accepted, returned, paused, resumed, answered, ...
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    state = models.CharField(max_length=20, choices=State.choices)  # the state after the step
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    due_date = models.DateField(null=True, blank=True)  # the deadline the step set
    note = models.TextField(blank=True)  # shown to staff; public only when `public_note` is set
    public = models.BooleanField(default=True)
    public_note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Note(models.Model):
    """An internal note of a handling agency (never shown to the submitter)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notes")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)


class AnswerTemplate(models.Model):
    """A reusable answer text of an agency (or of everyone when `organisation` is the root)."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="answer_templates")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    field = models.ForeignKey(Field, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("field"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def scope_organisation(self):
        return self.organisation


class Answer(models.Model):
    """The agency's answer, in versions: drafted, submitted to the head, approved (or returned), published."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("answer status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("answer status", "Awaiting approval")
        RETURNED = "returned", pgettext_lazy("answer status", "Returned for changes")
        APPROVED = "approved", pgettext_lazy("answer status", "Approved")
        SUPERSEDED = "superseded", pgettext_lazy("answer status", "Superseded")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(_("answer"))
    public_text = models.TextField(blank=True)  # redacted, as published
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    template = models.ForeignKey(AnswerTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    return_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        indexes = [models.Index(fields=["submission", "status"], name="feedback_answer_status")]


class Rating(models.Model):
    """The submitter's rating of the answer: satisfied or not, with a comment."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="ratings")
    satisfied = models.BooleanField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField()


class Contest(models.Model):
    """The submitter disputes the answer; the standing office reopens it or escalates it one level."""

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("contest outcome", "Pending")
        REOPENED = "reopened", pgettext_lazy("contest outcome", "Reopened")
        ESCALATED = "escalated", pgettext_lazy("contest outcome", "Escalated")
        REJECTED = "rejected", pgettext_lazy("contest outcome", "Answer upheld")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="contests")
    reason = models.TextField(_("reason"))
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)


class Follower(models.Model):
    """Someone who chose to follow an existing submission instead of repeating it: told when it is answered."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "email"], name="feedback_follower_unique")]


# --- Advisory council --------------------------------------------------------------------------------------


class ExpertiseTag(models.Model):
    """An area of expertise of advisory council members, matched against submissions' fields."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    fields = models.ManyToManyField(Field, blank=True, related_name="expertise_tags")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    label = Field.label  # the name in the page's language (the English name in English)


class Expert(models.Model):
    """An advisory council member's profile: the user (holding the advisory role) and their expertise."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert")
    tags = models.ManyToManyField(ExpertiseTag, blank=True, related_name="experts")
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)

    def __str__(self):
        return str(self.user)


class Rubric(models.Model):
    """A configurable scoring grid (criteria with weights); one is the default."""

    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Criterion(models.Model):
    """One criterion of a rubric: scored 0..max_score, weighted."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    guidance = models.TextField(blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=5)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="feedback_criterion_unique")]

    def __str__(self):
        return self.name

    label = Field.label  # the name in the page's language (the English name in English)


class Review(models.Model):
    """A reviewer's evaluation of one submission: conflict-of-interest declaration first, then scores."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", pgettext_lazy("review status", "Assigned")
        CONFLICT = "conflict", pgettext_lazy("review status", "Conflict of interest declared")
        IN_PROGRESS = "in_progress", pgettext_lazy("review status", "Scoring")
        DONE = "done", pgettext_lazy("review status", "Scored")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_reviews")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="reviews")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    has_conflict = models.BooleanField(null=True)  # None until declared
    conflict_note = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)  # weighted, out of 100
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="feedback_review_unique")]

    @property
    def scope_organisation(self):
        return self.submission.holder


class Score(models.Model):
    """A reviewer's score on one criterion, with a comment."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="feedback_score_unique")]


class CouncilDecision(models.Model):
    """The council's recommendation on an initiative or solution, with its reasons; adopt → a task."""

    class Recommendation(models.TextChoices):
        ADOPT = "adopt", _("Adopt")
        PILOT = "pilot", _("Pilot")
        REFER = "refer", _("Refer to a competent body")
        REJECT = "reject", _("Reject")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="decision")
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices)
    reasons = models.TextField(_("reasons"))
    aggregate_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()
    task = models.OneToOneField("plans.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="initiative_decision")


class CodeSequence(models.Model):
    """The last tracking number given in a year; incremented by an UPDATE inside the submission's transaction."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
