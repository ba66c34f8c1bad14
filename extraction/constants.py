from __future__ import annotations

from django.db import models


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal (with unit)"
    CHOICE = "choice", "Choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    YES_NO = "yes_no", "Yes/no"
    DATE = "date", "Date"


class FieldLevel(models.TextChoices):
    STUDY = "study", "Study"
    ARM = "arm", "Per arm"
    OUTCOME = "outcome", "Per outcome"
    # Results such as the mean change in MADRS at 24 h are reported for each arm of each outcome.
    ARM_OUTCOME = "arm_outcome", "Per arm and outcome"


class CopyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Provenance(models.TextChoices):
    PENDING = "pending", "To reconcile"
    AGREED = "agreed", "Agreed"
    REVIEWER = "reviewer", "Taken from a reviewer"
    ENTERED = "entered", "Entered by the reconciler"


NUMERIC_TYPES = {FieldType.INTEGER, FieldType.DECIMAL}
CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}
