"""Dated changes to the map: rename, merge, split; only for people who may change that part of it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nq57.audit.models import AuditEvent
from nq57.audit.services import history_for
from nq57.orgs import actions
from nq57.orgs.models import Kind, Organisation, OrganisationAlias, OrganisationEvent
from nq57.orgs.resolution import RESOLVED, Resolver

pytestmark = pytest.mark.django_db

REFORM = datetime.date(2025, 7, 1)


def _communes_of(province_code, count):
    communes = Organisation.objects.filter(parent__code=province_code, kind=Kind.COMMUNE).order_by("sort_order")
    return list(communes[:count])


def test_rename_keeps_the_old_name_as_a_dated_alias(bob):
    commune = _communes_of("P20", 1)[0]
    old_name = commune.name
    actions.rename_organisation(actor=bob, organisation=commune, new_name="Xã Đổi Tên Thử", effective_date=REFORM,
                                legal_basis="Nghị quyết thử")
    commune.refresh_from_db()
    assert commune.name == "Xã Đổi Tên Thử"
    alias = commune.aliases.get(name=old_name)
    assert alias.kind == OrganisationAlias.AliasKind.FORMER_NAME
    assert alias.valid_until == REFORM - datetime.timedelta(days=1)
    event = commune.events.get(kind=OrganisationEvent.EventKind.RENAMED)
    assert (event.old_name, event.new_name, event.effective_date, event.legal_basis) == (
        old_name, "Xã Đổi Tên Thử", REFORM, "Nghị quyết thử")


def test_after_a_rename_both_names_resolve_to_the_organisation(bob):
    commune = _communes_of("P20", 1)[0]
    old_name = commune.name
    actions.rename_organisation(actor=bob, organisation=commune, new_name="Xã Đổi Tên Thử", effective_date=REFORM)
    resolver = Resolver(within=commune.parent)
    for name in (old_name, "Xã Đổi Tên Thử", "xa doi ten thu"):
        result = resolver.resolve(name)
        assert (result.status, result.organisation) == (RESOLVED, commune), name


def test_after_a_rename_search_finds_the_old_and_the_new_name(bob):
    commune = _communes_of("P20", 1)[0]
    old_name = commune.name
    actions.rename_organisation(actor=bob, organisation=commune, new_name="Xã Đổi Tên Thử", effective_date=REFORM)
    assert commune in Organisation.objects.search("doi ten thu")
    assert commune in Organisation.objects.filter(parent=commune.parent).search(old_name)


def test_a_rename_is_audited_with_the_names_before_and_after(bob):
    commune = _communes_of("P20", 1)[0]
    old_name = commune.name
    actions.rename_organisation(actor=bob, organisation=commune, new_name="Xã Đổi Tên Thử", effective_date=REFORM)
    row = history_for(commune).get(verb="organisation_renamed")
    assert (row.actor, row.action, row.organisation) == (bob, AuditEvent.Action.UPDATE, commune)
    assert (row.before["name"], row.after["name"]) == (old_name, "Xã Đổi Tên Thử")


@pytest.mark.parametrize("new_name", ["", "   ", None])
def test_rename_refuses_an_empty_name(bob, new_name):
    commune = _communes_of("P20", 1)[0]
    with pytest.raises(ValidationError):
        actions.rename_organisation(actor=bob, organisation=commune, new_name=new_name, effective_date=REFORM)


def test_rename_refuses_the_same_name(bob):
    commune = _communes_of("P20", 1)[0]
    with pytest.raises(ValidationError):
        actions.rename_organisation(actor=bob, organisation=commune, new_name=commune.name, effective_date=REFORM)
    assert not commune.events.filter(kind=OrganisationEvent.EventKind.RENAMED).exists()


def test_merge_closes_the_organisation_and_points_at_its_successor(bob):
    closing, staying = _communes_of("P20", 2)
    actions.merge_organisation(actor=bob, organisation=closing, into=staying, effective_date=REFORM,
                               legal_basis="Nghị quyết sáp nhập thử")
    closing.refresh_from_db()
    assert closing.valid_until == REFORM - datetime.timedelta(days=1)
    assert closing.successor == staying
    assert not closing.is_active
    assert closing not in Organisation.objects.active()
    event = closing.events.get(kind=OrganisationEvent.EventKind.MERGED_INTO)
    assert (event.related, event.effective_date, event.legal_basis) == (staying, REFORM, "Nghị quyết sáp nhập thử")
    row = history_for(closing).get(verb="organisation_merged")
    assert (row.before["successor"], row.after["successor"]) == (None, staying.pk)
    assert row.after["valid_until"] == (REFORM - datetime.timedelta(days=1)).isoformat()


def test_a_merged_organisation_name_resolves_to_its_successor(bob):
    closing, staying = _communes_of("P20", 2)
    actions.merge_organisation(actor=bob, organisation=closing, into=staying, effective_date=REFORM)
    result = Resolver(within=closing.parent).resolve(closing.name)
    assert (result.status, result.via, result.named, result.organisation) == (RESOLVED, "history", closing, staying)


def test_a_merger_that_takes_effect_later_leaves_the_organisation_active_until_then(bob):
    closing, staying = _communes_of("P20", 2)
    next_year = datetime.date.today() + datetime.timedelta(days=365)
    actions.merge_organisation(actor=bob, organisation=closing, into=staying, effective_date=next_year)
    closing.refresh_from_db()
    assert closing.is_active
    assert closing.current_successor() == staying


def test_an_organisation_cannot_be_merged_into_itself(bob):
    commune = _communes_of("P20", 1)[0]
    with pytest.raises(ValidationError):
        actions.merge_organisation(actor=bob, organisation=commune, into=commune, effective_date=REFORM)


def test_an_organisation_cannot_be_merged_into_one_of_its_own_units(bob, org):
    with pytest.raises(ValidationError):
        actions.merge_organisation(actor=bob, organisation=org("P20"), into=_communes_of("P20", 1)[0],
                                   effective_date=REFORM)
    assert org("P20").successor is None


def test_split_creates_a_new_organisation_linked_to_its_source(root, org):
    source = org("BKHCN")
    new = actions.split_organisation(actor=root, source=source, parent=org("CP"), name="Bộ Thử nghiệm",
                                     kind=Kind.MINISTRY, code="BTN", effective_date=REFORM, legal_basis="Nghị định thử")
    new.refresh_from_db()
    assert new.parent == org("CP")
    assert new.path == org("CP").path + f"{new.pk:07d}."
    assert new.depth == org("CP").depth + 1
    assert new.valid_from == REFORM
    event = new.events.get(kind=OrganisationEvent.EventKind.SPLIT_FROM)
    assert (event.related, event.effective_date, event.legal_basis) == (source, REFORM, "Nghị định thử")
    # The source is untouched and still active.
    assert org("BKHCN").is_active and org("BKHCN").successor is None
    assert history_for(new).get(verb="organisation_created").actor == root
    assert Resolver().resolve("Bộ Thử nghiệm").organisation == new


def test_split_refuses_a_code_already_in_use(root, org):
    with pytest.raises(ValidationError):
        actions.split_organisation(actor=root, source=org("BKHCN"), parent=org("CP"), name="Bộ Trùng mã",
                                   kind=Kind.MINISTRY, code="BYT", effective_date=REFORM)
    assert not Organisation.objects.filter(name="Bộ Trùng mã").exists()


def test_update_organisation_refuses_a_name_change(bob, org):
    # Names change through rename_organisation, which keeps history.
    with pytest.raises(ValueError):
        actions.update_organisation(actor=bob, organisation=org("P20"), name="Tỉnh Khác")


# --- who may change the map ---------------------------------------------------------------------


@pytest.fixture
def standing_office(make_user):
    from nq57.core.roles import Role

    return make_user("vanphong", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")


OUT_OF_SCOPE = [
    # (actor fixture, organisation code): the actor lacks CHANGE_ORG there.
    ("alice", "P20"),      # focal officer: VIEW and REPORT only
    ("charlie", "P20"),    # another province
    ("dave", "P20"),       # no role at all
    ("bob", "P01"),        # administers Lạng Sơn, not Hà Nội
    ("bob", "BKHCN"),      # nor the ministries
]


@pytest.mark.parametrize("who, code", OUT_OF_SCOPE)
def test_rename_is_refused_without_change_rights(request, org, who, code):
    actor = request.getfixturevalue(who)
    target = org(code)
    with pytest.raises(PermissionDenied):
        actions.rename_organisation(actor=actor, organisation=target, new_name="Tên mới", effective_date=REFORM)
    assert org(code).name == target.name
    assert not history_for(target).filter(verb="organisation_renamed").exists()


@pytest.mark.parametrize("who, code", OUT_OF_SCOPE)
def test_merge_is_refused_without_change_rights(request, org, who, code):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.merge_organisation(actor=actor, organisation=org(code), into=org("P20-SKHCN"), effective_date=REFORM)
    assert org(code).successor is None


@pytest.mark.parametrize("who, code", OUT_OF_SCOPE)
def test_split_is_refused_without_change_rights_on_the_parent(request, org, who, code):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.split_organisation(actor=actor, source=org(code), parent=org(code), name="Đơn vị mới",
                                   kind=Kind.DEPARTMENT, code="NEW-UNIT", effective_date=REFORM)
    assert not Organisation.objects.filter(code="NEW-UNIT").exists()


def test_merge_needs_rights_on_the_successor_too(bob, org):
    # bob administers Lạng Sơn but may not fold one of its communes into Hà Nội.
    with pytest.raises(PermissionDenied):
        actions.merge_organisation(actor=bob, organisation=_communes_of("P20", 1)[0], into=org("P01"),
                                   effective_date=REFORM)


def test_the_standing_office_may_change_the_central_map(standing_office, org):
    actions.rename_organisation(actor=standing_office, organisation=org("BYT"), new_name="Bộ Y tế (mới)",
                                effective_date=REFORM)
    assert org("BYT").name == "Bộ Y tế (mới)"


def test_an_inactive_administrator_may_change_nothing(bob):
    bob.is_active = False
    bob.save()
    with pytest.raises(PermissionDenied):
        actions.rename_organisation(actor=bob, organisation=_communes_of("P20", 1)[0], new_name="Tên mới",
                                    effective_date=REFORM)
