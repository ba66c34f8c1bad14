"""How a view reaches extraction objects: always through the review it already checked and the form kind in
the address, so an id from another review or another kind is a 404."""

from __future__ import annotations

from django.http import Http404

from extraction.kinds import FormKind
from extraction.models import ConsensusValue, ExtractionCopy, ExtractionForm, FormField
from extraction.versions import get_form
from review.access import first_or_404
from review.models import Record, Review, Study


def get_study(review: Review, study_id: int) -> Study:
    return first_or_404(
        Study.objects.for_review(review).filter(pk=study_id).select_related("review"),
        "No such study in this review.",
    )


def get_form_or_404(review: Review, kind: FormKind) -> ExtractionForm:
    form = get_form(review=review, kind=kind)
    if form is None:
        raise Http404(f"This review has no {kind.noun} form yet.")
    return form


def get_copy(review: Review, kind: FormKind, copy_id: int) -> ExtractionCopy:
    return first_or_404(
        ExtractionCopy.objects.for_review(review)
        .filter(pk=copy_id, form__kind=kind.slug)
        .select_related("study__review", "reviewer", "version", "form"),
        "No such extraction in this review.",
    )


def get_field(review: Review, kind: FormKind, field_id: int) -> FormField:
    return first_or_404(
        FormField.objects.filter(
            pk=field_id, version__form__review=review, version__form__kind=kind.slug
        ).select_related("version__form"),
        "No such field in this review's form.",
    )


def get_consensus_value(review: Review, kind: FormKind, value_id: int) -> ConsensusValue:
    return first_or_404(
        ConsensusValue.objects.filter(
            pk=value_id, consensus__study__review=review, consensus__form__kind=kind.slug
        ).select_related("consensus__study", "consensus__form", "field"),
        "No such consensus value in this review.",
    )


def get_report(review: Review, record_id: int) -> Record:
    return first_or_404(
        Record.objects.for_review(review).filter(pk=record_id, study__isnull=False),
        "No such report in this review's studies.",
    )
