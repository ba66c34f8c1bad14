"""The dataset end to end: the owner asks for it on the Exports page, watches the progress bar while a
real worker makes it, and downloads a workbook holding every sheet."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.review.test_dataset import SHEETS

# The demo also has risk-of-bias assessments: that form kind adds its consensus sheets.
DEMO_SHEETS = [*SHEETS[:-1], "rob-consensus-wide", "rob-consensus-long", SHEETS[-1]]


def test_the_dataset_workbook_downloads_after_its_progress_bar(
    page: Page, live_server, demo, login, run_worker
):
    login(page, "olivia")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/exports/")
    page.get_by_role("listitem").filter(has_text="The dataset").get_by_role("button", name="XLSX").click()
    progress = page.get_by_role("progressbar", name="Export progress")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    worker = run_worker()
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    worker.join(timeout=10)
    assert download_info.value.suggested_filename == f"{demo.slug}-dataset.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()), read_only=True)
    assert book.sheetnames == DEMO_SHEETS
    assert book["records"].max_row > 10  # the demo's records, every one
