"""Risk of bias end to end: two assessors answer RoB 2 for a crossover trial (Berman 2000) independently,
seeing the suggested judgements change as they answer, and disagree on one domain; a third person
reconciles; the traffic-light PNG and the RoB table download with the consensus judgements."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.extraction.risk_of_bias.conftest import CROSSOVER_LOW as ANSWERS  # Low in every domain

RESULT = "Berman 2000 (HDRS, 3 days)"


@pytest.fixture
def berman(demo):
    """Berman 2000 (a crossover trial of 7 participants) becomes a study, as screening would make it once
    raj includes it, with one result to assess, assigned to rita and raj."""
    from django.contrib.auth import get_user_model

    from extraction.risk_of_bias import services
    from review.models import Record
    from review.services import ensure_study_for_report

    record = (
        Record.objects.for_review(demo)
        .unique()
        .get(title__icontains="Antidepressant effects of ketamine in depressed")
    )
    study = ensure_study_for_report(record=record)
    users = get_user_model().objects.in_bulk(["rita", "raj", "ada"], field_name="username")
    services.add_result(
        study=study, outcome="HDRS", time_point="3 days", tool="rob2-crossover", user=users["ada"]
    )
    services.assign_study(study=study, reviewers=[users["rita"], users["raj"]])
    return demo


def assess(page: Page, live_server, login, review, username: str, answers: dict) -> None:
    page.context.clear_cookies()
    login(page, username)
    page.goto(f"{live_server.url}/reviews/{review.slug}/rob/")
    page.locator("tr", has_text="Berman 2000").get_by_role("link", name="Assess").click()
    expect(page.get_by_role("heading", name=f"Berman 2000: risk of bias by {username}")).to_be_visible()
    domain_5 = page.locator('fieldset[data-domain="D5"] output.suggestion')
    expect(domain_5).to_have_text("No suggestion yet: answer 5.2.")
    for domain, given in answers.items():
        section = page.locator(f'fieldset[data-domain="{domain}"]')
        for question, code in given.items():
            section.locator(f'.question[data-question="{question}"]').get_by_role(
                "radio", name=code, exact=True
            ).check()
    expect(page.locator("#autosave-status")).to_have_text("Draft saved.")
    # 2.3 to 2.5 are asked only when someone knew the assignment; both said no (RoB 2 guidance, domain 2).
    expect(
        page.locator('fieldset[data-domain="D2"] .question[data-question="2.3"] .cell-note')
    ).to_contain_text("Does not apply")
    expected = "Low" if answers["D5"]["5.1"] == "Y" else "Some concerns"
    expect(domain_5).to_contain_text(f"Suggested: {expected}")
    page.get_by_role("button", name="Submit and lock").click()
    expect(page.get_by_text("Your assessment of Berman 2000 is submitted and locked.")).to_be_visible()


def download(page: Page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def test_two_assessors_disagree_on_a_domain_and_a_third_reconciles(
    page: Page, live_server, berman, login, run_worker
):
    review = berman
    assess(page, live_server, login, review, "rita", ANSWERS)
    # raj: 1.1 probably yes (the same direction as rita's yes) and no pre-specified analysis plan (5.1).
    assess(
        page,
        live_server,
        login,
        review,
        "raj",
        {**ANSWERS, "D1": {**ANSWERS["D1"], "1.1": "PY"}, "D5": {**ANSWERS["D5"], "5.1": "PN"}},
    )

    page.context.clear_cookies()
    login(page, "ada")
    page.goto(f"{live_server.url}/reviews/{review.slug}/rob/")
    page.locator(f'tr[data-result="{RESULT}"]').get_by_role("link", name="Reconcile").click()
    page.get_by_role("button", name="Start reconciliation").click()
    expect(page.locator('tr[data-domain="D5 judgement"]')).to_have_class("disagree strong")
    expect(page.locator('tr[data-domain="S judgement"]')).to_have_class("agree")
    same = page.locator('tr[data-field="rob2_crossover_d1_1_1"]')
    expect(same).to_have_class("disagree same")
    expect(same.locator(".agreement")).to_have_text("same direction, different wording")
    for field, choice in (
        ("rob2_crossover_d1_1_1", "Take raj's: PY (Probably yes)"),
        ("rob2_crossover_d5_5_1", "Take rita's: Y (Yes)"),
        ("judgement_d5", "Take rita's: Low"),
        ("judgement_overall", "Take rita's: Low"),
    ):
        row = page.locator(f'tr[data-field="{field}"]').last
        row.get_by_label(choice).check()
        row.get_by_role("button", name="Save").click()
        expect(page.locator(f'tr[data-field="{field}"] .source').last).to_have_text(
            f"from {choice.split(chr(39))[0][5:]}"
        )

    page.goto(f"{live_server.url}/reviews/{review.slug}/rob/")
    expect(page.locator(f'tr[data-result="{RESULT}"] .judgement')).to_have_text("Low")
    traffic_light = page.locator("figure.rob-plot").first
    name, png = download(page, traffic_light.get_by_role("link", name="PNG"))
    assert name == f"{review.slug}-rob-traffic-light-rob2.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = page.request.get(live_server.url + traffic_light.locator("img").get_attribute("src"))
    assert RESULT in svg.text()

    page.get_by_role("listitem").filter(has_text="one row per result").get_by_role(
        "button", name="CSV"
    ).click()
    progress = page.get_by_role("progressbar", name="Export progress")
    worker = run_worker()
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    name, data = download(page, page.get_by_role("link", name="Download"))
    worker.join(timeout=10)
    assert name == f"{review.slug}-rob-table.csv"
    rows = {(r["study"], r["outcome"]): r for r in csv.DictReader(io.StringIO(data.decode("utf-8")))}
    berman_row = rows["Berman 2000", "HDRS"]
    assert [berman_row[d] for d in ("D1", "S", "D2", "D3", "D4", "D5", "Overall")] == ["Low"] * 7
    assert (berman_row["status"], berman_row["reconciled by"]) == ("reconciled", "ada")
