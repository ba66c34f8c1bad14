"""The maintained screening tallies: equal to a count from scratch after any mix of votes, undos, resolutions,
changes of the number of votes per record and imports; and the dashboard's counts read from them equal
the blinding rule applied record by record (Sight.may_settle), for every kind of member."""

from __future__ import annotations

import contextlib
import random

import pytest
from django.core.exceptions import ValidationError

from review import services as review_services
from review.constants import Stage
from review.models import Record
from screening import services, tallies
from screening.models import FullText, ScreeningDecision
from screening.progress import records_left, stage_progress
from screening.resources import import_votes
from screening.visibility import Sight

pytestmark = pytest.mark.django_db


def stored(review) -> dict:
    return {key: n for key, n in tallies.read(review).items() if n}


def counted(review) -> dict:
    return {key: n for key, n in tallies.from_scratch(review).items() if n}


def reference(sight: Sight) -> list[tuple]:
    """The dashboard's figures for one member, record by record from the object-level rule."""
    review, me = sight.review, sight.user.pk
    decisions = list(ScreeningDecision.objects.for_review(review).prefetch_related("votes"))
    not_retrieved = set(FullText.objects.filter(not_retrieved=True).values_list("record_id", flat=True))
    unique = Record.objects.for_review(review).unique().count()
    screeners = [m.user for m in review.memberships.reviewers().select_related("user")]
    figures = []
    for stage in Stage.values:
        here = [d for d in decisions if d.stage == stage]
        voters = {d.pk: {v.reviewer_id for v in d.votes.all()} for d in here}
        settles = [d for d in here if sight.may_settle(d, voters[d.pk])]
        unseen = [d for d in here if not d.is_resolved and d not in settles]
        decided = sum(d.is_resolved for d in here)
        if stage == Stage.TITLE_ABSTRACT:
            open_seen = unique - decided - len(settles)
            pending = sum(bool(me in voters[d.pk] if sight.blinded else voters[d.pk]) for d in unseen)
            not_started = open_seen - pending
        else:
            open_seen = sum(d.record_id not in not_retrieved for d in unseen)
            pending, not_started = len(unseen), None
        rows = []
        for user in screeners:
            done = sum(
                user.pk in voters[d.pk]
                and (not sight.blinded or user.pk == me or d.is_resolved or d in settles)
                for d in here
            )
            if sight.blinded and user.pk != me:
                left = open_seen
            else:
                left = services.queue(review=review, stage=stage, user=user).count()
            rows.append((user.username, done, left))
        statuses = [d.status for d in here]
        figures.append(
            (
                stage,
                not_started,
                pending,
                len(settles) if sight.settles_any else None,
                statuses.count("included"),
                statuses.count("excluded"),
                rows,
            )
        )
    return figures


def shown(sight: Sight) -> list[tuple]:
    return [
        (
            p.stage,
            p.counts.not_started,
            p.counts.pending,
            p.counts.conflict,
            p.counts.included,
            p.counts.excluded,
            [(r.user.username, r.done, r.left) for r in p.reviewers],
        )
        for p in stage_progress(sight=sight)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tallies_and_counts_stay_exact_through_random_screening(
    review, owner, reviewer, reviewer2, adjudicator, viewer, make_user, make_records, seed
):
    rng = random.Random(seed)
    both = make_user("both")  # screens and adjudicates
    review_services.add_member(review=review, user=both, role="reviewer")
    review_services.add_member(review=review, user=both, role="adjudicator")
    screeners = [reviewer, reviewer2, both]
    members = [owner, reviewer, reviewer2, adjudicator, viewer, both]
    records = make_records(14)

    def vote(user, record, stage):
        verdict = rng.choice(["include", "exclude", "maybe"])
        services.cast_vote(review=review, record=record, stage=stage, reviewer=user, verdict=verdict)

    def step():
        action = rng.choices(["vote", "undo", "resolve", "not retrieved", "import"], [12, 3, 3, 1, 1])[0]
        user, record = rng.choice(screeners), rng.choice(records)
        stage = rng.choice(Stage.values)
        if action == "vote":
            vote(user, record, stage)
        elif action == "undo":
            services.withdraw_last_vote(review=review, stage=stage, reviewer=user)
        elif action == "resolve":
            conflicts = list(ScreeningDecision.objects.filter(status="conflict").order_by("pk"))
            if conflicts:
                conflict = rng.choice(conflicts)
                services.resolve_conflict(
                    review=review,
                    decision=conflict,
                    user=rng.choice([adjudicator, both, *screeners]),
                    verdict=rng.choice(["include", "exclude"]),
                    note="Settled",
                )
        elif action == "not retrieved":
            # A report is sought once its record reached full text.
            reached = list(ScreeningDecision.objects.filter(stage=Stage.FULL_TEXT).order_by("pk"))
            if reached:
                chosen = rng.choice(reached).record
                services.attach_full_text(review=review, record=chosen, user=owner, not_retrieved=True)
        else:
            row = f"{record.doi},{user.username},{stage},{rng.choice(['include', 'exclude'])},,,\n"
            data = "record,reviewer,stage,verdict,reason,note,time\n" + row
            import_votes(review=review, data=data.encode(), file_name="votes.csv", by=owner)

    for number in range(120):
        if number == 40:
            # Three votes a record for a while, then back to two: the waiting records are decided.
            review.reviewers_per_record_title_abstract = 3
            review.save()
        if number == 70:
            review.reviewers_per_record_title_abstract = 2
            review.reviewers_resolve_conflicts = not review.reviewers_resolve_conflicts
            review.save()
            services.decide_waiting_records(review=review, user=owner)
        with contextlib.suppress(ValidationError):  # refused (N votes, resolved, not hers): changes nothing
            step()
        assert stored(review) == counted(review), number
        if number % 30 == 29:
            for member in members:
                sight = Sight.of(member, review)
                assert shown(sight) == reference(sight), (number, member.username)
                if sight.screens:
                    for stage in Stage.values:
                        expected = services.queue(review=review, stage=stage, user=member).count()
                        assert records_left(sight=sight, stage=stage) == expected


def test_recount_rebuilds_what_the_votes_wrote(review, reviewer, reviewer2, make_records, vote):
    a, b = make_records(2)
    vote(a, reviewer, "include")
    vote(a, reviewer2, "exclude")
    vote(b, reviewer, "include")
    written = stored(review)
    assert written[("title_abstract", "conflict", reviewer.pk, reviewer2.pk, True)] == 1
    assert written[("title_abstract", "pending", 0, 0, True)] == 1
    tallies.recount(review)
    assert stored(review) == written


def test_the_dashboard_query_count_does_not_depend_on_the_tallies(
    review, reviewer, reviewer2, make_records, vote, django_assert_max_num_queries
):
    for record in make_records(30):
        vote(record, reviewer, "include")
        vote(record, reviewer2, random.Random(record.pk).choice(["include", "exclude"]))
    with django_assert_max_num_queries(5):
        stage_progress(sight=Sight.of(reviewer, review))
    with django_assert_max_num_queries(3):
        records_left(sight=Sight.of(reviewer, review), stage="title_abstract")
