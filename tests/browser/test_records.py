"""The record list as an owner uses it: a label made and put on two records, the list filtered by that label
and by removal, the two records removed before screening with a reason, one restored; at phone width the
list never scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from review.models import Record, RecordRemoval


def test_label_filter_remove_two_and_restore_one(page: Page, live_server, demo, login):
    for title in ("Esketamine nasal spray in adolescents", "Esketamine after electroconvulsive therapy"):
        Record.objects.create(review=demo, title=title, authors=["Daly, E. J."], year=2019)
    login(page, "olivia")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/records/")
    page.get_by_role("link", name="Labels").first.click()
    page.get_by_label("New label").fill("check PDF")
    page.get_by_role("button", name="Create label").click()
    expect(page.get_by_role("status")).to_contain_text("Label “check PDF” created.")

    page.get_by_role("link", name="Records").first.click()
    filters = page.get_by_role("search", name="Search and filter records")
    filters.get_by_label("Search title, abstract and authors").fill("esketamine")
    filters.get_by_role("button", name="Search").click()
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(2)
    actions = page.locator("#record-actions")
    actions.get_by_label("Tick every record on this page").check()
    expect(actions.get_by_text("(2 ticked)")).to_be_visible()
    actions.get_by_label("Label", exact=True).select_option(label="check PDF")
    actions.get_by_role("button", name="Add label").click()
    expect(page.get_by_role("status")).to_contain_text("“check PDF” added to 2 records.")

    # Only the label now narrows the list; the search is cleared.
    filters.get_by_label("Search title, abstract and authors").fill("")
    filters.get_by_label("Label").select_option(label="check PDF")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_text("2 records match")).to_be_visible()

    actions.get_by_label("Tick every record on this page").check()
    actions.get_by_label("Removed as").select_option(label="Removed for other reasons")
    actions.get_by_label("Reason").fill("retracted")
    actions.get_by_role("button", name="Remove before screening").click()
    expect(page.get_by_role("status")).to_contain_text(
        "2 records removed before screening (removed for other reasons)."
    )
    expect(page.locator(".badge.removed")).to_have_count(2)

    filters.get_by_label("Removal").select_option(label="Removed before screening")
    filters.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(2)
    rows.first.get_by_role("checkbox").check()
    actions.get_by_role("button", name="Restore to screening").click()
    expect(page.get_by_role("status")).to_contain_text("1 record restored: back among the records to screen.")
    expect(rows).to_have_count(1)  # the filters came back with the page
    assert RecordRemoval.objects.active().filter(reason="retracted").count() == 1

    # The record's own page tells the story in words.
    rows.first.get_by_role("link").first.click()
    history = page.locator("ol.history")
    expect(history.get_by_text("Removed before screening: removed for other reasons")).to_be_visible()
    expect(history.get_by_text("Labelled “check PDF”")).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reviews/{demo.slug}/records/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_record_list_filtered_by_decision(page: Page, live_server, demo, login):
    """The list narrowed to the records included at title and abstract: exactly those, as the decisions say."""
    from review.constants import Stage
    from screening.constants import DecisionStatus
    from screening.models import ScreeningDecision

    included = set(
        ScreeningDecision.objects.filter(
            record__review=demo, stage=Stage.TITLE_ABSTRACT, status=DecisionStatus.INCLUDED
        ).values_list("record__title", flat=True)
    )
    assert included
    login(page, "olivia")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/records/")
    filters = page.get_by_role("search", name="Search and filter records")
    filters.get_by_label("Title and abstract").select_option(label="Included")
    filters.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(len(included))
    shown = {row.locator("a").first.inner_text() for row in rows.all()}
    assert shown == included
