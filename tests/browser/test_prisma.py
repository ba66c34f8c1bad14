"""The PRISMA page: the diagram shows the review's numbers, and a number opens the records behind it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from review.models import Record


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
