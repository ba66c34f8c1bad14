"""How a view reaches risk-of-bias objects: through the review it already checked, so an id from another
review is a 404. Copies and consensus values are extraction's, reached with the kind "rob"."""

from __future__ import annotations

from extraction import access as extraction_access
from extraction.models import ConsensusValue, ExtractionForm
from extraction.risk_of_bias.kind import RISK_OF_BIAS
from extraction.risk_of_bias.models import AssessedResult
from review.access import first_or_404
from review.models import Review, Study

get_study = extraction_access.get_study


def get_form_or_404(review: Review) -> ExtractionForm:
    return extraction_access.get_form_or_404(review, RISK_OF_BIAS)


def get_result(review: Review, result_id: int) -> AssessedResult:
    return first_or_404(
        AssessedResult.objects.for_review(review).filter(pk=result_id).select_related("study"),
        "No such result in this review.",
    )


def get_consensus_value(review: Review, value_id: int) -> ConsensusValue:
    return extraction_access.get_consensus_value(review, RISK_OF_BIAS, value_id)


__all__ = ["Study", "get_consensus_value", "get_form_or_404", "get_result", "get_study"]
