from __future__ import annotations

from playwright.sync_api import Page, expect


def test_demo_user_logs_in_and_sees_the_numbers(page: Page, live_server, demo, login):
    login(page, "rita")
    expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()
    page.get_by_role("link", name=demo.title).click()
    expect(page.get_by_role("heading", name=demo.title, level=1)).to_be_visible()
    expect(page.locator('[data-stat="records_identified"]')).to_have_text("13")
    expect(page.get_by_role("cell", name="MEDLINE (Ovid)")).to_be_visible()


def test_outsider_gets_404(page: Page, live_server, demo, login, django_user_model):
    django_user_model.objects.create_user("mallory", password="ketamine-demo")
    login(page, "mallory")
    expect(page.get_by_text("You are not a member of any review yet")).to_be_visible()
    response = page.goto(f"{live_server.url}/reviews/{demo.slug}/")
    assert response.status == 404


def test_wrong_password_gets_a_clear_message(page: Page, live_server, demo, login):
    login(page, "rita", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    assert "/accounts/login/" in page.url
