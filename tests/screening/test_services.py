from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from review.models import Record
from screening import services
from screening.constants import DecisionStatus
from screening.models import ScreeningDecision, Vote
from screening.progress import StageCounts, stage_progress
from screening.visibility import Sight

pytestmark = pytest.mark.django_db
TA, FT = "title_abstract", "full_text"


def decision_of(record, stage=TA) -> ScreeningDecision:
    return ScreeningDecision.objects.get(record=record, stage=stage)


@pytest.mark.parametrize(
    ("a", "b", "status"),
    [
        ("include", "include", DecisionStatus.INCLUDED),
        ("include", "maybe", DecisionStatus.INCLUDED),
        ("maybe", "maybe", DecisionStatus.INCLUDED),
        ("exclude", "exclude", DecisionStatus.EXCLUDED),
        ("include", "exclude", DecisionStatus.CONFLICT),
        ("maybe", "exclude", DecisionStatus.CONFLICT),
    ],
)
def test_title_abstract_decision(make_records, vote, reviewer, reviewer2, a, b, status):
    (record,) = make_records(1)
    vote(record, reviewer, a)
    assert decision_of(record).status == DecisionStatus.PENDING
    vote(record, reviewer2, b)
    assert decision_of(record).status == status
    assert ScreeningDecision.objects.filter(record=record, stage=FT).exists() == (
        status == DecisionStatus.INCLUDED
    )


def test_a_record_never_takes_more_than_n_votes(make_records, vote, reviewer, reviewer2, owner, review):
    from review import services as review_services

    review_services.add_member(review=review, user=owner, role="reviewer")
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "exclude")
    with pytest.raises(ValidationError, match="already has its 2 votes"):
        vote(record, owner, "include")
    assert Vote.objects.filter(record=record).count() == 2


def test_changing_a_vote_keeps_history_and_never_settles_a_conflict(
    make_records, vote, reviewer, reviewer2, adjudicator, review
):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer, "maybe", note="unsure of the population")
    v = Vote.objects.get(record=record, reviewer=reviewer)
    assert [h.verdict for h in v.history.order_by("history_date")] == ["include", "maybe"]
    assert v.history.first().history_user == reviewer
    vote(record, reviewer2, "exclude")
    assert decision_of(record).status == DecisionStatus.CONFLICT
    # Still unresolved, so she may change her vote (the page cannot tell her it is a conflict); agreeing
    # with the other reviewer now does not settle it: only adjudication does.
    vote(record, reviewer, "exclude")
    assert Vote.objects.get(record=record, reviewer=reviewer).verdict == "exclude"
    assert decision_of(record).status == DecisionStatus.CONFLICT
    assert decision_of(record).verdict == ""
    services.resolve_conflict(
        review=review, decision=decision_of(record), user=adjudicator, verdict="exclude", note="both exclude"
    )
    assert decision_of(record).status == DecisionStatus.EXCLUDED
    with pytest.raises(ValidationError, match="already resolved"):
        vote(record, reviewer, "include")


def test_undoing_and_voting_again_does_not_settle_a_conflict(make_records, vote, reviewer, reviewer2, review):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "exclude")
    assert services.withdraw_last_vote(review=review, stage=TA, reviewer=reviewer2) == record
    # Her vote is gone and the record waits for it, exactly as if the other had not voted the other way...
    assert decision_of(record).status == DecisionStatus.PENDING
    assert list(services.queue(review=review, stage=TA, user=reviewer2)) == [record]
    vote(record, reviewer2, "include")
    # ...but the disagreement is remembered: agreeing now sends the record to adjudication.
    assert decision_of(record).status == DecisionStatus.CONFLICT
    assert not ScreeningDecision.objects.filter(record=record, stage=FT).exists()


def test_a_first_vote_creates_the_decision_in_its_new_state_with_history(
    make_records, vote, reviewer, review
):
    first, second = make_records(2)
    vote(first, reviewer, "include")
    assert [
        (h.history_type, h.votes_count, h.status, h.history_user) for h in decision_of(first).history.all()
    ] == [("+", 1, DecisionStatus.PENDING, reviewer)]
    review.reviewers_per_record_title_abstract = 1
    review.save()
    vote(second, reviewer, "exclude")  # one vote needed: settled by the vote that creates the decision
    assert decision_of(second).status == DecisionStatus.EXCLUDED
    assert decision_of(second).history.get().status == DecisionStatus.EXCLUDED


