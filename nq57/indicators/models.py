"""The KPI index: indicators with baselines and targets, who owes values for which periods, the values
themselves with their approval workflow, and stored roll-ups.

Vocabulary (see the README glossary): an Indicator (chỉ tiêu) has Targets (mục tiêu) per target year with
Milestones, and Baselines (giá trị cơ sở); a ReportingObligation says which organisation owes values from
when; an IndicatorValue (số liệu) is one organisation's value for one period, in versions. Attainment and RAG
are computed by `nq57.indicators.compute` (pure functions) and stored in IndicatorRollup only because the
KPI index and rankings read them at national scale; `nq57.indicators.rollups.refresh_rollups` is the one
function that writes them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nq57.core.permissions import RestrictedQuerySet

DECIMAL = {"max_digits": 20, "decimal_places": 6}


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF = "half", _("Half-yearly")
    YEAR = "year", _("Yearly")


class Rag(models.TextChoices):
    GREEN = "green", _("On track")
    AMBER = "amber", _("Some concern")
    RED = "red", _("Off track")


class IndicatorQuerySet(RestrictedQuerySet):
    scope_path_field = "owner__path"


class Indicator(models.Model):
    """A measured result (chỉ tiêu) with its definition, owner and the rules for computing and rolling it up."""

    class ValueType(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage")
        COUNT = "count", _("Count")
        AMOUNT = "amount", _("Amount")
        RANK = "rank", _("Rank")
        INDEX = "index", _("Index score")
        GROWTH = "growth", _("Growth rate")
        MILESTONE = "milestone", _("Yes/no milestone")
        QUALITATIVE = "qualitative", _("Qualitative level")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Accumulation(models.TextChoices):
        PERIODIC = "periodic", _("Periodic (each period on its own)")
        CUMULATIVE = "cumulative", _("Cumulative (running total to date)")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum")
        RATIO = "ratio", _("Ratio recomputed from summed numerator and denominator")
        WEIGHTED_MEAN = "weighted_mean", _("Weighted mean")
        MIN = "min", _("Minimum")
        MAX = "max", _("Maximum")
        NONE = "none", _("Not aggregated")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        MINISTRY = "ministry", _("Ministry")
        PROVINCE = "province", _("Province")
        COMMUNE = "commune", _("Commune")

    class Layer(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic")
        OPERATIONAL = "operational", _("Operational")

    source_plan = models.ForeignKey("plans.Plan", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="indicators", verbose_name=_("source document"))
    code = models.CharField(_("code"), max_length=30, help_text=_("As numbered in the document, e.g. 11.1"))
    name = models.TextField(_("name"))
    name_en = models.TextField(_("English name"), blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    value_type = models.CharField(_("value type"), max_length=20, choices=ValueType.choices,
                                  default=ValueType.PERCENTAGE)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    accumulation = models.CharField(_("periodic or cumulative"), max_length=12, choices=Accumulation.choices,
                                    default=Accumulation.PERIODIC)
    frequency = models.CharField(_("reporting frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.YEAR)
    aggregation = models.CharField(_("aggregation up the hierarchy"), max_length=20, choices=Aggregation.choices,
                                   default=Aggregation.NONE)
    # A ratio's value is numerator / denominator × scale (100 for a percentage).
    ratio_scale = models.DecimalField(_("ratio scale"), default=100, **DECIMAL)
    level = models.CharField(_("reported at"), max_length=10, choices=Level.choices, default=Level.NATIONAL)
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="owned_indicators",
                              verbose_name=_("owner agency"))
    owner_text = models.CharField(_("owner agency (as written)"), max_length=300, blank=True)
    data_source = models.TextField(_("data source"), blank=True)
    definition = models.TextField(_("definition"), blank=True)
    layer = models.CharField(_("layer"), max_length=12, choices=Layer.choices, default=Layer.STRATEGIC)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
                               verbose_name=_("parent indicator"))
    tasks = models.ManyToManyField("plans.Task", blank=True, related_name="indicators", verbose_name=_("linked tasks"))
    source_article = models.CharField(_("source (document article)"), max_length=200, blank=True)
    # Accepted range of a value; a percentage defaults to 0–100 (see compute.value_range).
    min_value = models.DecimalField(_("lowest valid value"), null=True, blank=True, **DECIMAL)
    max_value = models.DecimalField(_("highest valid value"), null=True, blank=True, **DECIMAL)
    # RAG thresholds: how far (in attainment points, 0.05 = 5 points) a value may fall behind its expected
    # attainment and still be green or amber. Empty means the platform default (settings.NQ57_RAG_*).
    green_tolerance = models.DecimalField(_("green tolerance"), null=True, blank=True, max_digits=6, decimal_places=4)
    amber_tolerance = models.DecimalField(_("amber tolerance"), null=True, blank=True, max_digits=6, decimal_places=4)
    due_days = models.PositiveSmallIntegerField(_("days after the period to report"), default=15)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=5)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        constraints = [
            models.UniqueConstraint(fields=["source_plan", "code"], name="unique_indicator_code_per_plan"),
            models.UniqueConstraint(fields=["owner", "code"], condition=Q(source_plan__isnull=True),
                                    name="unique_indicator_code_without_plan"),
        ]

    def __str__(self):
        return f"{self.code}. {self.name[:80]}"

    def get_absolute_url(self):
        return reverse("indicators:detail", args=[self.pk])

    @property
    def scope_organisation(self):
        return self.owner

    @property
    def is_numeric(self):
        return self.value_type not in (self.ValueType.MILESTONE, self.ValueType.QUALITATIVE)


class Target(models.Model):
    """A target for a target year, in versions: a change adds a row and closes the old one with a reason.

    `organisation` empty means the national target; a province may be given its own. "≤ 3 Đông Nam Á;
    ≤ 50 Thế giới" is two targets on one indicator with different `series`.
    """

    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        LTE = "lte", "≤"
        LT = "lt", "<"
        EQ = "eq", "="
        BETWEEN = "between", _("between")
        RANK_LTE = "rank_lte", _("rank ≤")
        QUALITATIVE = "qualitative", _("qualitative milestone")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="indicator_targets")
    series = models.CharField(_("series"), max_length=100, blank=True, help_text=_("e.g. ASEAN or World"))
    year = models.PositiveSmallIntegerField(_("target year"))
    comparator = models.CharField(_("comparator"), max_length=12, choices=Comparator.choices, default=Comparator.GTE)
    value = models.DecimalField(_("target value"), null=True, blank=True, **DECIMAL)
    value_high = models.DecimalField(_("upper bound"), null=True, blank=True, **DECIMAL)
    text = models.TextField(_("target as published"), blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "series", "year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "organisation", "series", "year"], condition=Q(is_current=True),
                                    name="one_current_target"),
        ]

    def __str__(self):
        return self.text or f"{self.get_comparator_display()} {self.value}"

    @property
    def scope_organisation(self):
        return self.organisation or self.indicator.owner


class Milestone(models.Model):
    """An intermediate value the trajectory must pass through (e.g. 2026: 40 %, 2028: 60 %)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("expected value"), null=True, blank=True, **DECIMAL)
    text = models.CharField(_("expected state"), max_length=300, blank=True)

    class Meta:
        ordering = ["target", "date"]


