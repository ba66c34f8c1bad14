from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

from screening.constants import RESOLVED, OutcomeStatus

if TYPE_CHECKING:
    from review.models import Review


class OutcomeQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> OutcomeQuerySet:
        return self.filter(review=review)

    def resolved(self) -> OutcomeQuerySet:
        return self.filter(status__in=RESOLVED)

    def conflicts(self) -> OutcomeQuerySet:
        return self.filter(status=OutcomeStatus.CONFLICT)


class VoteQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> VoteQuerySet:
        return self.filter(outcome__review=review)

    def visible_to(self, user, review: Review) -> VoteQuerySet:
        """Blinding, on the server: a user sees their own votes, and everybody's once the record is resolved
        at that stage. Adjudicators (and owners) see the votes of a conflict they did not vote in; when the
        review lets reviewers settle their own conflicts, the reviewers in a conflict see each other's votes."""
        from screening.models import Vote

        mine = Exists(Vote.objects.filter(outcome=OuterRef("outcome"), reviewer=user))
        visible = Q(reviewer=user) | Q(outcome__status__in=RESOLVED)
        if user.has_perm("review.adjudicate", review):
            visible |= Q(outcome__status=OutcomeStatus.CONFLICT) & ~mine
        if review.reviewers_resolve_conflicts:
            visible |= Q(outcome__status=OutcomeStatus.CONFLICT) & mine
        return self.filter(visible)

    def resolved_only(self) -> VoteQuerySet:
        return self.filter(outcome__status__in=RESOLVED)
