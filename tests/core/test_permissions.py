"""The permission chokepoint: scope_paths, can and restrict agree, and a grant reaches down its subtree only."""

import pytest

from nq57.accounts.models import RoleGrant, User
from nq57.core.permissions import can, can_anywhere, scope_paths
from nq57.core.roles import Action, Role
from nq57.orgs.models import Kind, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def lang_son_commune():
    return Organisation.objects.filter(parent__code="P20", kind=Kind.COMMUNE).first()


@pytest.fixture
def ha_noi_commune():
    return Organisation.objects.filter(parent__code="P01").exclude(code__startswith="P01-").first()


@pytest.fixture
def inspector(make_user):
    return make_user("eve", home="TTCP", role=Role.INSPECTOR, scope="BCDTW")


@pytest.fixture
def advisor(make_user):
    return make_user("frank", home="HDTV", role=Role.ADVISORY_MEMBER, scope="HDTV")


@pytest.fixture
def superuser(make_user):
    return make_user("grace", is_superuser=True)


def test_a_grant_on_a_province_is_one_path_prefix(alice, org):
    assert scope_paths(alice, Action.VIEW) == [org("P20").path]


def test_a_grant_on_a_province_covers_the_province_its_units_and_its_communes(alice, org, lang_son_commune):
    for target in (org("P20"), org("P20-SKHCN"), org("P20-BCD"), lang_son_commune):
        assert can(alice, Action.VIEW, target), target


def test_a_grant_on_a_province_does_not_cover_another_province_or_what_is_above(alice, org, ha_noi_commune):
    for target in (org("P01"), org("P01-SKHCN"), ha_noi_commune, org("DP"), org("BCDTW"), org("BKHCN")):
        assert not can(alice, Action.VIEW, target), target


def test_restrict_returns_exactly_the_subtree_of_the_grant(alice, org):
    visible = Organisation.objects.restrict(alice, Action.VIEW)
    assert set(visible.values_list("pk", flat=True)) == {org("P20").pk} | set(
        org("P20").descendants().values_list("pk", flat=True))
    assert visible.count() > 50  # the province's communes are included
    assert not visible.filter(pk=org("P01").pk).exists()


def test_restrict_and_can_agree_on_every_province_and_commune(alice, org):
    candidates = Organisation.objects.filter(path__startswith=org("DP").path, depth__lte=org("DP").depth + 2)
    visible = set(Organisation.objects.restrict(alice, Action.VIEW).values_list("pk", flat=True))
    for target in candidates:
        assert can(alice, Action.VIEW, target) == (target.pk in visible), target


def test_an_action_the_role_does_not_include_gives_no_scope(alice, org):
    assert scope_paths(alice, Action.MANAGE_USERS) == []
    assert not can(alice, Action.MANAGE_USERS, org("P20"))
    assert not can_anywhere(alice, Action.MANAGE_USERS)
    assert not Organisation.objects.restrict(alice, Action.MANAGE_USERS).exists()


def test_several_grants_add_up_and_nested_ones_collapse(make_user, org):
    user = make_user("multi", home="P20-SKHCN", role=Role.FOCAL_OFFICER, scope="P20")
    RoleGrant.objects.create(user=user, role=Role.FOCAL_OFFICER, organisation=org("P20-SKHCN"))
    RoleGrant.objects.create(user=user, role=Role.AGENCY_HEAD, organisation=org("P01"))
    # The grant on Lạng Sơn's department adds nothing to the grant on Lạng Sơn itself.
    assert scope_paths(user, Action.VIEW) == sorted([org("P20").path, org("P01").path])
    assert scope_paths(user, Action.APPROVE) == [org("P01").path]
    assert can(user, Action.REPORT, org("P20-SKHCN")) and can(user, Action.REPORT, org("P01"))
    assert not can(user, Action.APPROVE, org("P20"))


def test_a_grant_at_the_root_covers_everything(root, org):
    assert scope_paths(root, Action.MANAGE_USERS) == [org("BCDTW").path]
    assert Organisation.objects.restrict(root, Action.MANAGE_USERS).count() == Organisation.objects.count()


def test_a_superuser_sees_everything_without_a_grant(superuser, org):
    assert scope_paths(superuser, Action.MANAGE_USERS) is None
    assert can(superuser, Action.CHANGE_ORG, org("X00004"))
    assert can_anywhere(superuser, Action.EVALUATE)
    assert Organisation.objects.restrict(superuser, Action.VIEW).count() == Organisation.objects.count()


