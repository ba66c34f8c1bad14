from __future__ import annotations

from django.db import models

from review.managers import ReviewScopedQuerySet


class FormFieldQuerySet(models.QuerySet):
    def in_order(self) -> FormFieldQuerySet:
        return self.order_by("position", "id")


class CopyQuerySet(ReviewScopedQuerySet):
    review_path = "study__review"
