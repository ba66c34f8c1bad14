"""Upload a search export, watch a real background worker import it, resolve the probable duplicate it
found. The worker is django-tasks-db's own, run in a thread against the test database."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# Williams 2018 again, as another database dates it (a year far off: a person must decide), and a new record.
EXPORT = "\n".join(
    [
        "TY  - JOUR",
        "AU  - Williams, N. R.",
        "TI  - Attenuation of antidepressant effects of ketamine by opioid receptor antagonism",
        "JO  - Am J Psychiatry",
        "PY  - 2021",
        "ER  - ",
        "",
        "TY  - JOUR",
        "AU  - Zarate, Carlos A.",
        "TI  - A randomized trial of an N-methyl-D-aspartate antagonist in treatment-resistant major depression",
        "PY  - 2006",
        "ER  - ",
        "",
    ]
).encode()


def test_upload_watch_progress_and_resolve_a_duplicate(
    page: Page, live_server, demo, login, watch_job, tmp_path
):
    export = tmp_path / "embase-update.txt"
    export.write_bytes(EXPORT)
    login(page, "rita")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    page.get_by_role("navigation", name="Review").get_by_role("link", name="Import").click()
    page.get_by_label("File").set_input_files(str(export))
    page.get_by_label("Source name").fill("Embase update")
    page.get_by_label("Query").fill("ketamine:ti,ab")
    page.get_by_role("button", name="Import").click()

    # Queued: the page polls, and nothing happens until a worker picks the job up.
    worker = watch_job(page, progress="Import progress", done="Imported")
    expect(page.locator('[data-count="imported"]')).to_have_text("2")
    expect(page.locator('[data-count="duplicates_queued"]')).to_have_text("1")
    worker.join(timeout=10)

    page.get_by_role("link", name="Check probable duplicates").click()
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Are these the same?")).to_be_visible()
    expect(page.locator("mark.diff").first).to_be_visible()  # the years differ
    page.wait_for_load_state("load")  # the key handler is a deferred script: a key before it runs is lost
    page.keyboard.press("d")
    # Merging asks first (review.confirmation); the message that follows offers to undo it.
    expect(page.get_by_role("heading", name="into #")).to_be_visible()
    page.get_by_role("button", name="Merge the records").click()
    expect(page.get_by_text("No probable duplicates wait for a decision.")).to_be_visible()
    expect(page.get_by_role("button", name="Undo the merge")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("is now a duplicate of")

    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    expect(page.locator('[data-stat="records_identified"]')).to_have_text("15")
    expect(page.locator('[data-stat="duplicates_removed"]')).to_have_text("2")
