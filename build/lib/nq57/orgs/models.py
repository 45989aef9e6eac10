from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import RestrictedQuerySet
from nq57.core.text import fold, search_key


class Kind(models.TextChoices):
    STEERING_COMMITTEE = "steering_committee", _("Steering committee")
    STANDING_OFFICE = "standing_office", _("Standing office")
    ADVISORY_COUNCIL = "advisory_council", _("Advisory council")
    CATEGORY = "category", _("Category")
    PARTY_BODY = "party_body", _("Party body")
    STATE_BODY = "state_body", _("State body")
    GOVERNMENT = "government", _("Government")
    MINISTRY = "ministry", _("Ministry")
    MINISTERIAL_AGENCY = "ministerial_agency", _("Ministerial-level agency")
    GOVERNMENT_AGENCY = "government_agency", _("Agency under the Government")
    ENTERPRISE = "enterprise", _("State enterprise")
    CITY = "city", _("Centrally-run city")
    PROVINCE = "province", _("Province")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("Provincial steering committee")
    DEPARTMENT = "department", _("Department")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    OTHER = "other", _("Other")


CENTRAL_AGENCY_KINDS = {Kind.MINISTRY, Kind.MINISTERIAL_AGENCY, Kind.GOVERNMENT_AGENCY}
PROVINCE_KINDS = {Kind.CITY, Kind.PROVINCE}
COMMUNE_KINDS = {Kind.COMMUNE, Kind.WARD, Kind.SPECIAL_ZONE}


class OrganisationQuerySet(RestrictedQuerySet):
    scope_path_field = "path"

    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))

    def search(self, text):
        """Match names and aliases with or without diacritics ("ha noi" finds "Hà Nội")."""
        text = text.replace("\x00", "")  # PostgreSQL refuses NUL in a string parameter
        key = fold(text)
        if not key:
            return self.none()
        alias_ids = OrganisationAlias.objects.filter(search_name__contains=key).values("organisation_id")
        return self.filter(Q(search_name__contains=key) | Q(code__iexact=text.strip()) | Q(pk__in=alias_ids))


class Organisation(models.Model):
    """A node of the organisation map: a body, agency, province or commune, with dated validity."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    admin_code = models.CharField(
        _("official code"), max_length=10, blank=True, db_index=True,
        help_text=_("Administrative unit code for provinces and communes"),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # Materialised path of ids ("0000001.0000042."): a subtree is one indexed prefix filter.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors",
        verbose_name=_("successor"),
    )
    search_name = models.CharField(max_length=400, editable=False, db_index=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "valid_until"]), models.Index(fields=["parent", "sort_order"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:detail", args=[self.pk])

    @property
    def scope_organisation(self):
        return self

    @property
    def is_active(self):
        return self.valid_until is None or self.valid_until >= timezone.localdate()

    @property
    def kind_badge(self):
        """Show the type next to the name only where the name does not already say it."""
        return self.kind not in PROVINCE_KINDS | COMMUNE_KINDS | {Kind.CATEGORY}

    @property
    def is_local(self):
        return self.kind in PROVINCE_KINDS or self.kind in COMMUNE_KINDS

    def ancestors(self):
        ids = [int(part) for part in self.path.split(".") if part][:-1]
        by_id = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def descendants(self):
        return Organisation.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    def current_successor(self):
        """Follow the successor chain to the organisation that exists today."""
        seen, org = set(), self
        while org.successor_id and org.pk not in seen:
            seen.add(org.pk)
            org = org.successor
        return org

    def refresh_derived(self):
        self.search_name = " ".join(filter(None, [fold(self.name), fold(self.short_name), fold(self.name_en)]))[:400]


def path_segment(pk):
    return f"{pk:07d}."


class OrganisationAlias(models.Model):
    """Another name an organisation is or was known by: former name, abbreviation, English name."""

    class AliasKind(models.TextChoices):
        FORMER_NAME = "former", _("Former name")
        ABBREVIATION = "abbreviation", _("Abbreviation")
        ENGLISH = "english", _("English name")
        OTHER = "other", _("Other name")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("type"), max_length=20, choices=AliasKind.choices, default=AliasKind.OTHER)
    valid_until = models.DateField(_("used until"), null=True, blank=True)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    key = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_alias_per_org")]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        self.key = search_key(self.name)
        super().save(*args, **kwargs)

    @property
    def scope_organisation(self):
        return self.organisation


class OrganisationEvent(models.Model):
    """A dated change in the map: renamed, merged into, split from, created, dissolved, moved."""

    class EventKind(models.TextChoices):
        CREATED = "created", _("Established")
        RENAMED = "renamed", _("Renamed")
        MERGED_INTO = "merged_into", _("Merged into")
        SPLIT_FROM = "split_from", _("Split from")
        DISSOLVED = "dissolved", _("Dissolved")
        MOVED = "moved", _("Moved")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    effective_date = models.DateField(_("effective date"))
    related = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="related_events",
        verbose_name=_("related organisation"),
    )
    old_name = models.CharField(_("old name"), max_length=255, blank=True)
    new_name = models.CharField(_("new name"), max_length=255, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("organisation event")

    def __str__(self):
        return f"{self.organisation} {self.get_kind_display()} {self.effective_date}"

    @property
    def scope_organisation(self):
        return self.organisation


class OrganisationGroup(models.Model):
    """A named set used in documents ("các bộ, ngành, địa phương"): members by type, plus explicit ones."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    phrases = models.JSONField(
        default=list, help_text=_("Phrases in documents that mean this group, one per item")
    )
    member_kinds = models.JSONField(default=list, blank=True)
    members = models.ManyToManyField(Organisation, blank=True, related_name="named_groups")
    needs_selection = models.BooleanField(
        default=False, help_text=_("The document leaves the exact members to be chosen (e.g. 'relevant ministries')")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("named group")

    def __str__(self):
        return self.name

    def member_queryset(self):
        qs = Organisation.objects.active()
        condition = Q(pk__in=self.members.values("pk"))
        if self.member_kinds:
            condition |= Q(kind__in=self.member_kinds)
        return qs.filter(condition)