def test_previous_and_screenable_records(make_records, vote, reviewer, reviewer2, review):
    records = make_records(6)
    vote(records[0], reviewer, "include")  # still open: may change
    vote(records[1], reviewer, "include")
    vote(records[1], reviewer2, "include")  # resolved: no longer on this reviewer's screen
    vote(records[2], reviewer, "exclude")
    vote(records[2], reviewer2, "exclude")

    def previous(before):
        return services.previous_record(review=review, stage=TA, user=reviewer, before=before.pk)

    def screenable(record):
        return services.screenable_record(review=review, stage=TA, user=reviewer, record_id=record.pk)

    assert previous(records[4]) == records[3]  # in the queue
    assert previous(records[3]) == records[0]  # past the resolved ones, to the vote that may change
    assert previous(records[0]) is None
    assert [screenable(r) for r in records] == [records[0], None, None, *records[3:]]
    assert services.next_records(review=review, stage=TA, user=reviewer, after=records[4].pk) == [
        records[5],
        records[3],
    ]


def test_undo_takes_back_the_last_vote(make_records, vote, reviewer, review):
    first, second = make_records(2)
    vote(first, reviewer, "include")
    vote(second, reviewer, "exclude")
    assert services.withdraw_last_vote(review=review, stage=TA, reviewer=reviewer) == second
    assert not Vote.objects.filter(record=second).exists()
    assert Vote.history.filter(record_id=second.pk, history_type="-").count() == 1
    assert decision_of(second).votes_count == 0


def test_only_reviewers_vote_and_only_on_unique_records(make_records, vote, reviewer, adjudicator):
    first, second = make_records(2)
    Record.objects.filter(pk=second.pk).update(duplicate_of=first)
    second.refresh_from_db()
    with pytest.raises(ValidationError, match="not a reviewer"):
        vote(first, adjudicator, "include")
    with pytest.raises(ValidationError, match="unique records"):
        vote(second, reviewer, "include")
    with pytest.raises(ValidationError, match="Unknown verdict"):
        vote(first, reviewer, "yes")


def test_full_text_needs_title_abstract_include_and_a_reason_to_exclude(
    make_records, vote, reviewer, reviewer2, review
):
    (record,) = make_records(1)
    with pytest.raises(ValidationError, match="not reached full-text"):
        vote(record, reviewer, "include", stage=FT)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "include")
    with pytest.raises(ValidationError, match="needs a reason"):
        vote(record, reviewer, "exclude", stage=FT)
    reasons = list(review.exclusion_reasons.all()[:2])
    vote(record, reviewer, "exclude", stage=FT, reason=reasons[0])
    vote(record, reviewer2, "exclude", stage=FT, reason=reasons[1])
    assert decision_of(record, FT).status == DecisionStatus.CONFLICT  # PRISMA needs one reason


def test_full_text_include_makes_the_study(make_records, vote, reviewer, reviewer2):
    (record,) = make_records(1)
    for stage in (TA, FT):
        vote(record, reviewer, "include", stage=stage)
        vote(record, reviewer2, "include", stage=stage)
    record.refresh_from_db()
    assert record.study is not None and record.study.label == "Author0 2020"


def test_adjudicator_resolves_with_a_reason(make_records, vote, reviewer, reviewer2, adjudicator, review):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "exclude")
    o = decision_of(record)
    with pytest.raises(ValidationError, match="Give a reason"):
        services.resolve_conflict(review=review, decision=o, user=adjudicator, verdict="include")
    with pytest.raises(ValidationError, match="may not settle"):
        services.resolve_conflict(review=review, decision=o, user=reviewer, verdict="include", note="x")
    services.resolve_conflict(
        review=review, decision=o, user=adjudicator, verdict="include", note="RCT after all"
    )
    o.refresh_from_db()
    assert (o.status, o.resolved_by, o.note) == (DecisionStatus.INCLUDED, adjudicator, "RCT after all")
    assert ScreeningDecision.objects.filter(record=record, stage=FT, status=DecisionStatus.PENDING).exists()
    with pytest.raises(ValidationError, match="not in conflict"):
        services.resolve_conflict(review=review, decision=o, user=adjudicator, verdict="exclude", note="x")


