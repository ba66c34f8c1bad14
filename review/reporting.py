"""What shows everything at once: the review dashboard. It reads the other apps so that their models
never import each other in a cycle. It returns data only: the views and templates choose how to show it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from extraction import kinds, reconciliation, visibility
from extraction.constants import CopyStatus
from extraction.models import ExtractionForm
from review.constants import DuplicateStatus, SourceKind
from review.models import DuplicatePair, Membership, Review, Search, Study
from review.records import RecordCounts, record_counts
from screening.progress import StageProgress, stage_progress
from screening.reviewer_stats import StageStats, reviewer_stats
from screening.visibility import Sight


@dataclass(frozen=True)
class SourceCount:
    source_name: str
    kind: str  # as shown: "Database", "Register", "Other method"
    records: int


@dataclass(frozen=True)
class WorkItem:
    """A line of "Your work": what is waiting for the signed-in member, and where to do it."""

    label: str
    count: int
    url: str
    action: str = ""  # the same work as a button would say it: "Screen 42 records at title and abstract"
    why: str = ""  # one sentence on what the work is, for the "Your next task" card


@dataclass(frozen=True)
class NextTask:
    """The single most useful thing the signed-in member can do next: the dashboard's first card."""

    action: str  # the button: "Resolve 3 conflicts"
    url: str
    why: str  # one sentence under it


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
    next_task: NextTask


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
            kind=SourceKind(s["kind"]).label,
            records=per_search.get(s["pk"], RecordCounts()).records,
        )
        for s in Search.objects.for_review(review)
        .values("pk", "source_name", "kind")
        .order_by("kind", "source_name")
    ]
    sight = Sight.of(user, review)
    stages = stage_progress(sight=sight, unique=to_screen)
    my_work = _screening_work(sight=sight, stages=stages) + _extraction_work(review=review, user=user)
    duplicates_waiting = DuplicatePair.objects.filter(review=review, status=DuplicateStatus.PENDING).count()
    return DashboardSummary(
        records_identified=total,
        duplicates_removed=duplicates,
        records_to_screen=to_screen,
        studies=Study.objects.for_review(review).count(),
        sources=sources,
        team=list(review.memberships.select_related("user")),
        duplicates_waiting=duplicates_waiting,
        stages=stages,
        my_work=my_work,
        next_task=_next_task(
            review=review, user=user, records=total, duplicates_waiting=duplicates_waiting, my_work=my_work
        ),
    )


def counted(n: int, singular: str, plural: str) -> str:
    """ "1 record", "42 records", "1,204 records"."""
    return f"{n:,} {singular if n == 1 else plural}"


def _next_task(
    *, review: Review, user, records: int, duplicates_waiting: int, my_work: list[WorkItem]
) -> NextTask:
    """First what only an owner can start (the first import, probable duplicates before they are screened),
    then the member's own work in the dashboard's order (screening, conflicts, coding, reconciling), then
    duplicates for the reviewers who may check them; otherwise the PRISMA flow, where the review stands."""
    slug = review.slug
    duplicates = NextTask(
        action=f"Check {counted(duplicates_waiting, 'probable duplicate', 'probable duplicates')}",
        url=reverse("review:duplicates", args=[slug]),
        why="A person decides whether these records are the same before they are screened.",
    )
    owner = user.has_perm("review.manage_team", review)
    if owner and not records:
        return NextTask(
            action="Import your first search",
            url=reverse("review:imports", args=[slug]),
            why="Upload a database's export (RIS, MEDLINE, CSV): its records are de-duplicated and queued.",
        )
    if owner and duplicates_waiting:
        return duplicates
    if work := next((item for item in my_work if item.count), None):
        return NextTask(action=work.action or work.label, url=work.url, why=work.why)
    if duplicates_waiting and user.has_perm("review.resolve_duplicates", review):
        return duplicates
    waiting = "Nothing is waiting for you. " if user.has_perm("review.write", review) else ""
    return NextTask(
        action="Read the PRISMA flow",
        url=reverse("review:prisma", args=[slug]),
        why=f"{waiting}The flow diagram shows where every record of the review stands.",
    )


def _screening_work(*, sight: Sight, stages: list[StageProgress]) -> list[WorkItem]:
    """What the signed-in member has left in each queue, and the conflicts she may settle."""
    review = sight.review
    work = [
        WorkItem(
            label=f"{stage.label}: records left for you",
            count=mine.left,
            url=reverse("screening:queue", args=[review.slug, stage.stage]),
            action=f"Screen {counted(mine.left, 'record', 'records')} at {stage.label.lower()}",
            why="One record at a time: i include, e exclude, m maybe. Your votes stay blinded until decided.",
        )
        for stage in stages
        if (mine := stage.reviewer(sight.user)) is not None
    ]
    if sight.settles_any:
        conflicts = sum(stage.counts.conflict for stage in stages)
        work.append(
            WorkItem(
                label="Conflicts to resolve",
                # stage_progress counted them already (Sight.conflicts, from the tallies).
                count=conflicts,
                url=reverse("screening:conflicts", args=[review.slug]),
                action=f"Resolve {counted(conflicts, 'conflict', 'conflicts')}",
                why="The reviewers disagree on these records: read both votes and decide.",
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
        # Data extraction is the kind everyone means; the others say which they are.
        of_kind = "" if kind.slug == "extraction" else f" ({kind.label.lower()})"
        drafts = (
            visibility.visible_copies(user=user, review=review, form=form)
            .filter(reviewer_id=user.pk, status=CopyStatus.DRAFT)
            .count()
        )
        if drafts:
            action = f"{kind.verb.capitalize()} {counted(drafts, 'study', 'studies')}{of_kind}"
            why = "Your copies are saved as you type; submitting locks them for reconciliation."
            work.append(WorkItem(label=kind.to_code_label, count=drafts, url=url, action=action, why=why))
        if reconciles and (waiting := reconciliation.studies_to_reconcile(form=form).count()):
            action = f"Reconcile {counted(waiting, 'study', 'studies')}{of_kind}"
            why = "Every coder submitted: agreeing answers are accepted, the others wait for your choice."
            work.append(
                WorkItem(label=kind.to_reconcile_label, count=waiting, url=url, action=action, why=why)
            )
    return work


def owner_reviewer_stats(*, review: Review, user) -> list[StageStats] | None:
    """Each reviewer's figures per stage, for owners only (over the votes they may see); None for everyone
    else, who may not learn them."""
    if not user.has_perm("review.manage_team", review):
        return None
    return reviewer_stats(sight=Sight.of(user, review))
