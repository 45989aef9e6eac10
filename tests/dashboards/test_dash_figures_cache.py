"""The cache of every organisation's figures (figures.cached_org_figures): off unless the setting asks for it, then
a page reads the figures from one table (no query, or one on a database cache) until it is refreshed or expires."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.dashboards.figures import (
    cached_org_figures, cached_scope_figures, computed_at, every_organisation_figures, figures_cache, org_figures,
    refresh_figures_cache,
)
from nq57.orgs.models import Organisation
from nq57.plans.models import Assignment, Plan, Task

D = datetime.date
WINDOW = dict(today=D(2026, 7, 10), window_start=D(2025, 7, 11), window_end=D(2026, 7, 10))


@pytest.fixture(autouse=True)
def _empty_cache(db):
    figures_cache().clear()
    yield
    figures_cache().clear()


@pytest.fixture
def places(db, org):
    commune = org("P20").children.filter(kind="commune").order_by("path").first()
    owner = org("CP")
    plan = Plan.objects.create(title="Kế hoạch", issuer=owner, owner=owner, issued_on=D(2025, 1, 9))
    for number, (place, deadline) in enumerate([(commune, D(2026, 3, 1)), (org("P01"), D(2026, 5, 1))]):
        Assignment.objects.create(task=Task.objects.create(plan=plan, code=str(number), title="Nhiệm vụ"),
                                  organisation=place, original_deadline=deadline, timeliness="overdue")
    return {"commune": commune, "province": org("P20"), "hanoi": org("P01"), "root": org("BCDTW"), "plan": plan}


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured)


def test_without_the_setting_every_call_computes(places):
    organisations = [places["root"], places["province"], places["commune"]]
    first, queries = _queries(lambda: cached_org_figures(organisations, **WINDOW))
    again, queries_again = _queries(lambda: cached_org_figures(organisations, **WINDOW))
    assert first == again == org_figures(organisations, **WINDOW)
    assert queries == queries_again > 0
    assert computed_at(**WINDOW) is None


def test_with_the_setting_a_second_page_reads_the_table_instead(places, settings):
    settings.NQ57_FIGURES_CACHE_SECONDS = 600
    organisations = [places["root"], places["province"], places["commune"], places["hanoi"]]
    first, queries = _queries(lambda: cached_org_figures(organisations, **WINDOW))
    assert queries > 0 and computed_at(**WINDOW) is not None
    again, queries_again = _queries(lambda: cached_org_figures(organisations, **WINDOW))
    assert queries_again <= 1  # reading the table (a query when the cache is a database table)
    assert again == first == org_figures(organisations, **WINDOW)
    assert (again[places["root"].pk].overdue, again[places["province"].pk].overdue) == (2, 1)
    # Every organisation is in the table: the communes of any province cost nothing more either.
    communes, queries_communes = _queries(lambda: cached_org_figures(
        list(Organisation.objects.filter(kind="commune")), **WINDOW))
    assert queries_communes <= 2  # the communes themselves, and the table
    assert communes[places["commune"].pk].assignments == 1


def test_cached_figures_stay_as_computed_until_refreshed(places, settings):
    settings.NQ57_FIGURES_CACHE_SECONDS = 600
    assert cached_scope_figures(places["hanoi"], **WINDOW).assignments == 1
    Assignment.objects.create(task=Task.objects.create(plan=places["plan"], code="new", title="Mới"),
                              organisation=places["hanoi"], original_deadline=D(2026, 6, 1))
    assert cached_scope_figures(places["hanoi"], **WINDOW).assignments == 1  # as computed
    refresh_figures_cache(today=WINDOW["today"])
    assert cached_scope_figures(places["hanoi"], **WINDOW).assignments == 2


def test_an_organisation_created_after_the_table_is_computed_on_its_own(places, settings, org):
    settings.NQ57_FIGURES_CACHE_SECONDS = 600
    cached_scope_figures(places["root"], **WINDOW)
    newcomer = Organisation.objects.create(code="P20-NEW", name="Đơn vị mới", kind="department",
                                           parent=places["province"], path=places["province"].path + "9999999.",
                                           depth=places["province"].depth + 1)
    assert cached_scope_figures(newcomer, **WINDOW).organisation_id == newcomer.pk


def test_the_table_of_every_organisation_agrees_with_each_subtree(places):
    table = every_organisation_figures(**WINDOW)
    assert len(table) == Organisation.objects.count()
    for name in ("root", "province", "commune", "hanoi"):
        assert table[places[name].pk] == org_figures([places[name]], **WINDOW)[places[name].pk]
