from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from review.demo import DEMO_SLUG
from review.models import Membership, Record, Review, Search


@pytest.mark.django_db
def test_create_review_and_add_member(owner, reviewer, capsys):
    call_command("create_review", "tms", "--title", "TMS", "--owner", "owner", "--reviewers-per-record", "3")
    review = Review.objects.get(slug="tms")
    assert review.reviewers_per_record_title_abstract == 3
    call_command("add_member", "tms", "reviewer", "--role", "adjudicator")
    assert Membership.objects.get(review=review, user=reviewer).is_adjudicator
    assert "reviewer in tms: adjudicator" in capsys.readouterr().out


@pytest.mark.django_db
def test_commands_refuse_unknown_names(owner):
    with pytest.raises(CommandError, match="No user called"):
        call_command("create_review", "tms", "--title", "TMS", "--owner", "ghost")
    with pytest.raises(CommandError, match="No review"):
        call_command("add_member", "ghost", "owner", "--role", "owner")


@pytest.mark.django_db
def test_load_demo_twice_duplicates_nothing(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    counts = (
        Review.objects.count(),
        Record.objects.count(),
        Search.objects.count(),
        Membership.objects.count(),
    )
    call_command("load_demo")
    assert (
        Review.objects.count(),
        Record.objects.count(),
        Search.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert "olivia" in first and "ketamine-demo" in first
    review = Review.objects.get(slug=DEMO_SLUG)
    assert Search.objects.filter(review=review).count() == 2
    assert Record.objects.filter(review=review).count() == 13
    # The Embase copy of Tiger 2020 has the same DOI as the MEDLINE one (written as a doi.org link).
    duplicates = Record.objects.filter(review=review, duplicate_of__isnull=False)
    assert [(d.search.source_name, d.short_citation) for d in duplicates] == [("Embase (Ovid)", "Tiger 2020")]
    assert duplicates[0].duplicate_of.search.source_name == "MEDLINE (Ovid)"
    roles = {m.user.username: m.roles for m in review.memberships.select_related("user")}
    assert roles == {
        "olivia": ["owner"],
        "rita": ["reviewer"],
        "raj": ["reviewer"],
        "ada": ["adjudicator"],
        "victor": ["viewer"],
    }
