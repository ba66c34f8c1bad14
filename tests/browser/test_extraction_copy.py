"""A reviewer's copy as they fill it: the study's PDF in a frame beside the form, the per-arm questions as a
grid with the arms as columns, and a submission with a required answer empty refused with the list of what
is missing, each linking to its field; answered, it goes through. At a phone's width the PDF waits behind
a toggle and the page does not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

# A fixture: the demo's studies, assigned to rita and raj.
from tests.browser.test_extraction import demo_studies  # noqa: F401
from tests.browser.test_full_text import one_page_pdf


@pytest.fixture
def open_williams(page: Page, live_server, request, login, settings, tmp_path):
    """Williams 2018 with a PDF; opens rita's copy of it at the given screen size."""
    from django.core.files.base import ContentFile

    from review.models import Record
    from screening.models import FullText

    settings.MEDIA_ROOT = tmp_path
    review = request.getfixturevalue("demo_studies")
    record = next(
        r for r in Record.objects.for_review(review).unique() if r.short_citation == "Williams 2018"
    )
    full_text, _ = FullText.objects.get_or_create(record=record)
    full_text.file_name = "williams-2018.pdf"
    full_text.pdf.save("williams-2018.pdf", ContentFile(one_page_pdf("Williams 2018 crossover trial")))

    def open_at(width: int, height: int) -> None:
        page.set_viewport_size({"width": width, "height": height})
        login(page, "rita")
        page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
        page.locator('tr[data-study="Williams 2018"]').get_by_role("link", name="Extract").click()
        expect(page.get_by_role("heading", name="Williams 2018: extraction by rita")).to_be_visible()

    return open_at


def test_pdf_beside_the_form_arm_grid_and_required_answers(page: Page, open_williams):
    open_williams(1366, 900)
    frame = page.locator("iframe[name='copy-pdf']")
    expect(frame).to_be_visible()
    expect(frame).to_have_attribute("title", "Full text of Williams 2018")
    form_box, frame_box = page.locator("#copy-form").bounding_box(), frame.bounding_box()
    assert frame_box["x"] >= form_box["x"] + form_box["width"]  # beside the form, not below it
    expect(page.get_by_text("Show the PDF")).to_be_hidden()

    page.get_by_role("textbox", name="Arms").fill("Ketamine 0.5 mg/kg\nSaline")
    page.get_by_role("button", name="Save arms and outcomes").click()
    expect(page.get_by_text("Arms and outcomes saved.")).to_be_visible()
    grid = page.locator("table.arm-grid").first
    expect(grid.locator("thead th")).to_have_text(["Question", "Ketamine 0.5 mg/kg", "Saline"])
    grid.get_by_label("N randomised — Saline").fill("12")
    expect(page.locator("#autosave-status")).to_have_text("Draft saved.")

    page.get_by_role("button", name="Submit and lock").click()
    missing = page.get_by_role("alert").filter(has_text="Not submitted")
    expect(missing).to_contain_text("1 required answer still empty")
    missing.get_by_role("link", name="Design").click()
    expect(page.get_by_label("Design")).to_be_focused()
    # What was typed before the refused submission stayed.
    expect(page.locator("table.arm-grid").first.get_by_label("N randomised — Saline")).to_have_value("12")
    page.get_by_label("Design").select_option("Crossover")
    page.get_by_role("button", name="Submit and lock").click()
    expect(page.get_by_text("Your extraction of Williams 2018 is submitted and locked.")).to_be_visible()
    expect(page.locator("table.arm-grid").first.get_by_text("12")).to_be_visible()


def test_on_a_phone_the_pdf_waits_behind_a_toggle(page: Page, open_williams):
    open_williams(390, 844)
    frame = page.locator("iframe[name='copy-pdf']")
    expect(frame).to_be_hidden()
    page.get_by_text("Show the PDF").click()
    expect(frame).to_be_visible()
    page.get_by_text("Hide the PDF").click()
    expect(frame).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
