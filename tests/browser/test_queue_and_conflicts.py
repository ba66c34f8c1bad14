"""The screener's and adjudicator's experience in the browser: the queue's counter moves with each vote, ten
keys pressed as fast as a hand can make ten votes, a conflict is settled from the keyboard with the abstract
on screen and the next conflict follows, and the queue fits a phone's width with the record's title in the
first screen."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from review.models import Record
from screening import services
from screening.models import ScreeningDecision, Vote

TA = "title_abstract"


def queue_url(live_server, review) -> str:
    return f"{live_server.url}/reviews/{review.slug}/screening/{TA}/"


def left(page: Page) -> int:
    return int(page.locator('#screen [data-stat="left"]').inner_text())


def more_records(review, n: int) -> list[Record]:
    return Record.objects.bulk_create(
        [
            Record(review=review, title=f"Ketamine infusion trial number {i}", abstract="A trial.", year=2021)
            for i in range(n)
        ]
    )


def test_the_queue_counter_and_bar_move_after_each_vote(page: Page, live_server, demo, login):
    login(page, "rita")
    page.goto(queue_url(live_server, demo))
    before = left(page)
    assert before > 0
    bar = page.get_by_role("progressbar", name="Your votes at title and abstract")
    done_before = int(page.locator('[data-stat="done"]').inner_text())
    with page.expect_response(lambda r: "/vote/" in r.url):
        page.keyboard.press("i")
    expect(page.locator('#screen [data-stat="left"]')).to_have_text(str(before - 1))
    expect(page.locator('[data-stat="done"]')).to_have_text(str(done_before + 1))
    total = done_before + before
    expect(bar).to_have_attribute("aria-valuenow", str(round(100 * (done_before + 1) / total)))
    with page.expect_response(lambda r: "/undo/" in r.url):
        page.keyboard.press("u")
    expect(page.locator('#screen [data-stat="left"]')).to_have_text(str(before))


def test_ten_fast_key_presses_make_ten_votes(page: Page, live_server, demo, login, django_user_model):
    more_records(demo, 12)
    rita = django_user_model.objects.get(username="rita")
    queue = list(services.queue(review=demo, stage=TA, user=rita).values_list("pk", flat=True)[:11])
    assert len(queue) == 11
    votes_before = Vote.objects.filter(reviewer=rita).count()
    login(page, "rita")
    page.goto(queue_url(live_server, demo))
    expect(page.locator("#screen .screen-panel")).to_have_attribute("data-record", str(queue[0]))
    for key in "ieieieieie":  # no wait between them
        page.keyboard.press(key)
    expect(page.locator("#screen .screen-panel")).to_have_attribute(
        "data-record", str(queue[10]), timeout=30_000
    )
    expect(page.locator("#key-queue")).to_be_hidden()
    deadline = time.monotonic() + 10
    while Vote.objects.filter(reviewer=rita).count() < votes_before + 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    votes = Vote.objects.filter(reviewer=rita, record_id__in=queue)
    assert Vote.objects.filter(reviewer=rita).count() == votes_before + 10
    assert dict(votes.values_list("record_id", "verdict")) == {
        pk: "include" if i % 2 == 0 else "exclude" for i, pk in enumerate(queue[:10])
    }


def test_a_conflict_resolved_from_the_keyboard_then_the_next_one(
    browser: Browser, live_server, demo, login, django_user_model
):
    users = {u.username: u for u in django_user_model.objects.filter(username__in=["rita", "raj"])}
    # Two more conflicts beside the demo's own (psilocybin): records neither has voted on yet.
    fresh = more_records(demo, 2)
    votes = [(r, name, verdict) for r in fresh for name, verdict in (("rita", "include"), ("raj", "exclude"))]
    for record, name, verdict in votes:
        cast = {"verdict": verdict, "note": f"{name} says"}
        services.cast_vote(review=demo, record=record, stage=TA, reviewer=users[name], **cast)
    open_conflicts = list(
        ScreeningDecision.objects.filter(review=demo, stage=TA, status="conflict")
        .order_by("record_id")
        .values_list("record_id", flat=True)
    )
    assert len(open_conflicts) >= 3
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, "ada")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/screening/conflicts/?stage={TA}")
    page.get_by_role("row").filter(has_text="rita says").first.get_by_role("link", name="Resolve").click()
    expect(page).to_have_url(f"{live_server.url}/reviews/{demo.slug}/screening/{TA}/{fresh[0].pk}/")
    # The whole record beside both votes, the abstract on screen.
    expect(page.locator("#abstract")).to_be_in_viewport()
    expect(page.locator('[data-voter="rita"]')).to_contain_text("rita says")
    expect(page.locator('[data-voter="raj"]')).to_contain_text("raj says")
    expect(page.get_by_label("Decision")).to_have_value("")

    # j: the next conflict, and again (wrapping round to the first in id order).
    after = open_conflicts[(open_conflicts.index(fresh[0].pk) + 1) % len(open_conflicts)]
    page.wait_for_load_state("load")  # the keys are a deferred script's: a key before it runs is lost
    page.keyboard.press("j")
    expect(page).to_have_url(f"{live_server.url}/reviews/{demo.slug}/screening/{TA}/{after}/")
    page.go_back()
    expect(page.locator("#abstract")).to_be_in_viewport()

    # e without a note: refused, the message at the note, which gets the focus; written, then e again.
    with page.expect_response(lambda r: "/resolve/" in r.url):
        page.keyboard.press("e")
    note = page.get_by_label("Note")
    expect(page.locator("#decision-form")).to_contain_text("Give a reason for the decision")
    expect(note).to_be_focused()
    page.keyboard.type("Animal study, not ketamine in people.")
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page).to_have_url(f"{live_server.url}/reviews/{demo.slug}/screening/{TA}/{after}/")
    expect(page.get_by_role("status")).to_contain_text("resolved")
    decision = ScreeningDecision.objects.get(record=fresh[0], stage=TA)
    assert (decision.status, decision.note, decision.resolved_by.username) == (
        "excluded",
        "Animal study, not ketamine in people.",
        "ada",
    )
    context.close()


def test_the_queue_fits_a_phone_with_the_title_in_the_first_screen(
    browser: Browser, live_server, demo, login
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, "rita")
    page.goto(queue_url(live_server, demo))
    title = page.locator("#screen .screen-panel h2")
    expect(title).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = title.bounding_box()
    assert box["y"] + box["height"] <= 844  # above the fold
    # So do her own decisions.
    page.goto(queue_url(live_server, demo) + "mine/")
    expect(page.locator("table.my-decisions tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
