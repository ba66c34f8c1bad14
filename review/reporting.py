"""What shows everything at once: the review dashboard. It reads the other apps so that their models
never import each other in a cycle."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from review.models import Membership, Record, Review, Search, Study


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


def dashboard_summary(*, review: Review, user) -> DashboardSummary:
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
    summary = DashboardSummary(
        records_identified=counts["total"],
        duplicates_removed=counts["duplicates"],
        records_to_screen=counts["total"] - counts["duplicates"],
        studies=Study.objects.for_review(review).count(),
        sources=sources,
        team=list(review.memberships.select_related("user")),
    )
    summary.my_work.extend(_extraction_work(review=review, user=user))
    return summary


def _extraction_work(*, review: Review, user) -> list[dict]:
    """The user's extraction drafts and, for reconcilers, studies whose copies are all in."""
    from django.urls import reverse

    from extraction.constants import CopyStatus, Provenance
    from extraction.models import ConsensusValue, ExtractionCopy

    work = []
    drafts = ExtractionCopy.objects.filter(
        study__review=review, reviewer=user, status=CopyStatus.DRAFT
    ).count()
    url = reverse("extraction:studies", kwargs={"review_slug": review.slug})
    if drafts:
        work.append({"label": "Studies to extract", "count": drafts, "url": url})
    if user.has_perm("review.adjudicate", review):
        pending = (
            ConsensusValue.objects.filter(consensus__study__review=review, provenance=Provenance.PENDING)
            .values("consensus_id")
            .distinct()
            .count()
        )
        if pending:
            work.append({"label": "Studies to reconcile", "count": pending, "url": url})
    return work
