"""The frame every page shares: each role's menu offers only pages that open, the menu folds on a phone,
and every refused htmx request says why where the user acted."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from review.models import Membership
from tests.menus import MENUS as ROLE_MENUS

# The demo's members and their roles.
ROLES = {"olivia": "owner", "rita": "reviewer", "ada": "adjudicator", "victor": "viewer"}
MENUS = {username: ROLE_MENUS[role] for username, role in ROLES.items()}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_roles_menu_shows_only_pages_it_may_open(page: Page, live_server, demo, login, username):
    login(page, username)
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    menu = page.get_by_role("navigation", name="Review")
    expect(menu.get_by_role("link")).to_have_text(MENUS[username])
    expect(menu.locator('[aria-current="page"]')).to_have_text("Dashboard")
    hrefs = menu.get_by_role("link").evaluate_all("links => links.map(a => a.href)")
    for label, href in zip(MENUS[username], hrefs, strict=True):
        response = page.goto(href)
        assert response.status == 200, f"{username}: {label} answered {response.status}"
        current = page.get_by_role("navigation", name="Review").locator('[aria-current="page"]')
        expect(current).to_have_text(label)
        # The current item looks current: the menu's colour and an underline the others do not have.
        assert current.evaluate("a => getComputedStyle(a).borderBottomStyle") == "solid"
        assert current.evaluate("a => getComputedStyle(a).borderBottomColor") == "rgb(29, 78, 158)"


def test_on_a_phone_the_menu_folds_and_nothing_scrolls_sideways(browser: Browser, live_server, demo, login):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, "rita")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/screening/title_abstract/")
    menu = page.get_by_role("navigation", name="Review")
    toggle = menu.get_by_role("button", name="Menu: Title/abstract")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Records")).to_be_hidden()
    # The record to screen is on the first screen.
    assert page.locator("#screen .screen-panel h2").bounding_box()["y"] < 844
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu.get_by_role("link", name="Records").click()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible()
    for path in ("", "records/", "imports/", "extraction/", "team/", "screening/agreement/"):
        page.goto(f"{live_server.url}/reviews/{demo.slug}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/{path} is {width} px wide"
    context.close()


def test_the_account_menu_opens_and_logs_out(page: Page, live_server, demo, login):
    login(page, "victor")
    account = page.locator("details.account > summary")
    expect(account).to_have_text("Vvictor")  # the initial in its circle, then the name
    account.click()
    expect(page.get_by_text("Signed in as victor")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_text("Signed in as victor")).to_be_hidden()
    account.click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@pytest.mark.urls("tests.browser.htmx_error_urls")
def test_every_refused_htmx_request_says_why_where_it_happened(page: Page, live_server):
    page.goto(f"{live_server.url}/htmx-errors/")

    def refusal_after(name: str):
        # The alert is the next thing after the button the user pressed.
        return page.get_by_role("button", name=name, exact=True).locator("xpath=following-sibling::*[1]")

    page.get_by_role("button", name="Forbidden").click()
    expect(refusal_after("Forbidden")).to_have_attribute("role", "alert")
    expect(refusal_after("Forbidden")).to_have_text("Your role in this review does not allow this.×")
    page.get_by_role("button", name="Missing").click()
    expect(refusal_after("Missing")).to_contain_text("No such record in this review.")
    page.get_by_role("button", name="Broken").click()
    expect(refusal_after("Broken")).to_contain_text("The page failed and the error has been logged.")
    page.get_by_role("button", name="Plain").click()
    expect(refusal_after("Plain")).to_have_text("Down for maintenance until 14:00.×")
    # Inside a table row the alert goes into the row's cell, the only place it may go.
    page.get_by_role("button", name="Row").click()
    expect(page.locator("tr").get_by_role("alert")).to_contain_text("Your role in this review does not allow")
    expect(page.locator("#answer")).to_be_empty()  # nothing refused was swapped into the page

    # No connection: said so; once it is back, the same button works and its alert goes.
    page.route("**/htmx-errors/back/", lambda route: route.abort())
    page.get_by_role("button", name="Offline").click()
    expect(refusal_after("Offline")).to_contain_text("The server could not be reached")
    page.unroute("**/htmx-errors/back/")
    page.get_by_role("button", name="Offline").click()
    expect(page.locator("#answer")).to_have_text("Back online.")
    expect(refusal_after("Offline")).to_have_count(0)

    # A form sent back with its error (409, as a stale reconcile save) is swapped in: its message shows at
    # the form, and no second alert repeats it.
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#stale").get_by_role("alert")).to_contain_text("Theirs: 2.5. Yours: 3.")
    expect(page.locator(".htmx-error", has_text="Theirs")).to_have_count(0)

    # An alert can be dismissed.
    refusal_after("Forbidden").get_by_role("button", name="Dismiss this message").click()
    expect(page.get_by_role("alert").filter(has_text="Your role")).to_have_count(1)  # the row's stays


def test_a_vote_refused_after_a_change_of_role_says_why(page: Page, live_server, demo, login):
    login(page, "rita")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/screening/title_abstract/")
    expect(page.locator("#screen .screen-panel h2")).to_be_visible()
    # An owner makes Rita a viewer while her queue is open; her next vote is refused, and she is told why.
    Membership.objects.filter(review=demo, user__username="rita").update(is_reviewer=False)
    page.keyboard.press("i")
    expect(
        page.get_by_role("alert").filter(has_text="Your role in this review does not allow this.")
    ).to_be_visible()
