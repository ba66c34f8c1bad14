"""Dual independent coding, then reconciliation into a consensus. Data extraction uses it now; risk of bias
(RoB 2) reuses it with its own form kind.

A review's form has numbered versions; a published version never changes (editing makes a new draft), and
every value points at the field it was entered against. Each assigned reviewer fills a copy of the form per
study (draft, then submitted and locked); the consensus holds one value per (field, arm, outcome) with where
it came from, and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from extraction import kinds
from extraction.comparison import display_number, display_value
from extraction.constants import CopyStatus, FieldLevel, FieldType, Provenance
from extraction.managers import CopyQuerySet, FormFieldQuerySet
from review.models import REVIEWERS_PER_RECORD, Authored, Record, Review, Study, person_field


class ExtractionForm(models.Model):
    """The review's form of one kind (extraction/kinds.py); its content lives in versions."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_forms")
    # A registered kind's slug; not a choices field, so a new kind needs no migration.
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    coders_per_study = models.PositiveSmallIntegerField(
        "independent coders per study",
        default=2,
        validators=REVIEWERS_PER_RECORD,
        help_text="How many people fill this form for each study, without seeing each other's copy.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "kind"], name="one_form_per_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_rules(self) -> kinds.FormKind:
        return kinds.get_kind(self.kind)


class FormVersion(Authored):
    """One version of a form. Published versions are immutable; at most one draft is open at a time."""

    form = models.ForeignKey(ExtractionForm, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["form", "number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="unique_form_version")]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}{'' if self.is_published else ' (draft)'}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class FormField(models.Model):
    """A question of one form version. `key` names the same question across versions."""

    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=80, help_text="Stable name across versions and in exports.")
    label = models.CharField(max_length=300)
    section = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    field_type = models.CharField("type", max_length=20, choices=FieldType.choices)
    level = models.CharField(max_length=20, choices=FieldLevel.choices, default=FieldLevel.STUDY)
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    min_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    unit = models.CharField(max_length=50, blank=True)
    choices = models.JSONField(default=list, blank=True)

    # A published version's fields never change; the history shows that they did not (and any draft edit).
    history = HistoricalRecords()
    objects = FormFieldQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="unique_field_key")]

    def __str__(self) -> str:
        return self.label

    @property
    def range_label(self) -> str:
        """“0 to 10”, “at least 0”, “at most 92” or “”: the allowed range in words."""
        low, high = self.min_value, self.max_value
        if low is not None and high is not None:
            return f"{display_number(low)} to {display_number(high)}"
        if low is not None:
            return f"at least {display_number(low)}"
        if high is not None:
            return f"at most {display_number(high)}"
        return ""


class ExtractionCopy(models.Model):
    """One reviewer's copy of the form for one study: a draft until submitted, then locked."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="extraction_copies")
    form = models.ForeignKey(ExtractionForm, on_delete=models.CASCADE, related_name="copies")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="copies")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=CopyStatus.choices, default=CopyStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CopyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "extraction copies"
        ordering = ["study", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(fields=["study", "form", "reviewer"], name="one_copy_per_reviewer")
        ]
        indexes = [
            # "My extractions": a reviewer's copies in a form.
            models.Index(fields=["form", "reviewer", "status"], name="copy_form_reviewer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.study} by {self.reviewer}"

    @property
    def is_locked(self) -> bool:
        return self.status == CopyStatus.SUBMITTED


class Arm(models.Model):
    """An arm as one extractor entered it; matched across copies by normalised name."""

    copy = models.ForeignKey(ExtractionCopy, on_delete=models.CASCADE, related_name="arms")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["copy_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """An outcome as one extractor entered it; matched across copies by name and time point."""

    copy = models.ForeignKey(ExtractionCopy, on_delete=models.CASCADE, related_name="outcomes")
    name = models.CharField(max_length=200)
    time_point = models.CharField(max_length=100, blank=True)
    measure = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["copy_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_point})" if self.time_point else self.name


class Value(models.Model):
    """One answer in one reviewer's copy, keyed by (field, arm, outcome); may cite a report and page."""

    copy = models.ForeignKey(ExtractionCopy, on_delete=models.CASCADE, related_name="values")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="values")
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="values")
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.CASCADE, related_name="values"
    )
    # Canonical JSON: text as str, numbers as decimal strings ("2.50"), multi-choice as a list, yes/no as bool.
    value = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    report = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    page = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            # One answer per cell; partial constraints because NULL arm/outcome never collide in SQL.
            models.UniqueConstraint(
                fields=["copy", "field"],
                condition=models.Q(arm__isnull=True, outcome__isnull=True),
                name="one_study_value_per_field",
            ),
            models.UniqueConstraint(
                fields=["copy", "field", "arm"],
                condition=models.Q(arm__isnull=False, outcome__isnull=True),
                name="one_value_per_arm",
            ),
            models.UniqueConstraint(
                fields=["copy", "field", "outcome"],
                condition=models.Q(outcome__isnull=False, arm__isnull=True),
                name="one_value_per_outcome",
            ),
            models.UniqueConstraint(
                fields=["copy", "field", "arm", "outcome"],
                condition=models.Q(arm__isnull=False, outcome__isnull=False),
                name="one_value_per_arm_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}: {self.value!r}"


class Consensus(Authored):
    """The agreed record for one study in one form, built from the submitted copies."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="consensus_records")
    form = models.ForeignKey(ExtractionForm, on_delete=models.CASCADE, related_name="consensus_records")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "consensus records"
        constraints = [models.UniqueConstraint(fields=["study", "form"], name="one_consensus_per_study")]

    def __str__(self) -> str:
        return f"Consensus for {self.study}"


class ConsensusValue(models.Model):
    """One consensus cell with its provenance. `revision` is the optimistic lock: a save names the revision
    it was based on and is refused when someone saved in between."""

    consensus = models.ForeignKey(Consensus, on_delete=models.CASCADE, related_name="values")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="+")
    arm_key = models.CharField(max_length=200, blank=True)
    arm_name = models.CharField(max_length=200, blank=True)
    outcome_key = models.CharField(max_length=300, blank=True)
    outcome_name = models.CharField(max_length=200, blank=True)
    time_point = models.CharField(max_length=100, blank=True)
    measure = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    value = models.JSONField(null=True, blank=True)
    provenance = models.CharField(max_length=20, choices=Provenance.choices, default=Provenance.PENDING)
    source_copy = models.ForeignKey(
        ExtractionCopy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = person_field()
    note = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["consensus", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consensus", "field", "arm_key", "outcome_key"], name="one_consensus_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field.key} = {self.value!r}"

    @property
    def shown(self) -> str:
        return display_value(self.value)

    @property
    def source_label(self) -> str:
        """“agreed”, “from rita”, “entered by ada”: where the value came from, in words."""
        if self.provenance == Provenance.AGREED:
            return "agreed"
        if self.provenance == Provenance.REVIEWER and self.source_copy_id:
            return f"from {self.source_copy.reviewer.username}"
        if self.provenance == Provenance.ENTERED and self.decided_by_id:
            return f"entered by {self.decided_by.username}"
        return self.get_provenance_display()
