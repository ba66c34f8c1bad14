"""How a view reaches extraction objects: always through the review it already checked and the form kind in
the address, so an id from another review or another kind is a 404."""

from __future__ import annotations

from django.http import Http404

from extraction.kinds import FormKind
from extraction.models import ConsensusValue, ExtractionCopy, ExtractionForm, FormField
from extraction.versions import get_form
from review.models import Record, Review, Study


def get_study(review: Review, study_id: int) -> Study:
    study = Study.objects.for_review(review).filter(pk=study_id).select_related("review").first()
    if study is None:
        raise Http404("No such study in this review.")
    return study


def get_form_or_404(review: Review, kind: FormKind) -> ExtractionForm:
    form = get_form(review=review, kind=kind)
    if form is None:
        raise Http404(f"This review has no {kind.noun} form yet.")
    return form


def get_copy(review: Review, kind: FormKind, copy_id: int) -> ExtractionCopy:
    copy = (
        ExtractionCopy.objects.for_review(review)
        .filter(pk=copy_id, form__kind=kind.slug)
        .select_related("study__review", "reviewer", "version", "form")
        .first()
    )
    if copy is None:
        raise Http404("No such extraction in this review.")
    return copy


def get_field(review: Review, kind: FormKind, field_id: int) -> FormField:
    field = (
        FormField.objects.filter(pk=field_id, version__form__review=review, version__form__kind=kind.slug)
        .select_related("version__form")
        .first()
    )
    if field is None:
        raise Http404("No such field in this review's form.")
    return field


def get_consensus_value(review: Review, kind: FormKind, value_id: int) -> ConsensusValue:
    cv = (
        ConsensusValue.objects.filter(
            pk=value_id, consensus__study__review=review, consensus__form__kind=kind.slug
        )
        .select_related("consensus__study", "consensus__form", "field")
        .first()
    )
    if cv is None:
        raise Http404("No such consensus value in this review.")
    return cv


def get_report(review: Review, record_id: int) -> Record:
    record = Record.objects.for_review(review).filter(pk=record_id, study__isnull=False).first()
    if record is None:
        raise Http404("No such report in this review's studies.")
    return record
