"""A province officer logs in, finds a commune by typing its name without diacritics, opens it,
and cannot open another province's admin page (nor their own: they are not an administrator)."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from nq57.core.text import fold

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py


def a_lang_son_commune_with_diacritics():
    """A commune of Lạng Sơn whose folded name differs from its name and finds only that commune."""
    from nq57.orgs.models import COMMUNE_KINDS, Organisation

    province = Organisation.objects.get(code="P20")
    for commune in Organisation.objects.filter(parent=province, kind__in=COMMUNE_KINDS).order_by("sort_order"):
        typed = fold(commune.name)
        if typed != commune.name.lower() and Organisation.objects.active().search(typed).count() == 1:
            return commune, typed
    pytest.fail("no Lạng Sơn commune with a distinctive accented name in the map")


def vietnamese(message):
    # The UI runs in Vietnamese by default; compare with whatever the catalogue says today.
    with translation.override("vi"):
        return gettext(message)


def test_a_province_officer_finds_a_commune_without_diacritics_but_cannot_administer(page, log_in, alice, org):
    commune, typed = a_lang_son_commune_with_diacritics()
    log_in("alice", PASSWORD)

    page.goto("/organisations/")
    # A marker on window survives only if the results are swapped in place (htmx), not by a page load.
    page.evaluate("window.__nq57_same_page = true")
    search = page.get_by_role("searchbox")
    search.press_sequentially(typed, delay=40)
    link = page.locator(f'#results a[href="{commune.get_absolute_url()}"]')
    expect(link).to_be_visible()
    expect(link).to_have_text(commune.name)
    assert page.evaluate("window.__nq57_same_page === true"), "the search reloaded the page instead of updating"
    assert "q=" in page.url  # hx-push-url keeps the search in the address bar

    link.click()
    expect(page).to_have_url(re.compile(re.escape(commune.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(commune.name)  # with its diacritics

    # Another province's admin page (Hà Nội): refused with the "not allowed" page.
    response = page.goto(f"/accounts/organisations/{org('P01').pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese("Not allowed"))
    expect(page.locator("main")).to_contain_text(vietnamese(
        "Your roles do not cover this organisation. Ask the administrator of your unit if you need access."))

    # Their own province too: a focal officer may view Lạng Sơn but not manage its people.
    response = page.goto(f"/accounts/organisations/{org('P20').pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese("Not allowed"))


def test_a_province_administrator_can_open_their_own_province_admin_page_only(page, log_in, bob, org):
    # The control for the test above: the same pages with an administrator of Lạng Sơn.
    lang_son = org("P20")
    log_in("bob", PASSWORD)

    response = page.goto(f"/accounts/organisations/{lang_son.pk}/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(lang_son.name)

    response = page.goto(f"/accounts/organisations/{org('P01').pk}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese("Not allowed"))