class Baseline(models.Model):
    """The starting value and its date, in versions (re-baselining keeps the old row with a reason)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="baselines")
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="indicator_baselines")
    series = models.CharField(_("series"), max_length=100, blank=True)
    value = models.DecimalField(_("baseline value"), **DECIMAL)
    as_of = models.DateField(_("baseline date"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "series", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "organisation", "series"], condition=Q(is_current=True),
                                    name="one_current_baseline"),
        ]

    @property
    def scope_organisation(self):
        return self.organisation or self.indicator.owner


class ObligationQuerySet(RestrictedQuerySet):
    scope_path_field = "organisation__path"


class ReportingObligation(models.Model):
    """The reporting calendar: `organisation` owes a value of `indicator` for every period from `starts_on`."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="obligations")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="indicator_obligations")
    series = models.CharField(max_length=100, blank=True)
    starts_on = models.DateField(_("first period starts"))
    ends_on = models.DateField(_("last period ends"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "organisation", "series"],
                                               name="one_obligation_per_org")]
        indexes = [models.Index(fields=["organisation", "indicator"])]

    @property
    def scope_organisation(self):
        return self.organisation


class ValueQuerySet(RestrictedQuerySet):
    scope_path_field = "organisation__path"


class IndicatorValue(models.Model):
    """One organisation's value for one period, in versions: an approved value is corrected only by a new
    version with a reason. Exactly one row per (indicator, organisation, series, period) is current."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("value status", "Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")

    class Progress(models.TextChoices):
        """For yes/no milestones and qualitative levels."""
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        AT_RISK = "at_risk", _("At risk")
        ON_TRACK = "on_track", _("On track")
        ACHIEVED = "achieved", _("Achieved")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        XLSX = "xlsx", _("Excel template")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="indicator_values")
    series = models.CharField(max_length=100, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), null=True, blank=True, **DECIMAL)
    numerator = models.DecimalField(_("numerator"), null=True, blank=True, **DECIMAL)
    denominator = models.DecimalField(_("denominator"), null=True, blank=True, **DECIMAL)
    weight = models.DecimalField(_("weight"), null=True, blank=True, **DECIMAL)
    progress = models.CharField(_("progress"), max_length=12, choices=Progress.choices, blank=True)
    not_available = models.BooleanField(_("not available"), default=False)
    not_available_reason = models.TextField(_("why it is not available"), blank=True)
    self_rating = models.CharField(_("self-assessment"), max_length=5, choices=Rag.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Validation warnings the submitter confirmed (outliers, jumps): [{"code": "...", "message": "..."}].
    flags = models.JSONField(default=list, blank=True)
    flag_note = models.TextField(_("explanation of the flagged value"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    submitted_on_time = models.BooleanField(null=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "organisation", "period_end", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "organisation", "series", "period_end"],
                                    condition=Q(is_current=True), name="one_current_value"),
        ]
        indexes = [
            # The national roll-up of one indicator for one period reads ~3,400 rows through this.
            models.Index(fields=["indicator", "period_end", "status", "is_current"], name="value_rollup_idx"),
            models.Index(fields=["organisation", "status"], name="value_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.organisation} · {self.period_end:%d/%m/%Y}"

    @property
    def scope_organisation(self):
        return self.organisation


class IndicatorRollup(models.Model):
    """Stored roll-up of approved values over an organisation's subtree for one period, with attainment
    and RAG. Written only by `rollups.refresh_rollups`; read by the KPI index, comparisons and rankings."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="rollups")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="indicator_rollups")
    series = models.CharField(max_length=100, blank=True)
    period_end = models.DateField()
    value = models.DecimalField(null=True, blank=True, **DECIMAL)
    numerator = models.DecimalField(null=True, blank=True, **DECIMAL)
    denominator = models.DecimalField(null=True, blank=True, **DECIMAL)
    progress = models.CharField(max_length=12, blank=True)
    reported = models.PositiveIntegerField(default=0)
    expected = models.PositiveIntegerField(default=0)
    attainment = models.FloatField(null=True, blank=True)
    expected_attainment = models.FloatField(null=True, blank=True)
    expected_value = models.DecimalField(null=True, blank=True, **DECIMAL)
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    self_rating = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "organisation", "series", "period_end"],
                                               name="one_rollup")]
        indexes = [models.Index(fields=["organisation", "indicator", "period_end"], name="rollup_scope_idx"),
                   models.Index(fields=["indicator", "period_end"], name="rollup_period_idx")]

    @property
    def scope_organisation(self):
        return self.organisation


class ApiToken(models.Model):
    """A token an agency's own system uses to submit values; it acts as `user` within `organisation`'s subtree.
    Only a SHA-256 hash is stored; the token is shown once when created."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=200)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_organisation(self):
        return self.organisation
