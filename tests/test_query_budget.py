"""Query budgets: pages over the map cost a fixed, small number of queries however many communes there are."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from nq57.orgs.models import PROVINCE_KINDS, Organisation

pytestmark = pytest.mark.django_db

# Budgets. A logged-in request adds a few fixed queries (session, user, grants, two-factor device).
ANONYMOUS_BUDGET = 3
LOGGED_IN_BUDGET = 7


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.fixture
def largest_and_smallest_province():
    provinces = (Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)
                 .annotate(n=Count("children")).order_by("n"))
    smallest, largest = provinces.first(), provinces.last()
    assert largest.n > 3 * smallest.n  # a real difference in size
    return largest, smallest


@pytest.fixture(params=["anonymous", "alice"])
def visitor(request, client):
    """Each budget holds for a visitor and for a logged-in official."""
    if request.param == "anonymous":
        return client, ANONYMOUS_BUDGET
    client.force_login(request.getfixturevalue("alice"))
    return client, LOGGED_IN_BUDGET


@pytest.mark.parametrize("url", ["/organisations/", "/organisations/?former=1"])
def test_the_tree_page_stays_within_budget(visitor, django_assert_max_num_queries, url):
    client, budget = visitor
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    # Every province was rendered with its number of units, without a query each.
    provinces = Organisation.objects.filter(kind__in=PROVINCE_KINDS)
    if "former" not in url:
        provinces = provinces.active()
    body = response.content.decode()
    assert body.count('class="kind-province"') + body.count('class="kind-city"') == provinces.count()


def test_a_search_costs_the_same_for_three_matches_or_thousands(visitor, django_assert_max_num_queries):
    client, budget = visitor
    few = _queries(client, "/organisations/?q=lang+son")
    many = _queries(client, "/organisations/?q=xa")  # thousands of communes match; 50 are shown
    assert few == many
    with django_assert_max_num_queries(budget):
        client.get("/organisations/?q=xa")


def test_the_children_of_a_province_cost_the_same_for_a_large_or_a_small_one(
        visitor, largest_and_smallest_province, django_assert_max_num_queries):
    client, budget = visitor
    largest, smallest = largest_and_smallest_province
    assert _queries(client, f"/organisations/{largest.pk}/children/") == _queries(
        client, f"/organisations/{smallest.pk}/children/")
    with django_assert_max_num_queries(budget):
        response = client.get(f"/organisations/{largest.pk}/children/")
    assert len(response.context["children"]) == largest.n


def test_a_province_page_stays_within_budget_however_many_communes_it_has(client, largest_and_smallest_province,
                                                                          django_assert_max_num_queries):
    # Units are paginated (200 a page), with their own unit counts in the same query.
    largest, _smallest = largest_and_smallest_province
    for page in ("1", "2"):
        with django_assert_max_num_queries(ANONYMOUS_BUDGET + 6):  # plus aliases, events, predecessors, ancestors
            response = client.get(f"/organisations/{largest.pk}/", {"page": page})
        assert response.status_code == 200


def test_the_organisations_api_costs_the_same_on_any_page(client, django_assert_max_num_queries):
    assert _queries(client, "/api/v1/organisations/?page=1") == _queries(client, "/api/v1/organisations/?page=30")
    with django_assert_max_num_queries(ANONYMOUS_BUDGET):
        client.get("/api/v1/organisations/?kind=commune&page=20")


def test_the_user_list_costs_the_same_for_one_person_or_many(client, bob, make_user):
    client.force_login(bob)
    one = _queries(client, "/accounts/users/")
    for i in range(20):
        make_user(f"officer{i}", home="P20-SKHCN")
    assert _queries(client, "/accounts/users/") == one
