"""Writes to the organisation map. Each function is one transaction with its audit rows."""

import datetime
import json
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core import context as write_context
from nq57.core.permissions import can
from nq57.core.roles import Action

from .models import Kind, Organisation, OrganisationAlias, OrganisationEvent, OrganisationGroup, path_segment

CENTRAL_DATA = Path(__file__).parent / "data" / "central.json"
PROVINCE_REFORM_DATE = datetime.date(2025, 7, 1)
PROVINCE_REFORM_BASIS = "Nghị quyết số 202/2025/QH15"
ORG_FIELDS = ("name", "short_name", "name_en", "kind", "admin_code", "valid_from", "valid_until", "sort_order")


def _set_path(org):
    parent_path = org.parent.path if org.parent_id else ""
    org.path = parent_path + path_segment(org.pk)
    org.depth = parent_path.count(".")


@transaction.atomic
def create_organisation(*, actor, parent, name, kind, code, short_name="", name_en="", admin_code=""):
    """Add an organisation under `parent`; the actor needs change rights on the parent."""
    if actor is not None and not can(actor, Action.CHANGE_ORG, parent):
        raise PermissionDenied
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used.")})
    org = Organisation(
        parent=parent, name=name, kind=kind, code=code, short_name=short_name, name_en=name_en,
        admin_code=admin_code, path="tmp",
    )
    org.refresh_derived()
    org.save()
    _set_path(org)
    org.save(update_fields=["path", "depth"])
    record(actor=actor, obj=org, action=AuditEvent.Action.CREATE, after=snapshot(org), verb="organisation_created")
    return org


@transaction.atomic
def update_organisation(*, actor, organisation, **changes):
    """Edit plain fields of an organisation (not its place in the tree)."""
    if actor is not None and not can(actor, Action.CHANGE_ORG, organisation):
        raise PermissionDenied
    before = snapshot(organisation)
    for field, value in changes.items():
        if field not in {"short_name", "name_en", "website", "sort_order", "admin_code"}:
            raise ValueError(f"{field} cannot be changed here; use rename/merge for names and history")
        setattr(organisation, field, value)
    organisation.refresh_derived()
    organisation.save()
    record(actor=actor, obj=organisation, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(organisation),
           verb="organisation_updated")
    return organisation


@transaction.atomic
def rename_organisation(*, actor, organisation, new_name, effective_date, legal_basis="", note=""):
    """Rename, keeping the old name as a dated alias so old documents still resolve."""
    if actor is not None and not can(actor, Action.CHANGE_ORG, organisation):
        raise PermissionDenied
    new_name = (new_name or "").strip()
    if not new_name:
        raise ValidationError({"new_name": _("Enter the new name.")})
    if new_name == organisation.name:
        raise ValidationError({"new_name": _("The new name is the same as the current one.")})
    before = snapshot(organisation)
    old_name = organisation.name
    OrganisationAlias.objects.get_or_create(
        organisation=organisation, name=old_name,
        defaults={"kind": OrganisationAlias.AliasKind.FORMER_NAME,
                  "valid_until": effective_date - datetime.timedelta(days=1)},
    )
    organisation.name = new_name
    organisation.refresh_derived()
    organisation.save()
    OrganisationEvent.objects.create(
        organisation=organisation, kind=OrganisationEvent.EventKind.RENAMED, effective_date=effective_date,
        old_name=old_name, new_name=new_name, legal_basis=legal_basis, note=note,
    )
    record(actor=actor, obj=organisation, action=AuditEvent.Action.UPDATE, before=before,
           after=snapshot(organisation), verb="organisation_renamed")
    return organisation


@transaction.atomic
def merge_organisation(*, actor, organisation, into, effective_date, legal_basis="", note=""):
    """Close `organisation` on the day before `effective_date`; `into` becomes its successor."""
    for target in (organisation, into):
        if actor is not None and not can(actor, Action.CHANGE_ORG, target):
            raise PermissionDenied
    if organisation.pk == into.pk:
        raise ValidationError(_("An organisation cannot be merged into itself."))
    if into.path.startswith(organisation.path):
        raise ValidationError(_("An organisation cannot be merged into one of its own units."))
    before = snapshot(organisation)
    organisation.valid_until = effective_date - datetime.timedelta(days=1)
    organisation.successor = into
    organisation.save()
    OrganisationEvent.objects.create(
        organisation=organisation, kind=OrganisationEvent.EventKind.MERGED_INTO, effective_date=effective_date,
        related=into, legal_basis=legal_basis, note=note,
    )
    record(actor=actor, obj=organisation, action=AuditEvent.Action.UPDATE, before=before,
           after=snapshot(organisation), verb="organisation_merged")
    return organisation


@transaction.atomic
def split_organisation(*, actor, source, parent, name, kind, code, effective_date, legal_basis="", note=""):
    """Create a new organisation carved out of `source`; both stay, linked by a dated event."""
    org = create_organisation(actor=actor, parent=parent, name=name, kind=kind, code=code)
    org.valid_from = effective_date
    org.save(update_fields=["valid_from"])
    OrganisationEvent.objects.create(
        organisation=org, kind=OrganisationEvent.EventKind.SPLIT_FROM, effective_date=effective_date,
        related=source, legal_basis=legal_basis, note=note,
    )
    return org


