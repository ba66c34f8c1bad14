"""Two reviewers screen the demo review side by side with the keyboard only, disagree on one record, the
adjudicator settles it and the dashboard numbers move; a non-member gets 404."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect


def stat(page: Page, name: str) -> int:
    return int(page.locator(f'[data-stat="{name}"]').inner_text())


def dashboard_numbers(page: Page, live_server, demo) -> dict[str, int]:
    page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    return {s: stat(page, f"title_abstract-{s}") for s in ("pending", "conflict", "included", "excluded")}


def press_and_wait(page: Page, key: str, url_part: str) -> None:
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
        page.keyboard.press(key)


def on_screen(page: Page, title_words: str):
    expect(page.locator("#screen .screen-panel h2")).to_contain_text(title_words)


def test_two_reviewers_disagree_and_the_adjudicator_settles_it(browser: Browser, live_server, demo, login):
    contexts = {name: browser.new_context() for name in ("rita", "raj", "ada")}
    pages = {name: ctx.new_page() for name, ctx in contexts.items()}
    for name, page in pages.items():
        login(page, name)
    ada = pages["ada"]
    before = dashboard_numbers(ada, live_server, demo)
    queue = f"{live_server.url}/reviews/{demo.slug}/screening/title_abstract/"

    rita, raj = pages["rita"], pages["raj"]
    rita.goto(queue)
    raj.goto(queue)
    expect(rita.get_by_label("Keyboard shortcuts")).to_contain_text("undo last vote")

    # Rita: exclude the genetics record, take it back with u, include it; exclude CPAP.
    on_screen(rita, "genetic cause")
    press_and_wait(rita, "e", "/vote/")
    on_screen(rita, "Continuous positive airway pressure")
    press_and_wait(rita, "u", "/undo/")
    on_screen(rita, "genetic cause")
    expect(rita.get_by_role("status").filter(has_text="taken back")).to_be_visible()
    press_and_wait(rita, "i", "/vote/")
    on_screen(rita, "Continuous positive airway pressure")
    press_and_wait(rita, "e", "/vote/")
    expect(rita.locator("#queue-empty")).to_be_visible()

    # Raj, in his own browser at the same time: smartphone out, genetics out (the disagreement).
    on_screen(raj, "smartphone dependency")
    raj.keyboard.press("j")  # look ahead, then come back
    on_screen(raj, "genetic cause")
    raj.keyboard.press("k")
    on_screen(raj, "smartphone dependency")
    press_and_wait(raj, "e", "/vote/")
    on_screen(raj, "genetic cause")
    # Blinded: Raj's screen does not show Rita's vote.
    expect(raj.locator("[data-my-vote]")).to_have_count(0)
    press_and_wait(raj, "e", "/vote/")
    expect(raj.locator("#queue-empty")).to_be_visible()

    after_votes = dashboard_numbers(ada, live_server, demo)
    assert after_votes["conflict"] == before["conflict"] + 1
    assert after_votes["excluded"] == before["excluded"] + 2  # smartphone, CPAP
    assert after_votes["pending"] == before["pending"] - 2

    # Ada settles the genetics conflict.
    ada.get_by_role("link", name="Conflicts to resolve").click()
    row = ada.locator("tr", has_text="genetic cause")
    expect(row).to_contain_text("rita: Include")
    expect(row).to_contain_text("raj: Exclude")
    row.get_by_role("link", name="Resolve").click()
    ada.get_by_label("Decision").select_option("exclude")
    ada.get_by_label("Note").fill("Genetics of depression, not ketamine.")
    ada.get_by_role("button", name="Record the decision").click()
    expect(ada.get_by_text("resolved")).to_be_visible()

    after = dashboard_numbers(ada, live_server, demo)
    assert after["conflict"] == before["conflict"]
    assert after["excluded"] == before["excluded"] + 3
    for ctx in contexts.values():
        ctx.close()


def test_non_member_gets_404_on_screening(page: Page, live_server, demo, login, django_user_model):
    django_user_model.objects.create_user("mallory", password="ketamine-demo")
    login(page, "mallory")
    for path in ("screening/title_abstract/", "screening/conflicts/", "exports/", "exports/1/download/"):
        response = page.goto(f"{live_server.url}/reviews/{demo.slug}/{path}")
        assert response.status == 404, path
