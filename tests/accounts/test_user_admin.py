"""Administering people and roles within one's own subtree, through the pages and the service functions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nq57.accounts import actions
from nq57.accounts.models import RoleGrant, User
from nq57.audit.models import AuditEvent
from nq57.audit.services import history_for
from nq57.core.roles import Role

pytestmark = pytest.mark.django_db

NEW_PERSON = {"form": "user", "username": "hoa.nguyen", "full_name": "Nguyễn Thị Hoa",
              "email": "Hoa.Nguyen@LangSon.gov.vn", "position": "Chuyên viên", "phone": "0205 123 456"}


def _org_admin_url(org):
    return f"/accounts/organisations/{org.pk}/"


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


# --- through the pages ------------------------------------------------------------------------


def test_bob_creates_an_account_in_lang_son_and_an_email_goes_out(bob_client, bob, org, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(_org_admin_url(org("P20-SKHCN")), NEW_PERSON)
    person = User.objects.get(username="hoa.nguyen")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{person.pk}/"
    assert person.organisation == org("P20-SKHCN")
    assert person.email == "hoa.nguyen@langson.gov.vn"  # normalised
    # No password yet: the person sets one through the e-mailed link.
    assert not person.has_usable_password()
    assert [m.to for m in mailoutbox] == [["hoa.nguyen@langson.gov.vn"]]
    assert "/accounts/reset/" in mailoutbox[0].body
    row = history_for(person).get(verb="user_created")
    assert (row.actor, row.action, row.before) == (bob, AuditEvent.Action.CREATE, None)
    assert row.after["username"] == "hoa.nguyen" and row.after["organisation"] == org("P20-SKHCN").pk
    assert row.after["password"] == "••••"  # the hash never reaches the audit trail


def test_the_new_person_sets_a_password_through_the_emailed_link_and_logs_in(bob_client, org, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    import re

    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(_org_admin_url(org("P20-SKHCN")), NEW_PERSON)
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    newcomer = Client()
    form_url = newcomer.get(link)["Location"]
    newcomer.post(form_url, {"new_password1": "hoa-langson-2025!", "new_password2": "hoa-langson-2025!"})
    newcomer.post("/accounts/login/", {"username": "hoa.nguyen", "password": "hoa-langson-2025!"})
    assert newcomer.session["_auth_user_id"] == str(User.objects.get(username="hoa.nguyen").pk)


def test_no_email_goes_out_when_the_account_is_not_created(bob_client, alice, org, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(_org_admin_url(org("P20")), {**NEW_PERSON, "username": "ALICE"})
    assert response.status_code == 400
    assert response.context["user_form"].errors["username"]
    assert mailoutbox == []


def test_an_email_address_is_used_by_one_account_only(bob_client, alice, org):
    response = bob_client.post(_org_admin_url(org("P20")), {**NEW_PERSON, "email": alice.email.upper()})
    assert response.status_code == 400
    assert response.context["user_form"].errors["email"]
    assert not User.objects.filter(username="hoa.nguyen").exists()


def test_bob_grants_a_role_in_lang_son(bob_client, bob, org, make_user):
    person = make_user("hoa", home="P20-SKHCN")
    response = bob_client.post(_org_admin_url(org("P20-SKHCN")),
                               {"form": "grant", "username": "HOA", "role": Role.AGENCY_HEAD})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=person)
    assert (grant.role, grant.organisation, grant.granted_by) == (Role.AGENCY_HEAD, org("P20-SKHCN"), bob)
    row = history_for(grant).get(verb="role_granted")
    assert row.actor == bob
    assert (row.after["user"], row.after["role"], row.after["organisation"]) == (
        person.pk, Role.AGENCY_HEAD, org("P20-SKHCN").pk)


def test_granting_the_same_role_twice_is_refused_with_a_message(bob_client, alice, org):
    response = bob_client.post(_org_admin_url(org("P20")),
                               {"form": "grant", "username": "alice", "role": Role.FOCAL_OFFICER})
    assert response.status_code == 400
    assert response.context["grant_form"].non_field_errors()
    assert RoleGrant.objects.filter(user=alice).count() == 1


def test_bob_revokes_a_role(bob_client, bob, alice):
    grant = RoleGrant.objects.get(user=alice)
    response = bob_client.post(f"/accounts/users/{alice.pk}/", {"operation": "revoke", "grant": grant.pk})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=alice).exists()
    row = AuditEvent.objects.get(verb="role_revoked")
    assert (row.actor, row.action, row.after) == (bob, AuditEvent.Action.DELETE, None)
    assert (row.before["user"], row.before["role"]) == (alice.pk, Role.FOCAL_OFFICER)


def test_bob_disables_and_enables_an_account(bob_client, alice):
    response = bob_client.post(f"/accounts/users/{alice.pk}/", {"operation": "disable"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    bob_client.post(f"/accounts/users/{alice.pk}/", {"operation": "enable"})
    alice.refresh_from_db()
    assert alice.is_active
    disabled, enabled = history_for(alice).filter(verb__in=["user_disabled", "user_enabled"]).order_by("id")
    assert (disabled.verb, disabled.before["is_active"], disabled.after["is_active"]) == ("user_disabled", True, False)
    assert (enabled.verb, enabled.before["is_active"], enabled.after["is_active"]) == ("user_enabled", False, True)


def test_a_disabled_account_can_no_longer_log_in(bob_client, alice, client):
    bob_client.post(f"/accounts/users/{alice.pk}/", {"operation": "disable"})
    bob_client.logout()
    client.post("/accounts/login/", {"username": "alice", "password": "correct-horse-57"})
    assert "_auth_user_id" not in client.session


def test_bob_cannot_disable_his_own_account(bob_client, bob):
    response = bob_client.post(f"/accounts/users/{bob.pk}/", {"operation": "disable"})
    assert response.status_code == 400
    bob.refresh_from_db()
    assert bob.is_active


def test_bob_edits_a_profile_and_the_change_is_audited(bob_client, alice):
    response = bob_client.post(f"/accounts/users/{alice.pk}/", {
        "operation": "profile", "full_name": "Alice Nguyễn", "email": "alice.new@example.vn",
        "position": "Trưởng phòng", "phone": "",
    })
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.full_name, alice.email, alice.position) == ("Alice Nguyễn", "alice.new@example.vn", "Trưởng phòng")
    row = history_for(alice).get(verb="user_updated")
    assert (row.before["full_name"], row.after["full_name"]) == ("Alice Lạng Sơn", "Alice Nguyễn")
    assert ("email", "alice@example.vn", "alice.new@example.vn") in row.changes()


def test_bob_gets_403_on_the_admin_page_of_ha_noi(bob_client, org):
    assert bob_client.get(_org_admin_url(org("P01"))).status_code == 403
    assert bob_client.post(_org_admin_url(org("P01")), {**NEW_PERSON}).status_code == 403
    assert not User.objects.filter(username="hoa.nguyen").exists()


def test_bob_cannot_grant_a_role_to_charlie_who_is_out_of_scope(bob_client, charlie, org):
    response = bob_client.post(_org_admin_url(org("P20")),
                               {"form": "grant", "username": "charlie", "role": Role.FOCAL_OFFICER})
    assert response.status_code == 400
    assert response.context["grant_form"].errors["username"]
    assert not RoleGrant.objects.filter(user=charlie, organisation=org("P20")).exists()


@pytest.mark.parametrize("operation", ["disable", "enable", "unlock", "reset", "profile", "revoke"])
def test_bob_cannot_touch_charlies_account(bob_client, charlie, operation):
    grant = RoleGrant.objects.get(user=charlie)
    response = bob_client.post(f"/accounts/users/{charlie.pk}/", {
        "operation": operation, "grant": grant.pk, "full_name": "Hacked", "email": "x@example.vn"})
    assert response.status_code == 403
    charlie.refresh_from_db()
    assert charlie.is_active and charlie.full_name == "Charlie Hà Nội"
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_a_role_on_a_unit_in_scope_cannot_be_revoked_from_a_page_for_another_user(bob_client, alice, charlie):
    # The grant id must belong to the person whose page is posted to.
    response = bob_client.post(f"/accounts/users/{alice.pk}/",
                               {"operation": "revoke", "grant": RoleGrant.objects.get(user=charlie).pk})
    assert response.status_code == 400
    assert RoleGrant.objects.filter(user=charlie).exists()


def test_the_user_list_shows_only_people_in_scope(bob_client, alice, charlie, dave):
    response = bob_client.get("/accounts/users/")
    names = {u.username for u in response.context["page"]}
    assert names == {"alice", "bob"}


# --- the service functions ------------------------------------------------------------------------


def test_create_user_refuses_an_out_of_scope_organisation(bob, org):
    with pytest.raises(PermissionDenied):
        actions.create_user(actor=bob, username="x", organisation=org("P01"), email="x@example.vn")
    assert not User.objects.filter(username="x").exists()


def test_update_user_refuses_someone_out_of_scope(bob, charlie):
    with pytest.raises(PermissionDenied):
        actions.update_user(actor=bob, user=charlie, full_name="Hacked")


def test_update_user_refuses_a_move_to_an_organisation_out_of_scope(bob, alice, org):
    with pytest.raises(PermissionDenied):
        actions.update_user(actor=bob, user=alice, organisation=org("P01"))
    alice.refresh_from_db()
    assert alice.organisation == org("P20-SKHCN")


def test_set_user_active_refuses_someone_out_of_scope(bob, charlie):
    with pytest.raises(PermissionDenied):
        actions.set_user_active(actor=bob, user=charlie, active=False)


def test_grant_role_refuses_an_organisation_out_of_scope(bob, alice, org):
    with pytest.raises(PermissionDenied):
        actions.grant_role(actor=bob, user=alice, role=Role.FOCAL_OFFICER, organisation=org("P01"))


def test_grant_role_refuses_a_person_out_of_scope_even_on_an_organisation_in_scope(bob, charlie, org):
    with pytest.raises(PermissionDenied):
        actions.grant_role(actor=bob, user=charlie, role=Role.FOCAL_OFFICER, organisation=org("P20"))


def test_revoke_role_refuses_a_grant_out_of_scope(bob, charlie):
    with pytest.raises(PermissionDenied):
        actions.revoke_role(actor=bob, grant=RoleGrant.objects.get(user=charlie))
    assert RoleGrant.objects.filter(user=charlie).exists()


def test_unlock_user_refuses_someone_out_of_scope(bob, charlie):
    with pytest.raises(PermissionDenied):
        actions.unlock_user(actor=bob, user=charlie)


@pytest.mark.parametrize("who", ["alice", "charlie", "dave"])
def test_people_without_manage_users_can_do_none_of_it(request, who, alice, org):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.create_user(actor=actor, username="x", organisation=org("P20"))
    with pytest.raises(PermissionDenied):
        actions.set_user_active(actor=actor, user=alice, active=False)
    with pytest.raises(PermissionDenied):
        actions.grant_role(actor=actor, user=alice, role=Role.ORG_ADMIN, organisation=org("P20"))


def test_root_administers_everyone(root, charlie, org):
    actions.grant_role(actor=root, user=charlie, role=Role.INSPECTOR, organisation=org("P20"))
    actions.set_user_active(actor=root, user=charlie, active=False)
    charlie.refresh_from_db()
    assert not charlie.is_active


def test_a_weak_password_is_refused_when_one_is_given(bob, org):
    with pytest.raises(ValidationError):
        actions.create_user(actor=bob, username="weak", organisation=org("P20"), password="123")
    assert not User.objects.filter(username="weak").exists()


def test_the_audit_row_is_written_in_the_same_transaction_as_the_change(bob, org, monkeypatch):
    # If the audit row cannot be written, the change itself must not stay.
    def broken_record(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(actions, "record", broken_record)
    with pytest.raises(RuntimeError):
        actions.create_user(actor=bob, username="ghost", organisation=org("P20"))
    assert not User.objects.filter(username="ghost").exists()
    alice = User.objects.create_user("alice2", organisation=org("P20"))
    with pytest.raises(RuntimeError):
        actions.grant_role(actor=bob, user=alice, role=Role.FOCAL_OFFICER, organisation=org("P20"))
    assert not RoleGrant.objects.filter(user=alice).exists()


def test_audit_rows_carry_the_source_and_address_of_a_web_request(bob_client, alice):
    bob_client.post(f"/accounts/users/{alice.pk}/", {"operation": "disable"}, REMOTE_ADDR="203.0.113.7")
    row = history_for(alice).get(verb="user_disabled")
    assert (row.source, row.ip_address, row.actor_label) == (AuditEvent.Source.WEB, "203.0.113.7", "bob")
    assert row.organisation == alice.organisation