# --- Loading the reference map ----------------------------------------------------------


class MapLoader:
    """Creates or updates the whole reference map idempotently, auditing every change in bulk."""

    def __init__(self, actor=None):
        self.actor = actor
        self.by_code = {o.code: o for o in Organisation.objects.all()}
        self.created = 0
        self.updated = 0
        self.audit_rows = []
        self.org_ct = ContentType.objects.get_for_model(Organisation)
        ctx = write_context.current()
        self.source = ctx.get("source") or AuditEvent.Source.COMMAND
        self.actor_label = actor.get_username() if actor else (ctx.get("actor_label") or "system")

    def _audit(self, org, action, before, after):
        self.audit_rows.append(AuditEvent(
            actor=self.actor, actor_label=self.actor_label, source=self.source, action=action,
            verb="org_map_loaded", content_type=self.org_ct, object_id=str(org.pk), object_repr=str(org)[:300],
            organisation=org, before=before, after=after,
        ))

    def upsert_many(self, specs):
        """specs: dicts with code, parent (Organisation) and ORG_FIELDS; returns the orgs in order."""
        to_create, to_update, result = [], [], []
        for spec in specs:
            org = self.by_code.get(spec["code"])
            values = {f: spec.get(f, "" if f not in {"valid_from", "valid_until", "sort_order"} else None)
                      for f in ORG_FIELDS}
            values["sort_order"] = values["sort_order"] or 0
            if org is None:
                org = Organisation(code=spec["code"], parent=spec["parent"], path="", **values)
                org.refresh_derived()
                to_create.append(org)
            else:
                changed = {f: v for f, v in values.items() if getattr(org, f) != v}
                parent_changed = org.parent_id != (spec["parent"].pk if spec["parent"] else None)
                if changed or parent_changed:
                    before = snapshot(org)
                    for f, v in changed.items():
                        setattr(org, f, v)
                    org.parent = spec["parent"]
                    org.refresh_derived()
                    to_update.append((org, before, parent_changed))
            result.append(org)
        if to_create:
            Organisation.objects.bulk_create(to_create, batch_size=500)
            for org in to_create:
                _set_path(org)
                self.by_code[org.code] = org
            Organisation.objects.bulk_update(to_create, ["path", "depth"], batch_size=500)
            for org in to_create:
                self._audit(org, AuditEvent.Action.CREATE, None, snapshot(org))
            self.created += len(to_create)
        for org, before, parent_changed in to_update:
            if parent_changed:
                old_path = org.path
                _set_path(org)
                for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=org.pk):
                    child.path = org.path + child.path[len(old_path):]
                    child.depth = child.path.count(".") - 1
                    child.save(update_fields=["path", "depth"])
            org.save()
            self._audit(org, AuditEvent.Action.UPDATE, before, snapshot(org))
            self.updated += 1
        return result

    def add_aliases(self, org, names, kind=OrganisationAlias.AliasKind.OTHER, valid_until=None):
        existing = set(org.aliases.values_list("name", flat=True)) if org.pk else set()
        for name in names:
            if name and name not in existing and name != org.name:
                OrganisationAlias.objects.create(organisation=org, name=name, kind=kind, valid_until=valid_until)

    def add_event(self, org, kind, effective_date, **fields):
        OrganisationEvent.objects.get_or_create(
            organisation=org, kind=kind, effective_date=effective_date,
            defaults=fields,
        )

    def flush_audit(self):
        AuditEvent.objects.bulk_create(self.audit_rows, batch_size=1000)
        self.audit_rows = []


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _bare_province_name(name):
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


