"""The review menu offers each member only the pages their role may open, every one of which answers, and
marks the page they are on."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import RequestFactory
from django.urls import reverse

from review import navigation
from review.models import Record
from review.rules import remember_membership
from tests.menus import MENUS

pytestmark = pytest.mark.django_db


def menu_of(response) -> list[tuple[str, str, str | None]]:
    """(label, address, aria-current) of each link in the page's review menu."""
    tree = lxml.html.fromstring(response.content)
    (nav,) = tree.xpath('//nav[@aria-label="Review"]')
    return [(a.text_content().strip(), a.get("href"), a.get("aria-current")) for a in nav.iter("a")]


@pytest.mark.parametrize("persona", sorted(MENUS))
def test_each_role_is_offered_only_what_it_may_open(persona, review, client_for, request):
    client = client_for(request.getfixturevalue(persona))
    links = menu_of(client.get(reverse("review:dashboard", args=[review.slug])))
    assert [label for label, _, _ in links] == MENUS[persona]
    for label, url, _ in links:
        assert client.get(url).status_code == 200, f"{persona} is offered {label} ({url})"


def test_the_pages_left_out_are_the_ones_the_role_may_not_open(review, client_for, owner, viewer):
    # Olivia's first log-in of the demo: the owner is not a reviewer, so no screening queue is offered.
    for user in (owner, viewer):
        response = client_for(user).get(reverse("screening:queue", args=[review.slug, "title_abstract"]))
        assert response.status_code == 403
    assert client_for(viewer).post(reverse("review:settings", args=[review.slug])).status_code == 403


def test_reviewers_who_settle_their_own_conflicts_are_offered_conflicts(review, reviewer, client_for):
    review.reviewers_resolve_conflicts = True
    review.save()
    labels = [
        label
        for label, _, _ in menu_of(client_for(reviewer).get(reverse("review:dashboard", args=[review.slug])))
    ]
    assert "Conflicts" in labels


def test_the_current_page_is_marked(review, reviewer, client_for):
    client = client_for(reviewer)
    queue = reverse("screening:queue", args=[review.slug, "full_text"])
    current = {label: mark for label, _, mark in menu_of(client.get(queue)) if mark}
    assert current == {"Full text": "page"}

    record = Record.objects.create(review=review, title="Ketamine and sleep")
    response = client.get(reverse("review:record", args=[review.slug, record.pk]))
    # Inside a section (a record of Records) the item is marked as the current place, not the page itself.
    assert {label: mark for label, _, mark in menu_of(response) if mark} == {"Records": "true"}


def test_the_menu_shows_the_members_roles(review, adjudicator, client_for):
    response = client_for(adjudicator).get(reverse("review:dashboard", args=[review.slug]))
    tree = lxml.html.fromstring(response.content)
    assert tree.xpath('string(//nav[@aria-label="Review"]//*[@class="my-role"])').split() == [
        "Your",
        "role:",
        "Adjudicator",
    ]


def test_building_the_menu_costs_no_query_once_the_membership_is_known(
    review, reviewer, django_assert_num_queries
):
    request = RequestFactory().get(reverse("review:dashboard", args=[review.slug]))
    request.user = reviewer
    request.resolver_match = None
    remember_membership(review, reviewer, review.memberships.get(user=reviewer))
    with django_assert_num_queries(0):
        menu = navigation.review_menu(request, review)
    assert [link.label for link in menu.links] == MENUS["reviewer"]
    assert menu.current is None


def test_a_forbidden_page_inside_a_review_keeps_the_review_and_its_menu(review, owner, client_for):
    response = client_for(owner).get(reverse("screening:queue", args=[review.slug, "title_abstract"]))
    assert response.status_code == 403
    labels = [label for label, _, _ in menu_of(response)]
    assert labels == MENUS["owner"]
    html = response.content.decode()
    assert f'href="{reverse("review:dashboard", args=[review.slug])}">Back to the review</a>' in html


def test_pages_outside_a_review_have_no_review_menu(reviewer, client_for):
    html = client_for(reviewer).get(reverse("review:home")).content.decode()
    assert 'aria-label="Review"' not in html and 'aria-label="Main"' in html
