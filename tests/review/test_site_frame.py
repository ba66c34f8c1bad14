"""The frame every page shares: one way of writing dates, the site's icon, the account menu."""

from __future__ import annotations

import datetime
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2025, 3, 3, 14, 5, tzinfo=datetime.UTC)


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_dates_and_times_are_written_one_way():
    with translation.override(settings.LANGUAGE_CODE):
        assert render("{{ when }}", when=WHEN) == "3 Mar 2025, 14:05"
        assert render("{{ when|date }}", when=WHEN) == "3 Mar 2025"
        assert render("{{ when.date }}", when=WHEN) == "3 Mar 2025"
        assert render("{{ when|time }}", when=WHEN) == "14:05"
        assert render('{{ when|date:"SHORT_DATETIME_FORMAT" }}', when=WHEN) == "3 Mar 2025, 14:05"
        assert render('{{ when|date:"SHORT_DATE_FORMAT" }}', when=WHEN) == "3 Mar 2025"


def test_dates_typed_into_forms_are_still_read_the_british_way():
    # Only how dates are shown changed: the input formats are still Django's en-GB ones, ISO first among them.
    with translation.override(settings.LANGUAGE_CODE):
        assert "%d/%m/%Y" in formats.get_format("DATE_INPUT_FORMATS")
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")


def test_every_page_names_the_sites_icon(reviewer, client_for):
    html = client_for(reviewer).get(reverse("review:home")).content.decode()
    icons = {link.get("href") for link in lxml.html.fromstring(html).xpath('//link[contains(@rel, "icon")]')}
    assert icons == {"/static/favicon.ico", "/static/favicon.svg", "/static/apple-touch-icon.png"}
    for name in ("favicon.ico", "favicon.svg", "apple-touch-icon.png"):
        assert finders.find(name), name
    assert Path(finders.find("favicon.ico")).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_account_menu_says_who_is_signed_in_and_offers_the_way_out(reviewer, client_for):
    tree = lxml.html.fromstring(client_for(reviewer).get(reverse("review:home")).content)
    (account,) = tree.xpath('//details[@class="account"]')
    assert " ".join(account.xpath("string(.//p)").split()) == "Signed in as reviewer"
    assert account.xpath(".//a/@href") == [reverse("password_change")]
    (log_out,) = account.xpath(".//form")
    assert log_out.get("action") == reverse("logout") and log_out.get("method") == "post"


def test_the_home_page_lists_the_reviews_with_their_last_change(review, reviewer, client_for):
    html = client_for(reviewer).get(reverse("review:home")).content.decode()
    review.refresh_from_db()
    assert f'href="{reverse("review:dashboard", args=[review.slug])}">{review.title}</a>' in html
    assert f'Last changed <time datetime="{review.updated_at.isoformat()}">' in html


def test_someone_in_no_review_is_told_what_to_do(outsider, client_for):
    html = client_for(outsider).get(reverse("review:home")).content.decode()
    assert "You are not a member of any review yet." in html
    assert f'href="{reverse("review:create")}">Create a review</a>' in html
