from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from review.constants import Stage
from review.managers import ReviewScopedQuerySet
from review.models import ExclusionReason, Record, Review, person_field
from screening.constants import RESOLVED, DecisionStatus, FinalVerdict, Verdict
from screening.managers import VoteQuerySet


class ScreeningDecision(models.Model):
    """Where a record stands at one screening stage: how many votes it has, and its final decision. Voting
    locks this row, so a record never takes more votes than the review asks for."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="screening_decisions")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="screening_decisions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    votes_count = models.PositiveSmallIntegerField(default=0)
    verdict = models.CharField(max_length=10, choices=FinalVerdict.choices, blank=True)
    reason = models.ForeignKey(
        ExclusionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conflict_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the votes first disagreed. From then on only adjudication settles the record: "
        "a reviewer changing her vote cannot.",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who settled a conflict; empty when the reviewers agreed.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Why the conflict was settled this way.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ReviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["record_id", "stage"]
        constraints = [models.UniqueConstraint(fields=["record", "stage"], name="unique_record_stage")]
        indexes = [
            # The queue and the conflict list: a review's records at a stage with a given status, in id order.
            models.Index(fields=["review", "stage", "status", "record"], name="decision_queue_idx"),
            # The conflicts list's keyset pages (services.conflict_page): "this review's open conflicts after
            # (stage, record), by stage then record", a small index of the few rows in conflict.
            models.Index(
                fields=["review", "stage", "record"],
                condition=models.Q(status=DecisionStatus.CONFLICT),
                name="decision_conflict_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} at {self.stage}: {self.status}"

    @property
    def is_resolved(self) -> bool:
        return self.status in RESOLVED


class Vote(models.Model):
    """One reviewer's independent verdict on one record at one stage."""

    decision = models.ForeignKey(ScreeningDecision, on_delete=models.CASCADE, related_name="votes")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="votes")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="votes")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.ForeignKey(
        ExclusionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="unique_vote_per_reviewer")
        ]
        indexes = [
            # The queue's "not voted on by me" test, undo ("my last vote") and per-reviewer progress.
            models.Index(fields=["reviewer", "stage", "record"], name="vote_reviewer_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.verdict} {self.record_id} ({self.stage})"


def full_text_path(full_text: FullText, filename: str) -> str:
    return f"reviews/{full_text.record.review_id}/full-text/{full_text.record_id}.pdf"


class FullText(models.Model):
    """The full-text report of a record: an uploaded PDF, or a note that it could not be retrieved."""

    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="full_text")
    pdf = models.FileField(upload_to=full_text_path, blank=True, max_length=500)
    file_name = models.CharField(max_length=300, blank=True)
    not_retrieved = models.BooleanField(
        default=False, help_text="The report was sought but could not be obtained (PRISMA counts these)."
    )
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = person_field()

    history = HistoricalRecords()

    class Meta:
        indexes = [
            # Progress's correction for reports not retrieved (screening.progress): a few rows among many.
            models.Index(
                fields=["record"], condition=models.Q(not_retrieved=True), name="full_text_not_retrieved_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Full text of {self.record_id}"


class ScreeningTally(models.Model):
    """A maintained count behind the dashboard and the queue, so that neither counts every vote or record:
    the decisions at a stage with a status (`voter` 0; `voted` tells those with a vote from those without),
    a reviewer's votes on decisions with a status (`voter`), and the conflicts two reviewers voted in
    together (`voter` and `partner`). screening.tallies writes them in the same transaction as the votes
    and decisions they count; screening.progress reads them through screening.visibility's rule."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices)
    # User ids rather than foreign keys: 0 for "none" keeps the unique key free of NULLs, which the
    # counting upsert (INSERT … ON CONFLICT) needs on both databases. Votes protect their users.
    voter = models.IntegerField(default=0)
    partner = models.IntegerField(default=0)
    voted = models.BooleanField(default=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Its index also serves the one read: every tally of a review (screening.tallies.read).
            models.UniqueConstraint(
                fields=["review", "stage", "status", "voter", "partner", "voted"],
                name="unique_screening_tally",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.status} voter {self.voter} partner {self.partner}: {self.count}"


class QueueFloor(models.Model):
    """Where one reviewer's queue starts at one stage: no record of the review with an id below `below` is
    in her queue, so the walk to her next record starts here instead of reading every record she or the
    team already settled. A cache, kept correct by screening.queue_floor: the walk raises it, and every
    change that can put a record back into a queue (undo, a title/abstract include opening full text, a
    report found after all, a restored or unmerged record) lowers it in the same transaction. `version`
    changes with every write, so a raise computed from an older state is refused."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # A user id rather than a foreign key, as in ScreeningTally: the row is a cache, never shown.
    user = models.IntegerField()
    below = models.BigIntegerField(default=0)
    version = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Its index serves the one read: "this reviewer's floor at this stage" (queue_floor.read).
            models.UniqueConstraint(fields=["review", "stage", "user"], name="unique_queue_floor")
        ]

    def __str__(self) -> str:
        return f"{self.stage} queue of user {self.user} starts at record {self.below}"
