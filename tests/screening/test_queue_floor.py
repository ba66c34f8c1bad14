"""The floor under each reviewer's queue (screening.queue_floor): after any history of votes, changed votes,
undos, resolutions, reports not retrieved and found again, removals and restorations, merges and their
undoing and new imports, no record of a queue lies below its floor, and the walk finds the same records
as the queue computed from scratch (screening.services.queue, which ignores the floors)."""

from __future__ import annotations

import contextlib
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from review import curation, merging
from review import services as review_services
from review.constants import DuplicateStatus, RemovalKind, Stage
from review.models import DuplicatePair, Record
from screening import queue_floor, services
from screening.models import QueueFloor, ScreeningDecision

pytestmark = pytest.mark.django_db


def from_scratch(review, stage, user) -> list[int]:
    return list(services.queue(review=review, stage=stage, user=user).values_list("pk", flat=True))


def check_floors(review, screeners) -> None:
    """Every floor lies at or under its queue's first record, and every walk answers as from scratch."""
    for user in screeners:
        for stage in Stage.values:
            expected = from_scratch(review, stage, user)
            floor = queue_floor.read(review=review, stage=stage, user=user)
            assert not expected or expected[0] >= floor.below, (stage, user.username, floor, expected[:3])
            walked = [r.pk for r in services.next_records(review=review, stage=stage, user=user)]
            assert walked == expected[:2], (stage, user.username)
            if expected:
                middle = expected[len(expected) // 2]
                after = [
                    r.pk for r in services.next_records(review=review, stage=stage, user=user, after=middle)
                ]
                assert after == ([e for e in expected if e > middle] + expected)[:2]
                before = services.previous_record(review=review, stage=stage, user=user, before=middle)
                assert before is None or before.pk < middle


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_floor_never_hides_a_record_of_the_queue(
    review, owner, reviewer, reviewer2, adjudicator, make_user, make_records, settings, tmp_path, seed
):
    settings.MEDIA_ROOT = tmp_path
    rng = random.Random(seed)
    third = make_user("third")
    review_services.add_member(review=review, user=third, role="reviewer")
    screeners = [reviewer, reviewer2, third]
    records = make_records(24)
    imported = 0

    def step():
        nonlocal imported
        action = rng.choices(
            [
                "vote",
                "walk",
                "undo",
                "resolve",
                "not retrieved",
                "found",
                "remove",
                "restore",
                "merge",
                "unmerge",
                "import",
            ],
            [14, 6, 4, 3, 1, 1, 2, 2, 2, 2, 1],
        )[0]
        user, record, stage = rng.choice(screeners), rng.choice(records), rng.choice(Stage.values)
        if action == "vote":
            verdict = rng.choice(["include", "exclude", "maybe"])
            services.cast_vote(review=review, record=record, stage=stage, reviewer=user, verdict=verdict)
        elif action == "walk":  # a reviewer opens her queue: the floor rises
            services.next_records(review=review, stage=stage, user=user)
        elif action == "undo":
            services.withdraw_last_vote(review=review, stage=stage, reviewer=user)
        elif action == "resolve":
            conflicts = list(ScreeningDecision.objects.filter(status="conflict").order_by("pk"))
            if conflicts:
                services.resolve_conflict(
                    review=review,
                    decision=rng.choice(conflicts),
                    user=adjudicator,
                    verdict=rng.choice(["include", "exclude"]),
                    note="Settled",
                )
        elif action in ("not retrieved", "found"):
            reached = list(ScreeningDecision.objects.filter(stage=Stage.FULL_TEXT).order_by("pk"))
            if reached:
                chosen = rng.choice(reached).record
                pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n") if action == "found" else None
                services.attach_full_text(
                    review=review, record=chosen, user=owner, pdf=pdf, not_retrieved=action != "found"
                )
        elif action == "remove":
            curation.remove_records(
                review=review, record_ids=[record.pk], user=owner, kind=RemovalKind.OTHER, reason="Off topic"
            )
        elif action == "restore":
            removed = list(Record.objects.for_review(review).removed().values_list("pk", flat=True))
            if removed:
                curation.restore_records(review=review, record_ids=[rng.choice(removed)], user=owner)
        elif action == "merge":
            other = rng.choice(records)
            if other.pk != record.pk:
                pair, _ = DuplicatePair.objects.get_or_create(
                    review=review, record=record, original=other, defaults={"reason": "similar title"}
                )
                if pair.status != DuplicateStatus.PENDING:
                    DuplicatePair.objects.filter(pk=pair.pk).update(status=DuplicateStatus.PENDING)
                    pair.refresh_from_db()
                merging.confirm_pair(pair=pair, user=owner)
        elif action == "unmerge":
            merged = list(Record.objects.for_review(review).duplicates().order_by("pk"))
            if merged:
                merging.unmerge(record=rng.choice(merged), user=owner)
        else:
            imported += 1
            records.extend(make_records(2, journal=f"Imported later {imported}"))

    for number in range(150):
        with contextlib.suppress(ValidationError):  # refused (N votes, resolved, not hers): changes nothing
            step()
        if number % 5 == 4:
            check_floors(review, screeners)
    assert QueueFloor.objects.filter(review=review, below__gt=0).exists()  # the floors did rise


def test_the_walk_starts_at_the_floor_and_undo_lowers_it(review, reviewer, reviewer2, make_records, vote):
    records = make_records(6)
    for record in records[:4]:
        vote(record, reviewer, "include")
    stage = Stage.TITLE_ABSTRACT
    services.next_records(review=review, stage=stage, user=reviewer)  # creates her floor at 0
    assert [r.pk for r in services.next_records(review=review, stage=stage, user=reviewer)] == [
        records[4].pk,
        records[5].pk,
    ]
    assert queue_floor.read(review=review, stage=stage, user=reviewer).below == records[4].pk
    services.withdraw_last_vote(review=review, stage=stage, reviewer=reviewer)
    assert queue_floor.read(review=review, stage=stage, user=reviewer).below == records[3].pk
    assert services.next_records(review=review, stage=stage, user=reviewer)[0] == records[3]
    # Her partner's floor is hers alone.
    assert queue_floor.read(review=review, stage=stage, user=reviewer2).below == 0


def test_a_raise_from_an_older_reading_is_refused(review, reviewer, make_records, vote):
    records = make_records(4)
    stage = Stage.TITLE_ABSTRACT
    services.next_records(review=review, stage=stage, user=reviewer)
    seen = queue_floor.read(review=review, stage=stage, user=reviewer)
    # Meanwhile something lowers her floor (here: a record put back at both stages).
    queue_floor.lower(review=review, record_ids=[records[0].pk])
    queue_floor.raise_to(review=review, stage=stage, user=reviewer, seen=seen, first=records[3].pk)
    assert queue_floor.read(review=review, stage=stage, user=reviewer).below == 0


def test_the_queue_page_walks_from_the_floor(review, reviewer, make_records, vote, client_for):
    """Opening the queue raises the floor, so the next opening's walk starts at the first open record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    records = make_records(8)
    for record in records[:5]:
        vote(record, reviewer, "exclude")
    client = client_for(reviewer)
    url = reverse("screening:queue", args=[review.slug, Stage.TITLE_ABSTRACT])
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert (
        f"/records/{records[5].pk}/" in response.content.decode()
        or str(records[5].pk) in response.content.decode()
    )
    walks = [q["sql"] for q in ctx.captured_queries if '"review_record"."id" >' in q["sql"]]
    assert walks and all(f'"review_record"."id" > {records[5].pk - 1}' in sql for sql in walks), walks
