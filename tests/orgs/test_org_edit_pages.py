"""The organisation edit page: details, rename, add a unit, split and merge, each recorded as dated
history and in the audit trail, and each refused outside the editor's scope."""

import datetime

import pytest

from nq57.audit.models import AuditEvent
from nq57.orgs.models import Organisation, OrganisationEvent
from nq57.orgs.resolution import Resolver

pytestmark = pytest.mark.django_db


def edit_url(org):
    return f"/organisations/{org.pk}/edit/"


def test_an_administrator_renames_a_department_and_the_old_name_still_resolves(client, bob, org):
    department = org("P20-SKHCN")
    old_name = department.name
    client.force_login(bob)
    response = client.post(edit_url(department), {
        "operation": "rename", "rename-new_name": "Sở Khoa học, Công nghệ và Đổi mới sáng tạo Lạng Sơn",
        "rename-effective_date": "01/01/2026", "rename-legal_basis": "Quyết định 1/QĐ-UBND",
    })
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name.startswith("Sở Khoa học, Công nghệ và Đổi mới")
    event = department.events.get(kind=OrganisationEvent.EventKind.RENAMED)
    assert event.effective_date == datetime.date(2026, 1, 1) and event.old_name == old_name
    assert Resolver().resolve(old_name).organisation == department
    assert AuditEvent.objects.filter(verb="organisation_renamed", object_id=str(department.pk)).exists()


def test_a_rename_with_a_malformed_date_is_refused_with_a_message_and_changes_nothing(client, bob, org):
    department = org("P20-SKHCN")
    client.force_login(bob)
    response = client.post(edit_url(department), {
        "operation": "rename", "rename-new_name": "Tên mới", "rename-effective_date": "31/02/2026",
    })
    assert response.status_code == 400
    assert "rename-effective_date" in response.content.decode()  # the field is shown again with its error
    department.refresh_from_db()
    assert department.name == "Sở Khoa học và Công nghệ Lạng Sơn"


def test_an_administrator_adds_a_unit_with_a_generated_code(client, bob, org):
    province = org("P20")
    client.force_login(bob)
    response = client.post(edit_url(province), {"operation": "unit", "unit-name": "Trung tâm Chuyển đổi số tỉnh",
                                                "unit-kind": "department"})
    assert response.status_code == 302
    unit = Organisation.objects.get(name="Trung tâm Chuyển đổi số tỉnh")
    assert unit.parent == province and unit.code == "P20-001"
    assert unit.path.startswith(province.path)


def test_a_split_creates_a_sibling_linked_by_a_dated_event(client, bob, org):
    department = org("P20-SKHCN")
    client.force_login(bob)
    response = client.post(edit_url(department), {
        "operation": "split", "split-name": "Trung tâm Thông tin và Thống kê KH&CN", "split-kind": "department",
        "split-effective_date": "15/03/2026",
    })
    assert response.status_code == 302
    new = Organisation.objects.get(name="Trung tâm Thông tin và Thống kê KH&CN")
    assert new.parent == department.parent
    assert new.events.get(kind=OrganisationEvent.EventKind.SPLIT_FROM).related == department


def test_a_merge_target_can_be_named_and_the_merged_body_resolves_to_it(client, root, org):
    department = org("P20-SKHCN")
    client.force_login(root)
    response = client.post(edit_url(department), {
        "operation": "merge", "merge-into": "UBND tỉnh Lạng Sơn", "merge-effective_date": "01/07/2026",
    })
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.successor == org("P20")
    assert department.valid_until == datetime.date(2026, 6, 30)
    assert Resolver(on=datetime.date(2026, 8, 1)).resolve(department.name).organisation == org("P20")


def test_an_ambiguous_merge_target_asks_for_the_code(client, root, org):
    client.force_login(root)
    response = client.post(edit_url(org("P20-SKHCN")), {
        "operation": "merge", "merge-into": "Xã Tân Hòa", "merge-effective_date": "01/07/2026",
    })
    assert response.status_code == 400
    assert "X" in response.content.decode()  # candidate codes (X…) are listed
    assert org("P20-SKHCN").successor is None


def test_a_province_administrator_cannot_merge_into_another_province(client, bob, org):
    client.force_login(bob)
    response = client.post(edit_url(org("P20-SKHCN")), {
        "operation": "merge", "merge-into": "P01", "merge-effective_date": "01/07/2026",
    })
    assert response.status_code == 400
    assert org("P20-SKHCN").successor is None


@pytest.mark.parametrize("who", ["alice", "charlie", "dave"])
def test_people_without_change_rights_on_the_organisation_are_refused(client, request, org, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(edit_url(org("P20")), {"operation": "unit", "unit-name": "X", "unit-kind": "other"})
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="X", parent=org("P20")).exists()
