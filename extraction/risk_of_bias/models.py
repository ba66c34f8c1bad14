"""The results whose risk of bias is assessed. Everything else (the assessors' copies, their answers, the
consensus with provenance and history) lives in extraction's dual-coding tables under the form kind "rob"
(risk_of_bias/kind.py): each result is an outcome place of its study's copies."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from extraction.comparison import outcome_key
from review.managers import ReviewScopedQuerySet
from review.models import Authored, Study


class AssessedResultQuerySet(ReviewScopedQuerySet):
    review_path = "study__review"


class AssessedResult(Authored):
    """A result as RoB 2 assesses it: an outcome of a study at a time point, with the tool (its design
    variant and the effect of interest) chosen for it. A study can have several."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="rob_results")
    outcome = models.CharField(max_length=200)
    time_point = models.CharField(max_length=100, blank=True)
    # Matches the result to its outcome place in the copies (extraction.comparison.outcome_key).
    key = models.CharField(max_length=300, editable=False)
    tool = models.CharField(max_length=30, help_text="A tool of extraction/rob/tools: design and effect.")
    # For the weighted summary plot and robvis's Weight column (e.g. the result's weight in a meta-analysis).
    weight = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    history = HistoricalRecords()
    objects = AssessedResultQuerySet.as_manager()

    class Meta:
        ordering = ["study__label", "study_id", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "key"], name="one_assessment_per_result")]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        self.key = outcome_key(self.outcome, self.time_point)
        super().save(*args, **kwargs)

    @property
    def result_label(self) -> str:
        """“MADRS, 24 hours”."""
        return ", ".join(part for part in (self.outcome, self.time_point) if part)

    @property
    def label(self) -> str:
        """“Williams 2018 (HAM-D, day 1)”: how plots and tables name the result."""
        return f"{self.study.label} ({self.result_label})"
