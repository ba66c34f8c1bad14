"""Dual extraction end to end: two reviewers extract a demo study independently and disagree on two
fields, a third person reconciles, and the downloaded table holds the consensus with its provenance.
Exports run in the background: the page shows the job's progress while a real worker (django-tasks-db's
own, in a thread) makes the file, then offers the download."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def demo_studies(demo):
    """The demo review's studies. Screening creates them from full-text decisions; without it, the two
    included trials get their studies here, the same way screening would."""
    from django.contrib.auth import get_user_model

    from extraction import coding
    from extraction.kinds import EXTRACTION
    from review.models import Record, Study
    from review.services import ensure_study_for_report

    if not Study.objects.for_review(demo).exists():
        for record in Record.objects.for_review(demo).unique():
            if record.short_citation in ("Williams 2018", "Tiger 2020"):
                ensure_study_for_report(record=record)
    users = get_user_model().objects.in_bulk(["rita", "raj"], field_name="username")
    coding.assign_unassigned(kind=EXTRACTION, review=demo, reviewers=[users["rita"], users["raj"]])
    return demo


def extract(page: Page, live_server, login, review, username: str, answers: dict[str, str]):
    page.context.clear_cookies()
    login(page, username)
    page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
    page.locator('tr[data-study="Williams 2018"]').get_by_role("link", name="Extract").click()
    expect(page.get_by_role("heading", name=f"Williams 2018: extraction by {username}")).to_be_visible()
    page.get_by_label("Design").select_option("Crossover")
    for label, value in answers.items():
        page.get_by_label(label, exact=True).fill(value)
    expect(page.locator("#autosave-status")).to_have_text("Draft saved.")
    page.get_by_role("button", name="Submit and lock").click()
    expect(page.get_by_text("Your extraction of Williams 2018 is submitted and locked.")).to_be_visible()


def export(page: Page, live_server, review, watch_job, table: str, file_format: str, file_name: str) -> str:
    """Ask for an export on the extraction page, watch the worker make it, download it; its text."""
    page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
    page.get_by_role("listitem").filter(has_text=table).get_by_role("button", name=file_format).click()
    worker = watch_job(page, progress="Export progress", done="Ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    worker.join(timeout=10)
    assert download_info.value.suggested_filename == file_name
    return Path(download_info.value.path()).read_text(encoding="utf-8")


def test_two_reviewers_disagree_and_a_third_reconciles(
    page: Page, live_server, demo_studies, login, watch_job
):
    review = demo_studies
    extract(
        page,
        live_server,
        login,
        review,
        "rita",
        {"Ketamine dose (mg/kg)": "0.5", "Country": "USA", "Mean age (years)": "37.5"},
    )

    # Raj cannot see Rita's copy or values before he submits, not even in his export of the raw copies.
    page.context.clear_cookies()
    login(page, "raj")
    raw = export(page, live_server, review, watch_job, "raw copies", "CSV", f"{review.slug}-raw-copies.csv")
    assert raw.startswith("study,reviewer,") and "USA" not in raw and "37.5" not in raw
    extract(
        page,
        live_server,
        login,
        review,
        "raj",
        {"Ketamine dose (mg/kg)": "0.50", "Country": "United States", "Mean age (years)": "40.1"},
    )

    page.context.clear_cookies()
    login(page, "ada")
    page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
    page.locator('tr[data-study="Williams 2018"]').get_by_role("link", name="Reconcile").click()
    expect(page.get_by_role("heading", name="Reconcile Williams 2018")).to_be_visible()
    page.get_by_role("button", name="Start reconciliation").click()
    expect(page.locator(".lead")).to_contain_text("2 disagree")
    dose = page.locator('tr[data-field="ketamine_dose"]')
    expect(dose.locator(".source")).to_have_text("agreed")  # 0.5 and 0.50 are the same number

    country = page.locator('tr[data-field="country"]')
    country.get_by_label("Take rita's: USA").check()
    country.get_by_role("button", name="Save").click()
    expect(page.locator('tr[data-field="country"] .source')).to_have_text("from rita")

    age = page.locator('tr[data-field="age_mean"]')
    age.get_by_label("Enter another value").check()
    age.get_by_placeholder("value").fill("38.9")
    age.get_by_placeholder("note (why)").fill("Table 1 gives 38.9 for the completers")
    age.get_by_role("button", name="Save").click()
    expect(page.locator('tr[data-field="age_mean"] .source')).to_contain_text("entered by ada")

    text = export(
        page, live_server, review, watch_job, "one row per study", "CSV", f"{review.slug}-consensus-wide.csv"
    )
    rows = {row["study"]: row for row in csv.DictReader(io.StringIO(text))}
    williams = rows["Williams 2018"]
    assert (williams["design"], williams["design (source)"]) == ("Crossover", "agreed")
    assert (
        Decimal(williams["ketamine_dose"]) == Decimal("0.5")
        and williams["ketamine_dose (source)"] == "agreed"
    )
    assert (williams["country"], williams["country (source)"]) == ("USA", "taken from rita")
    assert (williams["age_mean"], williams["age_mean (source)"]) == ("38.9", "entered by ada")

    # The page keeps Ada's recent exports, with the file.
    page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
    recent = page.get_by_role("table", name="Your recent exports")
    expect(recent.get_by_role("link", name=f"{review.slug}-consensus-wide.csv")).to_be_visible()


def test_a_refused_reconcile_save_says_why_and_shows_both_versions(
    page: Page, live_server, demo_studies, login
):
    """Two tabs of the reconcile page: the second saves over a value the first has just settled and is told
    so with both versions (409); another value without a note is refused at its row (400)."""
    review = demo_studies
    extract(page, live_server, login, review, "rita", {"Country": "USA", "Mean age (years)": "37.5"})
    extract(page, live_server, login, review, "raj", {"Country": "United States", "Mean age (years)": "40.1"})
    page.context.clear_cookies()
    login(page, "ada")
    page.goto(f"{live_server.url}/reviews/{review.slug}/extraction/")
    page.locator('tr[data-study="Williams 2018"]').get_by_role("link", name="Reconcile").click()
    page.get_by_role("button", name="Start reconciliation").click()
    expect(page.locator('tr[data-field="country"]')).to_be_visible()
    stale = page.context.new_page()
    stale.goto(page.url)

    open_count = int(page.locator("#open-count").inner_text())
    country = page.locator('tr[data-field="country"]')
    country.get_by_label("Take rita's: USA").check()
    country.get_by_role("button", name="Save").click()
    expect(page.locator('tr[data-field="country"] .source')).to_have_text("from rita")
    expect(page.locator("#open-count")).to_have_text(str(open_count - 1))  # the lead's count follows

    late = stale.locator('tr[data-field="country"]')
    late.get_by_label("Take raj's: United States").check()
    late.get_by_role("button", name="Save").click()
    refusal = stale.locator('tr[data-field="country"]').get_by_role("alert")
    expect(refusal).to_contain_text("Theirs: USA")
    expect(refusal).to_contain_text("Yours: United States")

    age = page.locator('tr[data-field="age_mean"]')
    age.get_by_label("Enter another value").check()
    age.get_by_placeholder("value").fill("38.9")
    age.get_by_role("button", name="Save").click()
    expect(page.locator('tr[data-field="age_mean"]').get_by_role("alert")).to_contain_text(
        "Say in a note why you entered another value."
    )
