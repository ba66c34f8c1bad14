"""Blinding for coded copies, in one place: pages, fragments, the dashboard and exports all ask here who may
see a copy and how far the other coders are. Until every copy of a study is submitted, a coder sees only
their own; viewers never see copies (they read the consensus)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from extraction.constants import CopyStatus
from extraction.models import ExtractionCopy, ExtractionForm
from review.models import Review


def all_submitted(copies: list[ExtractionCopy]) -> bool:
    return bool(copies) and all(c.is_locked for c in copies)


def can_see_copy(*, user, copy: ExtractionCopy, study_copies: list[ExtractionCopy]) -> bool:
    """Your own copy always; someone else's only once every assigned copy is submitted, and only for
    people who work on the review."""
    if copy.reviewer_id == user.pk:
        return True
    return all_submitted(study_copies) and user.has_perm("review.write", copy.study.review)


def visible_copies(*, user, review: Review, form: ExtractionForm | None) -> QuerySet[ExtractionCopy]:
    """The form's copies `user` may see, as a query (exports and counts): the same rule as can_see_copy."""
    if form is None:
        return ExtractionCopy.objects.none()
    copies = ExtractionCopy.objects.filter(form=form, study__review=review)
    if not user.has_perm("review.write", review):
        return copies.filter(reviewer_id=user.pk)
    drafts = ExtractionCopy.objects.filter(form=form, study=OuterRef("study"), status=CopyStatus.DRAFT)
    return copies.filter(Q(reviewer_id=user.pk) | ~Q(Exists(drafts)))


def sees_progress(*, user, review: Review, study_copies: list[ExtractionCopy]) -> bool:
    """May `user` see whether the other coders of a study have submitted? Reconcilers may, and everyone once
    all have: otherwise a coder's pages would change when another coder submits."""
    return all_submitted(study_copies) or user.has_perm("review.adjudicate", review)


def shown_status(*, user, review: Review, copy: ExtractionCopy, study_copies: list[ExtractionCopy]) -> str:
    """A copy's status as `user` may see it: “Draft”, “Submitted”, or “Assigned” when it is not theirs to
    know."""
    if copy.reviewer_id == user.pk or sees_progress(user=user, review=review, study_copies=study_copies):
        return copy.get_status_display()
    return "Assigned"
