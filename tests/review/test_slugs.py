"""A review's short name is part of its addresses, so it cannot be a word those addresses already use."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import resolve, reverse

from review import services
from review.models import Review

pytestmark = pytest.mark.django_db


def test_the_reserved_words_come_from_the_url_conf():
    words = services.reserved_review_slugs()
    # "new" sits exactly where a review's slug does: /reviews/new/ is the page that creates reviews.
    assert resolve("/reviews/new/").url_name == "create"
    assert {"new", "settings", "team", "records", "screening", "extraction", "exports"} <= words
    assert "reviews" not in words and not any("<" in word for word in words)


def test_the_create_form_refuses_new_with_a_message(owner, client_for):
    response = client_for(owner).post(
        reverse("review:create"),
        {
            "slug": "new",
            "title": "A review called new",
            "reviewers_per_record_title_abstract": 2,
            "reviewers_per_record_full_text": 2,
            "reviewers_per_study_extraction": 2,
        },
    )
    assert response.status_code == 200
    assert (
        "“new” is a word the site&#x27;s addresses use; choose another short name."
        in response.content.decode()
    )
    assert not Review.objects.exists()


@pytest.mark.parametrize("slug", ["new", "settings", "Screening"])
def test_the_create_review_command_refuses_a_path_word(owner, slug):
    with pytest.raises(CommandError, match=f"“{slug}” is a word the site's addresses use"):
        call_command("create_review", slug, "--title", "T", "--owner", "owner")
    assert not Review.objects.exists()


def test_the_service_refuses_it_too(owner):
    with pytest.raises(ValidationError):
        services.create_review(slug="new", title="T", owner=owner)
    # A word that merely contains one is fine.
    assert services.create_review(slug="new-drugs", title="T", owner=owner).slug == "new-drugs"
