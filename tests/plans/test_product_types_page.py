"""The shared list of product types: everyone with an account reads it, the standing office extends it,
and a new type classifies imported product texts from then on."""

import pytest

from nq57.audit.models import AuditEvent
from nq57.core.roles import Role
from nq57.plans.importing.products import classify_product, ensure_product_types
from nq57.plans.models import ProductType

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(make_user):
    return make_user("office", home="VPTWD", role=Role.STANDING_OFFICE, scope="CP")


def test_a_standing_office_adds_a_type_that_then_classifies_products(client, office):
    ensure_product_types()
    client.force_login(office)
    response = client.post("/plans/product-types/", {"name": "Bộ chỉ số", "name_en": "Index",
                                                     "keywords": "bộ chỉ số, chỉ số đánh giá"})
    assert response.status_code == 302
    added = ProductType.objects.get(name="Bộ chỉ số")
    assert added.keywords == ["bộ chỉ số", "chỉ số đánh giá"]
    assert classify_product("Bộ chỉ số đánh giá chuyển đổi số cấp tỉnh") == added
    assert AuditEvent.objects.filter(verb="product_type_created", object_id=str(added.pk), actor=office).exists()


def test_a_duplicate_name_is_refused_with_a_message(client, office):
    ensure_product_types()
    existing = ProductType.objects.first()
    client.force_login(office)
    response = client.post("/plans/product-types/", {"name": existing.name.upper()})
    assert response.status_code == 400
    assert ProductType.objects.filter(name__iexact=existing.name).count() == 1


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_people_without_assign_rights_read_the_list_but_cannot_add(client, request, who):
    ensure_product_types()
    client.force_login(request.getfixturevalue(who))
    page = client.get("/plans/product-types/")
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert client.post("/plans/product-types/", {"name": "Loại mới"}).status_code == 403
    assert not ProductType.objects.filter(name="Loại mới").exists()
