"""What shows everything at once: the review dashboard. It reads the other apps so that their models
never import each other in a cycle."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from review.constants import DuplicateStatus
from review.models import DuplicatePair, Membership, Record, Review, Search, Study


@dataclass
class SourceCount:
    source_name: str
    kind: str
    records: int


@dataclass
class DashboardSummary:
    records_identified: int
    duplicates_removed: int
    records_to_screen: int
    studies: int
    sources: list[SourceCount]
    team: list[Membership]
    stages: list[dict] = field(default_factory=list)
    my_work: list[dict] = field(default_factory=list)
    duplicates_waiting: int = 0


def dashboard_summary(*, review: Review, user) -> DashboardSummary:
    # PRISMA "duplicate records removed": every record that points to another (duplicate_of set), whether
    # merged at import or by a person; undoing a merge puts it back among the records to screen. Probable
    # duplicates still waiting for a person count as records to screen until someone decides.
    counts = Record.objects.for_review(review).aggregate(
        total=Count("id"), duplicates=Count("id", filter=Q(duplicate_of__isnull=False))
    )
    sources = [
        SourceCount(source_name=s["source_name"], kind=s["kind"], records=s["records"])
        for s in Search.objects.for_review(review)
        .values("source_name", "kind")
        .annotate(records=Count("records"))
        .order_by("kind", "source_name")
    ]
    return DashboardSummary(
        records_identified=counts["total"],
        duplicates_removed=counts["duplicates"],
        records_to_screen=counts["total"] - counts["duplicates"],
        studies=Study.objects.for_review(review).count(),
        sources=sources,
        team=list(review.memberships.select_related("user")),
        duplicates_waiting=DuplicatePair.objects.filter(
            review=review, status=DuplicateStatus.PENDING
        ).count(),
    )
