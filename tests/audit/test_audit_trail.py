"""The audit trail: written only inside a write's transaction, read only by those in scope."""

import datetime

import pytest
from django.db import transaction

from nq57.accounts import actions as account_actions
from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core import context as write_context
from nq57.core.roles import Role
from nq57.orgs import actions as org_actions


def test_record_refuses_to_run_outside_a_transaction():
    # No database needed: the check comes first, so a forgotten @transaction.atomic fails loudly.
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        record(actor=None, obj=object(), action=AuditEvent.Action.UPDATE)


@pytest.mark.django_db
def test_record_writes_who_what_and_where(bob, org):
    target = org("P20")
    with write_context.using(source="import", ip="198.51.100.4"):
        row = record(actor=bob, obj=target, action=AuditEvent.Action.UPDATE, before={"a": 1}, after={"a": 2},
                     verb="test_verb")
    row.refresh_from_db()
    assert (row.actor, row.actor_label, row.source, row.ip_address) == (bob, "bob", "import", "198.51.100.4")
    assert (row.object_id, row.object_repr, row.organisation, row.verb) == (str(target.pk), target.name, target,
                                                                             "test_verb")
    assert row.changes() == [("a", 1, 2)]


@pytest.mark.django_db
def test_without_an_actor_the_command_label_is_recorded(org):
    with write_context.using(source="command", actor_label="load_org_map"):
        row = record(actor=None, obj=org("P20"), action=AuditEvent.Action.UPDATE)
    assert (row.actor, row.actor_label, row.source) == (None, "load_org_map", "command")


@pytest.mark.django_db
def test_snapshots_mask_secrets(alice):
    data = snapshot(alice)
    assert data["password"] == "••••"
    assert data["username"] == "alice"
    assert data["organisation"] == alice.organisation_id  # foreign keys as ids


# --- the history pages ------------------------------------------------------------------------


@pytest.fixture
def lang_son_renamed(bob, org):
    """A change on a Lạng Sơn commune, so its history page has a row of bob's."""
    commune = org("P20").children.filter(kind="commune").first()
    org_actions.rename_organisation(actor=bob, organisation=commune, new_name="Xã Lịch Sử",
                                    effective_date=datetime.date(2025, 7, 1))
    return commune


@pytest.mark.django_db
def test_an_organisation_history_is_visible_to_a_viewer_in_scope(client, alice, lang_son_renamed):
    client.force_login(alice)
    response = client.get(f"/organisations/{lang_son_renamed.pk}/history/")
    assert response.status_code == 200
    verbs = [row.verb for row in response.context["page"]]
    assert "organisation_renamed" in verbs
    assert "Xã Lịch Sử" in response.content.decode()


@pytest.mark.django_db
def test_a_province_history_is_visible_from_above(client, root, org):
    client.force_login(root)
    response = client.get(f"/organisations/{org('P20').pk}/history/")
    assert response.status_code == 200
    # The map loader's row is there.
    assert [row.verb for row in response.context["page"]] == ["org_map_loaded"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_an_organisation_history_is_forbidden_out_of_scope(client, request, who, lang_son_renamed):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/organisations/{lang_son_renamed.pk}/history/").status_code == 403


@pytest.mark.django_db
def test_an_organisation_history_asks_anonymous_visitors_to_log_in(client, lang_son_renamed):
    response = client.get(f"/organisations/{lang_son_renamed.pk}/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_a_user_history_is_visible_to_an_administrator_in_scope(client, bob, alice, org):
    account_actions.grant_role(actor=bob, user=alice, role=Role.AGENCY_HEAD, organisation=org("P20-SKHCN"))
    account_actions.set_user_active(actor=bob, user=alice, active=False)
    client.force_login(bob)
    response = client.get(f"/accounts/users/{alice.pk}/history/")
    assert response.status_code == 200
    verbs = {row.verb for row in response.context["page"]}
    assert {"user_disabled", "role_granted"} <= verbs


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "charlie", "dave", "erin"])
def test_a_user_history_is_forbidden_without_manage_users_in_scope(client, request, who, bob, alice):
    # alice may see her province but not administer accounts; erin administers Hà Nội, not Lạng Sơn.
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/accounts/users/{bob.pk}/history/").status_code == 403


@pytest.mark.django_db
def test_a_user_history_asks_anonymous_visitors_to_log_in(client, alice):
    assert client.get(f"/accounts/users/{alice.pk}/history/").status_code == 302
