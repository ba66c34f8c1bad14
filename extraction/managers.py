from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from review.models import Review


class FormFieldQuerySet(models.QuerySet):
    def in_order(self) -> FormFieldQuerySet:
        return self.order_by("position", "id")


class CopyQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> CopyQuerySet:
        return self.filter(study__review=review)
