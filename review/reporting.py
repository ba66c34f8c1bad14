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
    stages, my_work = _screening_summary(review=review, user=user)
    summary = DashboardSummary(
        records_identified=counts["total"],
        duplicates_removed=counts["duplicates"],
        records_to_screen=counts["total"] - counts["duplicates"],
        studies=Study.objects.for_review(review).count(),
        sources=sources,
        team=list(review.memberships.select_related("user")),
        duplicates_waiting=DuplicatePair.objects.filter(
            review=review, status=DuplicateStatus.PENDING
        ).count(),
        stages=stages,
        my_work=my_work,
    )
    summary.my_work.extend(_extraction_work(review=review, user=user))
    return summary


def _screening_summary(*, review: Review, user) -> tuple[list[dict], list[dict]]:
    """Per stage: counts by status and each reviewer's progress; and what the signed-in user has left."""
    from django.urls import reverse

    from review.constants import Stage
    from screening import services as screening

    stages, my_work = [], []
    progress = screening.progress(review=review)
    # A reviewer who may not settle conflicts would learn from the conflict count going up after their vote
    # that the other reviewer disagreed: for them, conflicts count as open records.
    sees_conflicts = (
        user.has_perm("review.adjudicate", review)
        or review.reviewers_resolve_conflicts
        or not user.has_perm("review.screen", review)
    )
    for value, label in Stage.choices:
        if not sees_conflicts:
            counts = progress[value]["counts"]
            counts["pending"] += counts["conflict"]
            counts["conflict"] = None
        stages.append(
            {
                "template": "screening/fragments/dashboard_stage.html",
                "value": value,
                "label": label,
                **progress[value],
            }
        )
        mine = [p for p in progress[value]["progress"] if p["user"].pk == user.pk]
        if mine:
            my_work.append(
                {
                    "label": f"{label}: records left for you",
                    "url": reverse("screening:queue", args=[review.slug, value]),
                    "count": mine[0]["left"],
                }
            )
    if user.has_perm("review.adjudicate", review) or review.reviewers_resolve_conflicts:
        my_work.append(
            {
                "label": "Conflicts to resolve",
                "url": reverse("screening:conflicts", args=[review.slug]),
                "count": screening.conflicts_for(review=review, user=user).count(),
            }
        )
    return stages, my_work


def _extraction_work(*, review: Review, user) -> list[dict]:
    """For each form kind: the user's drafts and, for reconcilers, the studies waiting for them."""
    from extraction import kinds, reconciliation, visibility
    from extraction.constants import CopyStatus
    from extraction.models import ExtractionForm

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
            work.append({"label": kind.to_code_label, "count": drafts, "url": url})
        if reconciles and (waiting := reconciliation.studies_to_reconcile(form=form).count()):
            work.append({"label": kind.to_reconcile_label, "count": waiting, "url": url})
    return work
