from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

from screening.constants import RESOLVED, OutcomeStatus

if TYPE_CHECKING:
    from review.models import Review


def votes_open_to(user, review: Review, *, outcome: str = "") -> Q:
    """The outcomes (a record at a stage) all of whose votes the user may see: every resolved one; the
    conflicts an adjudicator (or owner) did not vote in; and, when the review lets reviewers settle their
    own conflicts, the conflicts the user voted in. `outcome` is the path from the model queried to the
    outcome: "" on outcomes, "outcome__" on votes."""
    from screening.models import Vote

    mine = Exists(Vote.objects.filter(outcome=OuterRef(outcome.removesuffix("__") or "pk"), reviewer=user))
    conflict = Q(**{f"{outcome}status": OutcomeStatus.CONFLICT})
    visible = Q(**{f"{outcome}status__in": RESOLVED})
    if user.has_perm("review.adjudicate", review):
        visible |= conflict & ~mine
    if review.reviewers_resolve_conflicts:
        visible |= conflict & mine
    return visible


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
        """Blinding, on the server: a user sees their own votes, and everybody's on the outcomes whose votes
        are open to them (`votes_open_to`)."""
        return self.filter(Q(reviewer=user) | votes_open_to(user, review, outcome="outcome__"))

    def resolved_only(self) -> VoteQuerySet:
        return self.filter(outcome__status__in=RESOLVED)
