"""The reference map loaded from central.json and the vietnam-provinces package."""

import datetime
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from vietnam_provinces import Province, VietNamDivisionType, Ward

from nq57.audit.models import AuditEvent
from nq57.core import context as write_context
from nq57.orgs.actions import PROVINCE_REFORM_DATE, load_org_map
from nq57.orgs.models import (
    COMMUNE_KINDS,
    PROVINCE_KINDS,
    Kind,
    Organisation,
    OrganisationAlias,
    OrganisationEvent,
    OrganisationGroup,
)
from nq57.orgs.resolution import RESOLVED, Resolver

pytestmark = pytest.mark.django_db


def _provinces():
    return Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)


def _communes():
    return Organisation.objects.active().filter(kind__in=COMMUNE_KINDS)


def _table_sizes():
    return {
        "organisations": Organisation.objects.count(),
        "aliases": OrganisationAlias.objects.count(),
        "events": OrganisationEvent.objects.count(),
        "groups": OrganisationGroup.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_it_has_exactly_34_active_provinces():
    assert _provinces().count() == 34


def test_each_province_is_a_city_or_a_province_as_the_official_list_says():
    official = {
        f"{int(p.code):02d}": (Kind.CITY if p.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
                               else Kind.PROVINCE)
        for p in Province.iter_all()
    }
    loaded = dict(_provinces().values_list("admin_code", "kind"))
    assert loaded == official
    # Since the 2025 reform: 9 centrally-run cities and 25 provinces.
    assert Counter(loaded.values()) == {Kind.PROVINCE: 25, Kind.CITY: 9}


def test_provinces_carry_their_official_names():
    official = {f"{int(p.code):02d}": p.name for p in Province.iter_all()}
    assert dict(_provinces().values_list("admin_code", "name")) == official


def test_it_has_exactly_3321_active_communes_by_kind():
    assert _communes().count() == 3321
    counts = Counter(_communes().values_list("kind", flat=True))
    assert counts == {Kind.COMMUNE: 2621, Kind.WARD: 687, Kind.SPECIAL_ZONE: 13}


def test_communes_carry_their_official_codes_and_sit_under_their_province():
    # Names as published, with the type capitalised (the source has a few "xã …").
    official = {f"{int(w.code):05d}": (w.name[:1].upper() + w.name[1:], f"{int(w.province_code):02d}")
                for w in Ward.iter_all()}
    loaded = {
        code: (name, province_code)
        for code, name, province_code in _communes().values_list("admin_code", "name", "parent__admin_code")
    }
    assert loaded == official


def test_communes_are_valid_from_the_day_of_the_reform():
    assert set(_communes().values_list("valid_from", flat=True)) == {PROVINCE_REFORM_DATE}


def test_each_province_has_its_steering_committee_and_department_of_science_and_technology():
    for province in _provinces():
        units = {o.kind: o for o in province.children.filter(code__startswith=province.code + "-")}
        assert set(units) == {Kind.PROVINCIAL_COMMITTEE, Kind.DEPARTMENT}, province.code
        assert units[Kind.PROVINCIAL_COMMITTEE].code == f"{province.code}-BCD"
        assert units[Kind.DEPARTMENT].code == f"{province.code}-SKHCN"
        assert units[Kind.DEPARTMENT].name.startswith("Sở Khoa học và Công nghệ ")


def test_the_lang_son_units_are_named_after_the_province(org):
    assert org("P20").name == "Tỉnh Lạng Sơn"
    assert org("P20-SKHCN").name == "Sở Khoa học và Công nghệ Lạng Sơn"
    assert org("P20-BCD").name.endswith("tỉnh Lạng Sơn")


def test_every_path_extends_its_parents_path_and_depth_counts_the_levels():
    rows = Organisation.objects.values_list("pk", "parent_id", "path", "depth")
    paths = {pk: path for pk, _parent, path, _depth in rows}
    for pk, parent_id, path, depth in rows:
        assert path.endswith(f"{pk:07d}.")
        assert depth == path.count(".") - 1
        if parent_id is None:
            assert path == f"{pk:07d}."
        else:
            assert path == paths[parent_id] + f"{pk:07d}."


def test_there_is_one_root_the_central_steering_committee():
    roots = Organisation.objects.filter(parent__isnull=True)
    assert [o.code for o in roots] == ["BCDTW"]


def test_running_the_loader_again_creates_and_updates_nothing():
    before = _table_sizes()
    with write_context.using(source="command", actor_label="tests"):
        result = load_org_map()
    assert result == {"created": 0, "updated": 0}
    assert _table_sizes() == before


def test_the_management_command_is_idempotent(capsys):
    before = _table_sizes()
    call_command("load_org_map")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert _table_sizes() == before


def test_the_loader_puts_back_a_field_someone_changed(org):
    Organisation.objects.filter(code="BYT").update(name="Bộ Y tế (sai)")
    with write_context.using(source="command", actor_label="tests"):
        result = load_org_map()
    assert result == {"created": 0, "updated": 1}
    assert org("BYT").name == "Bộ Y tế"
    row = AuditEvent.objects.filter(object_id=str(org("BYT").pk), action=AuditEvent.Action.UPDATE).latest("id")
    assert (row.before["name"], row.after["name"]) == ("Bộ Y tế (sai)", "Bộ Y tế")


@pytest.mark.parametrize("code, name, successor_code, merged_on", [
    ("BTTTT", "Bộ Thông tin và Truyền thông", "BKHCN", datetime.date(2025, 3, 1)),
    ("BKHDT", "Bộ Kế hoạch và Đầu tư", "BTC", datetime.date(2025, 3, 1)),
    ("BNNPTNT", "Bộ Nông nghiệp và Phát triển nông thôn", "BNNMT", datetime.date(2025, 3, 1)),
    ("BTGTW", "Ban Tuyên giáo Trung ương", "BTGDVTW", datetime.date(2025, 2, 1)),
])
def test_a_former_body_is_inactive_with_a_successor_and_a_dated_merger(org, code, name, successor_code, merged_on):
    former = org(code)
    assert former.name == name
    assert not former.is_active
    assert not Organisation.objects.active().filter(pk=former.pk).exists()
    # Closed the day before the merger takes effect.
    assert former.valid_until == merged_on - datetime.timedelta(days=1)
    assert former.successor == org(successor_code)
    event = former.events.get(kind=OrganisationEvent.EventKind.MERGED_INTO)
    assert (event.effective_date, event.related) == (merged_on, org(successor_code))


def test_a_legacy_province_is_a_closed_record_pointing_at_its_successor():
    ha_giang = Organisation.objects.get(name="Tỉnh Hà Giang")
    assert ha_giang.valid_until == PROVINCE_REFORM_DATE - datetime.timedelta(days=1)
    assert ha_giang.successor.name == "Tỉnh Tuyên Quang"
    assert ha_giang.events.filter(kind=OrganisationEvent.EventKind.MERGED_INTO,
                                  effective_date=PROVINCE_REFORM_DATE).exists()


def test_a_legacy_province_name_resolves_to_its_successor():
    result = Resolver().resolve("Tỉnh Hà Giang")
    assert result.status == RESOLVED
    assert result.organisation.name == "Tỉnh Tuyên Quang"
    assert result.named.name == "Tỉnh Hà Giang"
    assert result.via == "history"


def test_a_province_that_kept_its_name_has_no_legacy_twin():
    # Lạng Sơn was not merged in 2025: one record, active.
    assert list(Organisation.objects.filter(name="Tỉnh Lạng Sơn").values_list("code", flat=True)) == ["P20"]


def test_every_loaded_organisation_has_a_creation_audit_row():
    org_type = ContentType.objects.get_for_model(Organisation)
    audited = set(AuditEvent.objects.filter(content_type=org_type, action=AuditEvent.Action.CREATE)
                  .values_list("object_id", flat=True))
    all_ids = {str(pk) for pk in Organisation.objects.values_list("pk", flat=True)}
    assert all_ids - audited == set()


def test_the_named_groups_are_loaded():
    group = OrganisationGroup.objects.get(code="bo-nganh-dia-phuong")
    assert "Các bộ, ngành, địa phương" in group.phrases
    assert not group.needs_selection
    assert OrganisationGroup.objects.get(code="bo-nganh-lien-quan").needs_selection
