from __future__ import annotations

from typing import TYPE_CHECKING

from review.managers import ReviewScopedQuerySet
from screening.constants import RESOLVED

if TYPE_CHECKING:
    from review.models import Review


class VoteQuerySet(ReviewScopedQuerySet):
    review_path = "decision__review"

    def visible_to(self, user, review: Review) -> VoteQuerySet:
        """The votes `user` may see: the blinding rule lives in screening.visibility."""
        from screening import visibility  # visibility builds on the models, which build on this module

        return self.filter(visibility.Sight.of(user, review).votes())

    def resolved_only(self) -> VoteQuerySet:
        return self.filter(decision__status__in=RESOLVED)