def test_reviewers_may_resolve_their_own_conflict_when_the_review_says_so(
    make_records, vote, reviewer, reviewer2, review
):
    review.reviewers_resolve_conflicts = True
    review.save()
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "exclude")
    services.resolve_conflict(
        review=review, decision=decision_of(record), user=reviewer2, verdict="exclude", note="agreed"
    )
    assert decision_of(record).status == DecisionStatus.EXCLUDED


def test_the_queue(make_records, vote, reviewer, reviewer2, review):
    a, b, c = make_records(3)
    vote(a, reviewer, "include")
    assert list(services.queue(review=review, stage=TA, user=reviewer)) == [b, c]
    assert services.next_records(review=review, stage=TA, user=reviewer, after=b.pk) == [c, b]
    vote(a, reviewer2, "exclude")  # conflict: a needs no more votes
    assert list(services.queue(review=review, stage=TA, user=reviewer2)) == [b, c]


def test_full_text_not_retrieved_leaves_the_queue(make_records, vote, reviewer, reviewer2, review):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "include")
    assert list(services.queue(review=review, stage=FT, user=reviewer)) == [record]
    services.attach_full_text(review=review, record=record, user=reviewer, not_retrieved=True)
    assert list(services.queue(review=review, stage=FT, user=reviewer)) == []
    with pytest.raises(ValidationError, match="not retrieved"):
        vote(record, reviewer, "include", stage=FT)


def test_progress_counts_equal_the_queues(make_records, vote, reviewer, reviewer2, review, adjudicator):
    records = make_records(8)
    plan = [
        ("include", "include"),
        ("exclude", "exclude"),
        ("include", "exclude"),
        ("maybe", None),
        (None, "exclude"),
    ]
    for record, (a, b) in zip(records, plan, strict=False):
        if a:
            vote(record, reviewer, a)
        if b:
            vote(record, reviewer2, b)
    vote(records[0], reviewer, "include", stage=FT)
    # An adjudicator who does not screen sees the counts as they are.
    stages = {p.stage: p for p in stage_progress(sight=Sight.of(adjudicator, review))}
    for stage in (TA, FT):
        for row in stages[stage].reviewers:
            assert row.left == services.queue(review=review, stage=stage, user=row.user).count()
    assert stages[TA].counts == StageCounts(
        pending=2, conflict=1, included=1, excluded=1, not_started=3, blinded=False
    )


def test_lowering_the_votes_needed_decides_the_records_that_have_enough(
    make_records, vote, reviewer, reviewer2, owner, review, client_for
):
    from review import services as review_services

    review_services.add_member(review=review, user=owner, role="reviewer")
    review.reviewers_per_record_title_abstract = 3
    review.save()
    agreed, split, waiting, settled = make_records(4)
    for record, verdicts in ((agreed, ["exclude", "exclude"]), (split, ["include", "exclude"])):
        for user, verdict in zip((reviewer, reviewer2), verdicts, strict=True):
            vote(record, user, verdict)
    vote(waiting, reviewer, "include")
    for user in (reviewer, reviewer2, owner):
        vote(settled, user, "include")
    assert {decision_of(r).status for r in (agreed, split, waiting)} == {DecisionStatus.PENDING}

    data = {
        "title": review.title,
        "reviewers_per_record_title_abstract": 2,
        "reviewers_per_record_full_text": 2,
        "reviewers_per_study_extraction": 2,
        "exclusion_reasons": "Wrong population",
    }
    assert client_for(owner).post(reverse("review:settings", args=[review.slug]), data).status_code == 302
    assert decision_of(agreed).status == DecisionStatus.EXCLUDED
    assert decision_of(agreed).history.first().history_user == owner
    assert decision_of(split).status == DecisionStatus.CONFLICT
    assert decision_of(waiting).status == DecisionStatus.PENDING
    assert decision_of(settled).status == DecisionStatus.INCLUDED

    data["reviewers_per_record_title_abstract"] = 3  # raising it: decisions taken stand
    client_for(owner).post(reverse("review:settings", args=[review.slug]), data)
    assert decision_of(agreed).status == DecisionStatus.EXCLUDED
