"""Per-reviewer statistics for owners: votes, include rate, conflicts and the median time per record, checked
against hand counts and Python's statistics.median, and blinded like every other figure."""

from __future__ import annotations

import random
import statistics
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from review import services as review_services
from screening.reviewer_stats import BREAK_AFTER, reviewer_stats
from screening.visibility import Sight

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=1)


def figures(user, review) -> dict[tuple[str, str], object]:
    return {
        (s.stage, r.username): r for s in reviewer_stats(sight=Sight.of(user, review)) for r in s.reviewers
    }


def vote_at(vote, records, user, seconds: list[int], verdicts=None):
    """Votes on `records` in order, the i-th at START + seconds[i]."""
    for i, (record, at) in enumerate(zip(records, seconds, strict=True)):
        verdict = verdicts[i] if verdicts else "include"
        vote(record, user, verdict, when=START + timedelta(seconds=at))


def test_median_time_per_record_by_hand(review, owner, reviewer, reviewer2, make_records, vote):
    records = make_records(5)
    # Gaps 30 s, 60 s, 1,110 s (a break: over 10 minutes, left out) and 45 s: the median of 30, 45 and 60
    # is 45 s, counted by hand.
    vote_at(vote, records, reviewer, [0, 30, 90, 1200, 1245])
    # The other reviewer agrees on every record, so every vote is decided and the owner may see them all.
    vote_at(vote, records, reviewer2, [0, 10, 20, 30, 40])
    stats = figures(owner, review)
    assert stats["title_abstract", "reviewer"].median_seconds == 45
    assert stats["title_abstract", "reviewer2"].median_seconds == 10  # four gaps of 10 s
    assert stats["title_abstract", "reviewer"].votes == 5


def test_median_of_an_even_number_of_gaps_and_a_gap_of_exactly_ten_minutes(
    review, owner, reviewer, reviewer2, make_records, vote
):
    records = make_records(5)
    ten_minutes = int(BREAK_AFTER.total_seconds())
    # Gaps 20, 600 (exactly ten minutes: still time on a record), 40, 100: median (40 + 100) / 2 = 70.
    vote_at(vote, records, reviewer, [0, 20, 20 + ten_minutes, 60 + ten_minutes, 160 + ten_minutes])
    vote_at(vote, records, reviewer2, [0, 1, 2, 3, 4])
    assert figures(owner, review)["title_abstract", "reviewer"].median_seconds == 70


def test_median_against_statistics_median(review, owner, reviewer, reviewer2, make_records, vote):
    rng = random.Random(12)
    records = make_records(40)
    times, at = [], 0
    for _ in records:
        at += rng.choice([rng.randint(2, 300), rng.randint(601, 5000)])
        times.append(at)
    vote_at(vote, records, reviewer, times)
    vote_at(vote, records, reviewer2, list(range(40)))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b - a <= 600]
    assert figures(owner, review)["title_abstract", "reviewer"].median_seconds == pytest.approx(
        statistics.median(gaps)
    )


def test_include_rate_and_conflicts(review, owner, reviewer, reviewer2, make_records, vote, settle):
    a, b, c, d = make_records(4)
    vote_at(vote, [a, b, c, d], reviewer, [0, 10, 20, 30], ["include", "exclude", "include", "maybe"])
    vote_at(vote, [a, b, c, d], reviewer2, [0, 10, 20, 30], ["include", "exclude", "exclude", "exclude"])
    settle(c)  # one conflict settled, the maybe/exclude one still open
    stats = figures(owner, review)
    mine = stats["title_abstract", "reviewer"]
    # By hand: 4 votes; include on a and c, and maybe on d (the review counts maybe as include): 75%;
    # conflicts on c (settled) and d (open). The other reviewer: include on a only, 25%.
    assert (mine.votes, mine.included, mine.conflicts) == (4, 3, 2)
    assert mine.include_rate == 75
    assert stats["title_abstract", "reviewer2"].include_rate == 25
    review.maybe_counts_as_include = False
    review.save()
    assert figures(owner, review)["title_abstract", "reviewer"].included == 2


def test_an_owner_who_screens_learns_nothing_of_votes_blinded_to_her(
    review, owner, reviewer, make_records, vote
):
    """She screens too: another reviewer's votes on records still open count once she may see them. The
    figures are the same whether the other reviewer voted on the open record or not."""
    review_services.add_member(review=review, user=owner, role="reviewer")
    a, b, c = make_records(3)
    vote_at(vote, [a, b], owner, [0, 40])
    vote_at(vote, [a, b], reviewer, [0, 30])  # both decided: visible
    vote(c, owner, "include", when=START + timedelta(seconds=50))
    before = reviewer_stats(sight=Sight.of(owner, review))
    # Open: blinded to her, and the conflict it makes on her own vote is not hers to settle.
    vote(c, reviewer, "exclude", when=START + timedelta(seconds=45))
    after = reviewer_stats(sight=Sight.of(owner, review))
    assert before == after
    assert figures(owner, review)["title_abstract", "reviewer"].median_seconds == 30


def stats_url(review):
    return reverse("review:reviewer_stats", args=[review.slug])


def test_only_owners_get_the_statistics(
    review, owner, reviewer, reviewer2, adjudicator, viewer, outsider, make_records, vote, client_for
):
    (a,) = make_records(1)
    vote(a, reviewer, "include")
    vote(a, reviewer2, "include")
    dashboard = reverse("review:dashboard", args=[review.slug])
    html = client_for(owner).get(dashboard).content.decode()
    assert 'id="reviewer-stats"' in html and "over 10 minutes" in html
    fragment = client_for(owner).get(stats_url(review), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'data-reviewer-stats="reviewer"' in fragment.content.decode()
    for user in (reviewer, adjudicator, viewer, outsider):
        client = client_for(user)
        assert client.get(stats_url(review)).status_code == 404
        assert 'id="reviewer-stats"' not in client.get(dashboard).content.decode()


def test_statistics_take_a_fixed_number_of_queries(
    review, owner, reviewer, reviewer2, make_records, vote, django_assert_max_num_queries
):
    records = make_records(30)
    vote_at(vote, records, reviewer, list(range(0, 300, 10)))
    vote_at(vote, records, reviewer2, list(range(0, 300, 10)))
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(4):
        reviewer_stats(sight=Sight.of(owner, review))


def test_a_new_vote_is_counted_at_once_despite_the_cache(
    review, owner, reviewer, reviewer2, make_records, vote
):
    a, b = make_records(2)
    vote_at(vote, [a], reviewer, [0])
    vote_at(vote, [a], reviewer2, [0])
    assert figures(owner, review)["title_abstract", "reviewer"].votes == 1
    vote_at(vote, [b], reviewer, [20])
    vote_at(vote, [b], reviewer2, [25])
    assert figures(owner, review)["title_abstract", "reviewer"].votes == 2
    assert figures(owner, review)["title_abstract", "reviewer"].median_seconds == 20
