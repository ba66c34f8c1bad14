"""The PRISMA page: the diagram shows the review's numbers, and a number opens the records behind it."""

from __future__ import annotations

import re

from django.db.models import Q
from playwright.sync_api import Browser, Page, expect

from review.models import Record
from screening.models import ScreeningDecision


def test_the_diagram_shows_the_numbers_and_a_number_opens_its_records(page: Page, live_server, demo, login):
    # Counted straight from the records, not through the flow module.
    identified = Record.objects.filter(review=demo).exclude(search__kind="other")
    duplicates = identified.filter(duplicate_of__isnull=False).count()
    assert duplicates > 0
    login(page, "victor")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    page.get_by_role("navigation", name="Review").get_by_role("link", name="PRISMA").click()
    expect(page.get_by_role("heading", name="PRISMA 2020 flow diagram", level=1)).to_be_visible()
    diagram = page.frame_locator("iframe[title^='PRISMA 2020 flow diagram']")
    expect(diagram.locator("#n-duplicates")).to_contain_text(f"(n = {duplicates:,})")
    expect(diagram.locator("#n-database_results")).to_contain_text(f"(n = {identified.count():,})")
    diagram.locator("#n-duplicates a").click()
    expect(page).to_have_url(re.compile(r"/records/\?show=duplicates$"))
    plural = "" if duplicates == 1 else "s"
    expect(page.locator("main")).to_contain_text(f"{duplicates:,} record{plural} match")


def test_a_number_the_record_list_had_no_filter_for_opens_its_records(page: Page, live_server, demo, login):
    """Reports assessed: the full texts decided, or with a PDF or a vote (Berman has one vote), counted
    here from the screening rows themselves."""
    assessed = (
        ScreeningDecision.objects.filter(review=demo, stage="full_text")
        .filter(Q(status__in=["included", "excluded"]) | Q(votes__isnull=False))
        .values("record")
        .distinct()
        .count()
    )
    assert assessed == 4
    login(page, "victor")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/prisma/")
    diagram = page.frame_locator("iframe[title^='PRISMA 2020 flow diagram']")
    expect(diagram.locator("#n-dbr_assessed")).to_contain_text(f"(n = {assessed})")
    diagram.locator("#n-dbr_assessed a").click()
    expect(page).to_have_url(re.compile(r"/records/\?show=unique&removal=kept&report=assessed$"))
    expect(page.locator("main")).to_contain_text(f"{assessed} records match")
    chips = page.get_by_role("list", name="Filters in use")
    expect(chips).to_contain_text("Full-text report: Assessed for eligibility")
    chips.get_by_role("link", name="Clear “Full-text report: Assessed for eligibility”").click()
    expect(page).to_have_url(re.compile(r"/records/\?show=unique&removal=kept$"))


def test_screenshots(browser: Browser, live_server, demo, login, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prisma-screenshots")
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, "olivia")
        page.goto(f"{live_server.url}/reviews/{demo.slug}/prisma/")
        expect(page.frame_locator("iframe").locator("#n-duplicates")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(folder / f"prisma-{width}.png"), full_page=True)
        context.close()
    print(f"Screenshots in {folder}")
