"""Blinding by difference (issue 14): whatever Rita can reach looks the same whether Raj has not voted on
the records she voted on, or voted the other way. Every URL of the site is walked (tests/blinding.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from review.exports import exporters
from screening import services
from tests.blinding import Walk, assert_same, small_review, world

pytestmark = pytest.mark.django_db


def every_export(user, review) -> list[tuple[str, str]]:
    """Every export the apps register that `user` may ask for, in each of its formats: a new one is walked
    without being listed here."""
    return [
        (e.kind, file_format)
        for e in exporters().values()
        if user.has_perm(e.perm, review)
        for file_format in e.formats
    ]


@pytest.fixture
def demo(exported):
    return small_review(export=exported)


def test_a_reviewer_sees_the_same_everywhere_whether_the_other_did_not_vote_or_voted_the_other_way(
    demo, exported
):
    review, rita, raj = demo.review, demo.users["rita"], demo.users["raj"]
    # Records Rita voted on that wait for Raj's vote, one at each stage.
    smartphone = demo.record("smartphone dependency")
    berman = demo.record("Antidepressant effects of ketamine in depressed patients")
    untouched = demo.record("genetic cause")
    resolved = demo.record("tubulin")
    reason = review.exclusion_reasons.first()

    def raj_votes_the_other_way():
        for record, stage, verdict, why in (
            (smartphone, "title_abstract", "include", None),
            (berman, "full_text", "exclude", reason),
        ):
            services.cast_vote(
                review=review, record=record, stage=stage, reviewer=raj, verdict=verdict, reason=why
            )

    def vote(stage, record):
        return reverse("screening:vote", args=[review.slug, stage, record.pk])

    walk = Walk(
        user=rita,
        ids={**demo.ids, "record_id": [r.pk for r in (smartphone, berman, untouched, resolved)]},
        queries=(
            "",
            f"?record={smartphone.pk}",
            f"?record={berman.pk}",
            f"?after={smartphone.pk - 1}",
            f"?before={smartphone.pk + 1}&stage=title_abstract&reviewer={raj.pk}",
        ),
        posts=[
            (vote("title_abstract", smartphone), {"verdict": "include", "note": "changed my mind"}),
            (vote("full_text", berman), {"verdict": "maybe"}),
            (vote("title_abstract", untouched), {"verdict": "exclude"}),
            (
                reverse("screening:resolve", args=[review.slug, "title_abstract", smartphone.pk]),
                {"decision": "exclude", "note": "settling it myself"},
            ),
        ],
        afterwards=[
            reverse("review:dashboard", args=[review.slug]),
            reverse("screening:record_votes", args=[review.slug, "title_abstract", smartphone.pk]),
            reverse("screening:record_votes", args=[review.slug, "full_text", berman.pk]),
            reverse("screening:queue", args=[review.slug, "title_abstract"]) + f"?record={smartphone.pk}",
        ],
        exports=every_export(rita, review),
        export=lambda client, kind, file_format: exported(client, review, kind, file_format),
    )
    assert_same(
        world(walk),
        world(walk, change=raj_votes_the_other_way),
        what="Rita whether Raj voted the other way",
    )
