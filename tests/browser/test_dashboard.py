"""The dashboard's "Your next task" card leads to the right page for each role; removing a member asks
first and can be undone; the dashboard fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from review.models import Membership


@pytest.mark.parametrize(
    ("username", "action", "path"),
    [
        ("olivia", "Resolve 1 conflict", "/screening/conflicts/"),
        ("rita", "Screen 2 records at title and abstract", "/screening/title_abstract/"),
    ],
)
def test_the_next_task_card_leads_to_the_work(page: Page, live_server, demo, login, username, action, path):
    login(page, username)
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    card = page.get_by_role("region", name="Your next task")
    button = card.get_by_role("link", name=action)
    expect(button).to_be_visible()
    button.click()
    expect(page).to_have_url(f"{live_server.url}/reviews/{demo.slug}{path}")


def test_removing_a_member_asks_first_and_can_be_undone(page: Page, live_server, demo, login):
    login(page, "olivia")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/team/")
    page.get_by_role("row", name="Raj Reviewer").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove raj from the team?")).to_be_visible()
    assert Membership.objects.filter(review=demo, user__username="raj").exists()
    page.get_by_role("button", name="Remove raj").click()
    expect(page.get_by_role("status")).to_contain_text("raj was removed from the team.")
    expect(page.get_by_role("row", name="Raj Reviewer")).to_have_count(0)
    page.get_by_role("button", name="Undo: add raj back").click()
    expect(page.get_by_role("status")).to_contain_text("raj is back in the team as reviewer")
    row = page.get_by_role("row", name="Raj Reviewer")
    expect(row.get_by_role("checkbox", name="Reviewer")).to_be_checked()
    # Cancel leaves everything as it was.
    row.get_by_role("button", name="Remove").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("row", name="Raj Reviewer")).to_have_count(1)


@pytest.mark.parametrize("username", ["olivia", "rita"])
def test_the_dashboard_fits_a_phone(browser: Browser, live_server, demo, username):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("ketamine-demo")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    expect(page.get_by_role("region", name="Your next task")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
