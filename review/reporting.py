"""What shows everything at once: the review dashboard. It reads the other apps so that their models
never import each other in a cycle. It returns data only: the views and templates choose how to show it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from extraction import kinds, reconciliation, visibility
from extraction.constants import CopyStatus
from extraction.models import ExtractionForm
from review.constants import DuplicateStatus
from review.models import DuplicatePair, Membership, Review, Search, Study
from review.records import RecordCounts, record_counts
from screening.progress import StageProgress, stage_progress
from screening.visibility import Sight


@dataclass(frozen=True)
class SourceCount:
    source_name: str
    kind: str
    records: int


@dataclass(frozen=True)
class WorkItem:
    """A line of "Your work": what is waiting for the signed-in member, and where to do it."""

    label: str
    count: int
    url: str


@dataclass(frozen=True)
class DashboardSummary:
    records_identified: int
    duplicates_removed: int
    records_to_screen: int
    studies: int
    sources: list[SourceCount]
    team: list[Membership]
    stages: list[StageProgress]
    my_work: list[WorkItem]
    duplicates_waiting: int


def dashboard_summary(*, review: Review, user) -> DashboardSummary:
    # PRISMA "duplicate records removed": every record that points to another (duplicate_of set), whether
    # merged at import or by a person; undoing a merge puts it back among the records to screen. Probable
    # duplicates still waiting for a person count as records to screen until someone decides.
    # Every count of records from the tallies the database keeps per search (review.records.record_counts).
    per_search = record_counts(review)
    totals = sum(per_search.values(), RecordCounts())
    total, duplicates, to_screen = totals.records, totals.duplicates, totals.to_screen
    sources = [
        SourceCount(
            source_name=s["source_name"],
            kind=s["kind"],
            records=per_search.get(s["pk"], RecordCounts()).records,
        )
        for s in Search.objects.for_review(review)
        .values("pk", "source_name", "kind")
        .order_by("kind", "source_name")
    ]
    sight = Sight.of(user, review)
    stages = stage_progress(sight=sight, unique=to_screen)
    return DashboardSummary(
        records_identified=total,
        duplicates_removed=duplicates,
        records_to_screen=to_screen,
        studies=Study.objects.for_review(review).count(),
        sources=sources,
        team=list(review.memberships.select_related("user")),
        duplicates_waiting=DuplicatePair.objects.filter(
            review=review, status=DuplicateStatus.PENDING
        ).count(),
        stages=stages,
        my_work=_screening_work(sight=sight, stages=stages) + _extraction_work(review=review, user=user),
    )


def _screening_work(*, sight: Sight, stages: list[StageProgress]) -> list[WorkItem]:
    """What the signed-in member has left in each queue, and the conflicts she may settle."""
    review = sight.review
    work = [
        WorkItem(
            label=f"{stage.label}: records left for you",
            count=mine.left,
            url=reverse("screening:queue", args=[review.slug, stage.stage]),
        )
        for stage in stages
        if (mine := stage.reviewer(sight.user)) is not None
    ]
    if sight.settles_any:
        work.append(
            WorkItem(
                label="Conflicts to resolve",
                # stage_progress counted them already (Sight.conflicts, from the tallies).
                count=sum(stage.counts.conflict for stage in stages),
                url=reverse("screening:conflicts", args=[review.slug]),
            )
        )
    return work


def _extraction_work(*, review: Review, user) -> list[WorkItem]:
    """For each form kind: the user's drafts and, for reconcilers, the studies waiting for them."""
    work = []
    forms = {form.kind: form for form in ExtractionForm.objects.filter(review=review)}
    reconciles = user.has_perm("review.adjudicate", review)
    for kind in kinds.all_kinds():
        if (form := forms.get(kind.slug)) is None:
            continue
        url = kind.home_url(review.slug)
        drafts = (
            visibility.visible_copies(user=user, review=review, form=form)
            .filter(reviewer_id=user.pk, status=CopyStatus.DRAFT)
            .count()
        )
        if drafts:
            work.append(WorkItem(label=kind.to_code_label, count=drafts, url=url))
        if reconciles and (waiting := reconciliation.studies_to_reconcile(form=form).count()):
            work.append(WorkItem(label=kind.to_reconcile_label, count=waiting, url=url))
    return work
