"""Fixtures for browser journeys: Debian's Chromium driven by Playwright against pytest-django's
live server. Never downloads a Playwright browser; the test script installs /usr/bin/chromium.

The live server needs transactional tests, and Django flushes the database after each of them,
so the organisation map loaded once per session may be gone: `org_map` puts it back when needed.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def org_map(transactional_db):
    """Make sure the real organisation map is in the database (a previous flush may have emptied it)."""
    from nq57.core import context as write_context
    from nq57.orgs.actions import load_org_map
    from nq57.orgs.models import Organisation

    if not Organisation.objects.filter(code="P20").exists():
        with write_context.using(source="command", actor_label="tests"):
            load_org_map()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get install -y chromium` (scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request, browser, live_server, tmp_path):
    """A fresh browser context (no cookies, Vietnamese) on the live server; a screenshot is kept on failure."""
    # A Vietnamese officer's browser: Accept-Language decides the UI language (LocaleMiddleware).
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"Screenshot of the failing page: {shot} (at {page.url})")
        except Exception as exc:  # the page may be gone; the test failure is what matters
            print(f"No screenshot: {exc}")
    context.close()


@pytest.fixture
def log_in(page):
    """log_in(user, password) → fills and submits the login form like a person would."""
    from playwright.sync_api import expect

    def submit(username, password):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        # Logged in: the header offers the profile link instead of the login button.
        expect(page.locator('header a.user-link[href="/accounts/profile/"]')).to_be_visible()

    return submit


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- Several people in one journey (issue 3) -----------------------------------------------------


@pytest.fixture
def new_page(request, browser, live_server, tmp_path):
    """new_page() → a page in a fresh browser context, set up like `page`: another person at another desk
    (own cookies, Vietnamese). Each page still open is screenshot when the test fails."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="vi-VN", accept_downloads=True,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts, start=1):
        if report is not None and report.failed:
            for other in context.pages:
                shot = tmp_path / f"failure-{number}.png"
                try:
                    other.screenshot(path=str(shot), full_page=True)
                    print(f"Screenshot of person {number}'s page: {shot} (at {other.url})")
                except Exception as exc:  # the page may be gone; the test failure is what matters
                    print(f"No screenshot of person {number}'s page: {exc}")
        context.close()


@pytest.fixture
def log_in_as(new_page):
    """log_in_as(username, password) → a new person's page, logged in through the login form."""
    from django.urls import reverse
    from playwright.sync_api import expect

    def open_and_log_in(username, password):
        page = new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        # Logged in: the header links to the person's profile (it has other links for the signed-in, too).
        expect(page.locator(f'header a[href="{reverse("accounts:profile")}"]')).to_be_visible()
        return page

    return open_and_log_in