def test_an_inactive_superuser_sees_nothing(superuser, org):
    superuser.is_active = False
    assert scope_paths(superuser, Action.VIEW) == []
    assert not can(superuser, Action.VIEW, org("P20"))


def test_an_inactive_user_sees_nothing_whatever_their_grants(bob, org):
    bob.is_active = False
    bob.save()
    bob = User.objects.get(pk=bob.pk)
    assert scope_paths(bob, Action.VIEW) == []
    assert not can(bob, Action.VIEW, org("P20"))
    assert not Organisation.objects.restrict(bob, Action.VIEW).exists()
    assert not can_anywhere(bob, Action.MANAGE_USERS)


def test_a_user_without_a_role_sees_nothing(dave, org):
    assert scope_paths(dave, Action.VIEW) == []
    assert not can(dave, Action.VIEW, org("P20"))
    assert not User.objects.restrict(dave, Action.VIEW).exists()


def test_anonymous_visitors_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    assert scope_paths(AnonymousUser(), Action.VIEW) == []
    assert not can(AnonymousUser(), Action.VIEW, org("P20"))


def test_an_inspector_may_view_but_not_manage_users_or_change_the_map(inspector, org):
    assert can(inspector, Action.VIEW, org("P20"))
    assert can(inspector, Action.VIEW, org("BKHCN"))
    for action in (Action.MANAGE_USERS, Action.CHANGE_ORG, Action.REPORT, Action.APPROVE):
        assert not can(inspector, action, org("P20")), action
        assert not can_anywhere(inspector, action), action


def test_an_advisory_council_member_evaluates_but_does_not_view(advisor, org):
    assert can(advisor, Action.EVALUATE, org("HDTV"))
    assert not can(advisor, Action.VIEW, org("HDTV"))
    assert not can_anywhere(advisor, Action.VIEW)
    assert not Organisation.objects.restrict(advisor).exists()


@pytest.mark.parametrize("role, action, allowed", [
    (Role.LEADER, Action.VIEW, True), (Role.LEADER, Action.APPROVE, True), (Role.LEADER, Action.REPORT, False),
    (Role.STANDING_OFFICE, Action.ASSIGN, True), (Role.STANDING_OFFICE, Action.CHANGE_ORG, True),
    (Role.STANDING_OFFICE, Action.MANAGE_USERS, False),
    (Role.FOCAL_OFFICER, Action.REPORT, True), (Role.FOCAL_OFFICER, Action.APPROVE, False),
    (Role.AGENCY_HEAD, Action.APPROVE, True), (Role.AGENCY_HEAD, Action.ASSIGN, False),
    (Role.ORG_ADMIN, Action.MANAGE_USERS, True), (Role.ORG_ADMIN, Action.APPROVE, False),
])
def test_each_role_allows_its_own_actions_within_its_scope(make_user, org, role, action, allowed):
    user = make_user("someone", home="P20-SKHCN", role=role, scope="P20")
    assert can(user, action, org("P20-SKHCN")) is allowed
    assert not can(user, action, org("P01-SKHCN"))


def test_objects_are_judged_by_their_scope_organisation(alice, charlie):
    # A role grant and a user are in scope through their organisation.
    grant = RoleGrant.objects.get(user=charlie)
    assert not can(alice, Action.VIEW, grant) and not can(alice, Action.VIEW, charlie)
    assert can(alice, Action.VIEW, alice)
    assert set(User.objects.restrict(alice).values_list("username", flat=True)) == {"alice"}
    assert not RoleGrant.objects.restrict(alice).filter(user=charlie).exists()


def test_something_without_an_organisation_is_never_in_scope(bob, dave):
    assert dave.organisation is None
    assert not can(bob, Action.MANAGE_USERS, dave)


def test_a_new_grant_is_seen_after_forget_grants(bob, dave, org):
    from nq57.accounts.actions import grant_role

    assert not can(dave, Action.VIEW, org("P20"))  # caches dave's (empty) grants
    grant_role(actor=bob, user=dave, role=Role.INSPECTOR, organisation=org("P20"))
    assert can(dave, Action.VIEW, org("P20"))
