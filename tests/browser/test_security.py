"""The pages work under the Content-Security-Policy (the conftest fails any test that breaks it); errors
and a log-in lockout show the site's own pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

# A minimal PDF (one empty page) that starts with %PDF- as uploads must.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_every_page_of_the_review_menu_runs_under_the_policy(page: Page, live_server, demo, login):
    login(page, "olivia")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    menu = page.get_by_role("navigation", name="Review")
    names = [name.strip() for name in menu.get_by_role("link").all_inner_texts()]
    for name in names:
        page.goto(f"{live_server.url}/reviews/{demo.slug}/")
        with page.expect_navigation():
            page.get_by_role("navigation", name="Review").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("main h1").first).to_be_visible()
    # The dashboard's progress bars are drawn from aria-valuenow (no style attribute may carry the width).
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    bar = page.locator('tr[data-reviewer="rita"]').get_by_role("progressbar").first
    percent = int(bar.get_attribute("aria-valuenow"))
    assert percent > 0
    inner = bar.locator("span").evaluate("span => span.getBoundingClientRect().width")
    outer = bar.evaluate("bar => bar.clientWidth")
    assert abs(inner - outer * percent / 100) < 2


def test_the_full_text_pdf_shows_in_its_frame(page: Page, live_server, demo, login, tmp_path):
    pdf = tmp_path / "berman.pdf"
    pdf.write_bytes(PDF)
    login(page, "raj")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/screening/full_text/")
    page.get_by_label("Upload PDF").first.set_input_files(str(pdf))
    with page.expect_navigation():
        page.locator("section.full-text").get_by_role("button", name="Save").first.click()
    frame = page.locator("section.full-text iframe").first
    expect(frame).to_be_visible()
    # The frame's own answer, asked with the page's session: Chromium's PDF viewer fetches the file again
    # itself, and what Playwright reports of that second answer's headers varies from run to run.
    answer = page.request.get(live_server.url + frame.get_attribute("src"))
    assert answer.status == 200 and answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert answer.headers["content-type"] == "application/pdf"


def test_errors_are_the_sites_own_pages(page: Page, live_server, demo, login):
    login(page, "rita")
    response = page.goto(f"{live_server.url}/reviews/{demo.slug}/records/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("No such record in this review.")
    page.get_by_role("link", name="Go to your reviews").click()
    expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()

    page.context.clear_cookies()
    login(page, "victor")  # a viewer may not change the team
    page.goto(f"{live_server.url}/reviews/{demo.slug}/team/")
    forbidden = page.request.post(f"{live_server.url}/reviews/{demo.slug}/team/add/", form={"username": "x"})
    assert forbidden.status == 403  # no CSRF token: the styled CSRF page
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_locked_out_log_in_says_when_to_retry(page: Page, live_server, demo, login):
    for _ in range(5):
        login(page, "rita", "not-the-password")
    login(page, "rita")
    expect(page.get_by_role("heading", name="Log-in paused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    expect(page.get_by_text(re.compile(r"Try again after \d\d:\d\d"))).to_be_visible()
