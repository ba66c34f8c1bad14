"""Destructive actions ask first (a POST form on a confirmation page: nothing is written before it is
sent), and can be undone from the message that follows where that is cheap."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from review.constants import DuplicateStatus
from review.models import DuplicatePair, Membership, Record
from tests.review.test_import_views import make_probable_pairs

pytestmark = pytest.mark.django_db


def hidden_fields(form_html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form_html))


def undo_form(html: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the undo button in the page's messages."""
    found = re.search(r'<span class="undo">.*?<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert found, html
    fields = hidden_fields(found.group(2))
    fields.pop("csrfmiddlewaretoken")
    return found.group(1), fields


def confirm_form(html: str) -> tuple[str, dict[str, str]]:
    found = re.search(
        r'<section class="confirm".*?<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S
    )
    assert found, html
    fields = hidden_fields(found.group(2))
    fields.pop("csrfmiddlewaretoken", None)
    return found.group(1), fields


def test_removing_a_member_asks_first_and_can_be_undone_with_the_same_roles(
    review, owner, reviewer, client_for
):
    membership = Membership.objects.get(review=review, user=reviewer)
    membership.is_adjudicator = True
    membership.save()
    client = client_for(owner)
    url = reverse("review:team_remove", args=[review.slug, membership.pk])
    asked = client.post(url)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Remove reviewer from the team?" in html and Membership.objects.filter(pk=membership.pk).exists()
    assert client.get(url).status_code == 405  # nothing on GET
    action, fields = confirm_form(html)
    assert (action, fields) == (url, {"confirmed": "yes"})
    done = client.post(action, fields, follow=True)
    assert not Membership.objects.filter(review=review, user=reviewer).exists()
    action, fields = undo_form(done.content.decode())
    assert action == reverse("review:team_restore", args=[review.slug])
    back = client.post(action, fields, follow=True)
    assert "reviewer is back in the team as reviewer, adjudicator" in back.content.decode()
    restored = Membership.objects.get(review=review, user=reviewer)
    assert (restored.is_reviewer, restored.is_adjudicator, restored.is_owner) == (True, True, False)
    # Undoing twice, or another review's removal, changes nothing and says why.
    again = client.post(action, fields, follow=True)
    assert "already in the team again" in again.content.decode()
    assert client.post(action, {"removal": "999999"}, follow=True).status_code == 200
    assert Membership.objects.filter(review=review, user=reviewer).count() == 1


def test_only_owners_undo_a_removal(review, owner, reviewer, reviewer2, client_for):
    membership = Membership.objects.get(review=review, user=reviewer2)
    done = client_for(owner).post(
        reverse("review:team_remove", args=[review.slug, membership.pk]), {"confirmed": "yes"}, follow=True
    )
    action, fields = undo_form(done.content.decode())
    assert client_for(reviewer).post(action, fields).status_code == 403
    assert not Membership.objects.filter(review=review, user=reviewer2).exists()


def test_leaving_asks_first(review, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    client = client_for(reviewer)
    url = reverse("review:team_remove", args=[review.slug, membership.pk])
    html = client.post(url).content.decode()
    assert "Leave “Ketamine for depression”?" in html and "Leave the review" in html
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url, {"confirmed": "yes"})["Location"] == reverse("review:home")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_merging_duplicates_asks_first_and_the_message_undoes_it(review, reviewer, client_for):
    make_probable_pairs(review, 1)
    client, pair = client_for(reviewer), DuplicatePair.objects.get()
    url = reverse("review:duplicate_pair", args=[review.slug, pair.pk])
    assert "autofocus" not in client.get(url).content.decode()  # nothing merges on a stray Enter
    asked = client.post(url, {"decision": "confirm"}).content.decode()
    assert f"Merge #{pair.record_id} into #{pair.original_id}?" in asked
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.PENDING
    action, fields = confirm_form(asked)
    assert fields == {"decision": "confirm", "confirmed": "yes"}
    done = client.post(action, fields, follow=True)
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.MERGED
    action, fields = undo_form(done.content.decode())
    client.post(action, fields)
    assert Record.objects.get(pk=pair.record_id).duplicate_of_id is None
    # Keeping two records apart writes nothing destructive: it needs no confirmation.
    assert client.post(url, {"decision": "reject"}).status_code == 302
