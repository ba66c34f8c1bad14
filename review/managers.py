from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Exists, Func, OuterRef, Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from review.models import Review


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user: AbstractBaseUser) -> ReviewQuerySet:
        """Reviews the user is a member of; nobody sees any other review."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).distinct()


class MembershipQuerySet(models.QuerySet):
    def owners(self) -> MembershipQuerySet:
        return self.filter(is_owner=True)

    def reviewers(self) -> MembershipQuerySet:
        return self.filter(is_reviewer=True)

    def adjudicators(self) -> MembershipQuerySet:
        return self.filter(is_adjudicator=True)


class ReviewScopedQuerySet(models.QuerySet):
    """Rows that belong to a review. `review_path` says once how a row reaches its review (HAWC's
    `assessment_relation`), and every query scoped to a review goes through `for_review`."""

    review_path = "review"

    def for_review(self, review: Review) -> Self:
        return self.filter(**{self.review_path: review})


class RecordQuerySet(ReviewScopedQuerySet):
    def unique(self) -> RecordQuerySet:
        """Records that are not marked as duplicates of another: the ones that go on to screening."""
        return self.filter(duplicate_of__isnull=True)

    def duplicates(self) -> RecordQuerySet:
        return self.filter(duplicate_of__isnull=False)

    def removed(self, kind: str = "") -> RecordQuerySet:
        """Records an owner removed before screening (and has not restored), of one kind if given."""
        return self.filter(removed_now(kind))

    def not_removed(self, within: Q | None = None) -> RecordQuerySet:
        return self.exclude(removed_now(within=within))

    def labelled(self, label) -> RecordQuerySet:
        """Records that carry the label now."""
        from review.models import RecordLabel

        return self.filter(Exists(RecordLabel.objects.active().filter(record=OuterRef("pk"), label=label)))

    def awaiting_duplicate_decision(self) -> RecordQuerySet:
        """Records in a probable duplicate pair that still waits for a person, on either side."""
        from review.constants import DuplicateStatus
        from review.models import DuplicatePair

        pending = DuplicatePair.objects.filter(status=DuplicateStatus.PENDING)
        return self.filter(
            Exists(pending.filter(record=OuterRef("pk"))) | Exists(pending.filter(original=OuterRef("pk")))
        )

    def screenable(self, within: Q | None = None) -> RecordQuerySet:
        """The records to screen: unique, and not removed before screening. `within`, a condition on
        `record_id` such as the screening queue's id range, is repeated inside the removal subquery: without
        it PostgreSQL's merge anti-join reads every removal below the range first."""
        return self.unique().not_removed(within=within)


def removed_now(kind: str = "", within: Q | None = None) -> Exists:
    from review.models import RecordRemoval

    removals = RecordRemoval.objects.filter(within or Q(), record=OuterRef("pk"), restored_at__isnull=True)
    return Exists(removals.filter(kind=kind) if kind else removals)


# Sort keys of the record list. Each is a fixed SQL text with no parameters, so that the query spells it
# exactly as its index does (SQLite only uses an index on an expression written the same way).
class YearOrZero(Func):
    """The year, 0 when unknown (a row comparison with NULL matches nothing, so keyset pages need a value)."""

    template = "COALESCE(%(expressions)s, 0)"
    output_field = models.IntegerField()


class TitleSortKey(Func):
    """The title's first 100 characters in lower case: enough to sort by, short enough for a B-tree entry."""

    template = "SUBSTR(LOWER(%(expressions)s), 1, 100)"
    output_field = models.CharField()


class RecordRemovalQuerySet(ReviewScopedQuerySet):
    def active(self) -> RecordRemovalQuerySet:
        return self.filter(restored_at__isnull=True)

    def prisma_counts(self, review: Review) -> dict[str, int]:
        """PRISMA 2020's "records marked as ineligible by automation tools" and "records removed for other
        reasons", in one aggregate. A removed record that was later merged as a duplicate counts among
        the duplicates only."""
        from review.constants import RemovalKind

        return (
            self.for_review(review)
            .active()
            .filter(record__duplicate_of__isnull=True)
            .aggregate(
                excluded_automatic=models.Count("id", filter=Q(kind=RemovalKind.AUTOMATION)),
                excluded_other=models.Count("id", filter=Q(kind=RemovalKind.OTHER)),
            )
        )


class RecordLabelQuerySet(models.QuerySet):
    def active(self) -> RecordLabelQuerySet:
        """Labels on their records now (taken-off ones stay as history)."""
        return self.filter(removed_at__isnull=True)


class ExportJobQuerySet(ReviewScopedQuerySet):
    def requested_by(self, user: AbstractBaseUser) -> ExportJobQuerySet:
        return self.filter(requested_by=user)