@transaction.atomic
def load_org_map(*, actor=None, with_communes=True):
    """Load or refresh the central bodies, 34 provinces, 3,321 communes, history and named groups."""
    from vietnam_provinces import Province, VietNamDivisionType, Ward
    from vietnam_provinces._province_conversion_2025 import OLD_TO_NEW
    from vietnam_provinces.legacy.base import Province as LegacyProvince

    loader = MapLoader(actor)
    data = json.loads(CENTRAL_DATA.read_text(encoding="utf-8"))

    # Central level: one spec at a time so parents exist before their children.
    for index, spec in enumerate(data["organisations"]):
        parent = loader.by_code[spec["parent"]] if spec.get("parent") else None
        (org,) = loader.upsert_many([{
            **spec, "parent": parent, "sort_order": index,
            "valid_from": _date(spec.get("valid_from")), "valid_until": _date(spec.get("valid_until")),
        }])
        loader.add_aliases(org, [spec.get("short_name", "")] + spec.get("aliases", []),
                           kind=OrganisationAlias.AliasKind.ABBREVIATION)
        if spec.get("name_en"):
            loader.add_aliases(org, [spec["name_en"]], kind=OrganisationAlias.AliasKind.ENGLISH)
        if spec.get("renamed_from"):
            renamed_on = _date(spec["renamed_on"])
            loader.add_aliases(org, [spec["renamed_from"]], kind=OrganisationAlias.AliasKind.FORMER_NAME,
                               valid_until=renamed_on - datetime.timedelta(days=1))
            loader.add_event(org, OrganisationEvent.EventKind.RENAMED, renamed_on,
                             old_name=spec["renamed_from"], new_name=org.name)
    for spec in data["organisations"]:
        org = loader.by_code[spec["code"]]
        if spec.get("successor"):
            successor = loader.by_code[spec["successor"]]
            if org.successor_id != successor.pk:
                org.successor = successor
                org.save(update_fields=["successor"])
            loader.add_event(org, OrganisationEvent.EventKind.MERGED_INTO, _date(spec["merged_on"]),
                             related=successor, legal_basis=spec.get("legal_basis", ""), note=spec.get("note", ""))
        if spec.get("moved_on"):
            loader.add_event(org, OrganisationEvent.EventKind.MOVED, _date(spec["moved_on"]), note=spec.get("moved_note", ""))

    # Provinces from the official 2025 list.
    local_root = loader.by_code["DP"]
    province_specs = []
    for province in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        number = int(province.code)
        is_city = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        province_specs.append({
            "code": f"P{number:02d}", "parent": local_root, "name": province.name,
            "kind": Kind.CITY if is_city else Kind.PROVINCE, "admin_code": f"{number:02d}",
            "sort_order": number,
        })
    provinces = loader.upsert_many(province_specs)
    by_number = {int(p.admin_code): p for p in provinces}

    # Each province's steering committee and its Department of Science and Technology (the usual focal point).
    unit_specs = []
    for number, province in by_number.items():
        bare = _bare_province_name(province.name)
        unit_specs.append({
            "code": f"P{number:02d}-BCD", "parent": province, "kind": Kind.PROVINCIAL_COMMITTEE, "sort_order": -2,
            "name": f"Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số {province.name.lower().replace(bare.lower(), bare)}",
            "short_name": f"BCĐ {bare}",
        })
        unit_specs.append({
            "code": f"P{number:02d}-SKHCN", "parent": province, "kind": Kind.DEPARTMENT, "sort_order": -1,
            "name": f"Sở Khoa học và Công nghệ {bare}", "short_name": f"Sở KH&CN {bare}",
        })
    loader.upsert_many(unit_specs)

    if with_communes:
        kinds = {
            VietNamDivisionType.XA: Kind.COMMUNE,
            VietNamDivisionType.PHUONG: Kind.WARD,
            VietNamDivisionType.DAC_KHU: Kind.SPECIAL_ZONE,
        }
        commune_specs = [
            {"code": f"X{int(ward.code):05d}", "parent": by_number[int(ward.province_code)],
             # The source writes a few names with a lower-case type ("xã Bắc Sơn"); official style capitalises it.
             "name": ward.name[:1].upper() + ward.name[1:],
             "kind": kinds[ward.division_type], "admin_code": f"{int(ward.code):05d}", "sort_order": int(ward.code),
             "valid_from": PROVINCE_REFORM_DATE}
            for ward in Ward.iter_all()
        ]
        loader.upsert_many(commune_specs)

    # Provinces that existed before 1 July 2025 under another name stay as closed records.
    active_names = {p.name for p in provinces}
    legacy_specs, legacy_successors = [], {}
    for legacy in LegacyProvince.iter_all():
        old_number = int(legacy.code)
        entry = OLD_TO_NEW.get(old_number)
        if legacy.name in active_names or entry is None:
            continue
        new_numbers = [ref.code for ref in entry.new_provinces]
        primary = old_number if old_number in new_numbers else new_numbers[0]
        code = f"LP{old_number:02d}"
        legacy_successors[code] = (by_number[primary], [by_number[n] for n in new_numbers])
        legacy_specs.append({
            "code": code, "parent": local_root, "name": legacy.name,
            "kind": Kind.CITY if legacy.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG else Kind.PROVINCE,
            "admin_code": f"{old_number:02d}", "sort_order": 1000 + old_number,
            "valid_until": PROVINCE_REFORM_DATE - datetime.timedelta(days=1),
        })
    for org in loader.upsert_many(legacy_specs):
        primary, successors = legacy_successors[org.code]
        if org.successor_id != primary.pk:
            org.successor = primary
            org.save(update_fields=["successor"])
        for successor in successors:
            loader.add_event(org, OrganisationEvent.EventKind.MERGED_INTO, PROVINCE_REFORM_DATE, related=successor,
                             legal_basis=PROVINCE_REFORM_BASIS)

    # Named groups used by documents.
    for spec in data["groups"]:
        OrganisationGroup.objects.update_or_create(code=spec["code"], defaults={
            "name": spec["name"], "name_en": spec.get("name_en", ""), "phrases": spec["phrases"],
            "member_kinds": spec.get("kinds", []), "needs_selection": spec.get("needs_selection", False),
        })

    loader.flush_audit()
    return {"created": loader.created, "updated": loader.updated}
