"""Who may see what of a review's screening: a vote, a conflict, a record's status, the team's progress.
Pages, htmx fragments, the dashboard and the votes export all ask a `Sight` (what one member may see),
so blinding is decided here and nowhere else.

The rule, for one member at one stage:

- **Votes.** A member sees her own votes, every vote of a resolved record, and the votes of a conflict she
  may settle: adjudicators and owners settle conflicts they did not vote in; when the review lets the pair
  settle their own conflicts, the reviewers in a conflict see each other's votes.
- **Status.** A resolved record shows its decision; a conflict she may settle shows "Conflict". Any other
  undecided record is "Open" for her, whether it waits for votes or is in a conflict she may not settle,
  so a reviewer's page never changes when the other reviewer votes the other way. Only a member who does
  not screen and may settle every conflict (an adjudicator, or an owner who does not screen) also tells
  "Needs votes" from "Conflict": she sees every conflict anyway.
- **Progress** (the dashboard's counts). A member who screens sees the counts as if the votes she may not
  see had not been cast: other reviewers' votes count only once she may see them (record resolved, or a
  conflict she may settle). So her numbers do not move when another reviewer votes on a record she voted
  on, nor when she votes on one that another reviewer voted on before her, unless the record is decided.
  Her own row counts all her own votes and her queue as it is. Members who do not screen cast no vote to
  compare with, and see the counts as they are (conflicts only when they may settle them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from screening.constants import RESOLVED, DecisionStatus
from screening.models import ScreeningDecision, Vote

if TYPE_CHECKING:
    from review.models import Review

# What a member is shown for an undecided record whose state she may not know.
OPEN = "open"
SHOWN_LABELS = {**dict(DecisionStatus.choices), OPEN: "Open"}


@dataclass(frozen=True)
class Sight:
    """What one member of a review may see of its screening."""

    user: Any
    review: Review
    screens: bool
    adjudicates: bool

    @classmethod
    def of(cls, user, review: Review) -> Sight:
        return cls(
            user=user,
            review=review,
            screens=user.has_perm("review.screen", review),
            adjudicates=user.has_perm("review.adjudicate", review),
        )

    @property
    def pair_settles(self) -> bool:
        return self.review.reviewers_resolve_conflicts

    @property
    def settles_any(self) -> bool:
        """Whether some conflict could ever be hers to settle (and so be shown to her as a conflict)."""
        return self.adjudicates or (self.pair_settles and self.screens)

    @property
    def sees_every_conflict(self) -> bool:
        """She voted in no conflict and may settle any: nothing about open records can tell her more."""
        return self.adjudicates and not self.screens

    @property
    def blinded(self) -> bool:
        """Her progress counts leave out the votes she may not see (she casts votes of her own)."""
        return self.screens

    # Conflicts ------------------------------------------------------------------------------------------

    def may_settle(self, decision: ScreeningDecision, voter_ids: Collection[int]) -> bool:
        if decision.status != DecisionStatus.CONFLICT:
            return False
        if self.user.pk in voter_ids:
            return self.pair_settles
        return self.adjudicates

    def _settleable(self, decision: str) -> Q:
        """Conflicts she may settle; `decision` is the path from the queried model to the decision."""
        prefix = f"{decision}__" if decision else ""
        mine = Exists(Vote.objects.filter(decision=OuterRef(decision or "pk"), reviewer=self.user))
        allowed = Q(pk__in=[])
        if self.adjudicates:
            allowed |= ~mine
        if self.pair_settles:
            allowed |= mine
        return Q(**{f"{prefix}status": DecisionStatus.CONFLICT}) & allowed

    def conflicts(self) -> Q:
        """Filter for ScreeningDecision: the open conflicts she may settle (and so see)."""
        return self._settleable("")

    # Votes ----------------------------------------------------------------------------------------------

    def decisions_open(self, decision: str = "") -> Q:
        """Filter for ScreeningDecision (or a model that reaches one through `decision`): the records all of
        whose votes she may see, decided ones and the conflicts she may settle."""
        prefix = f"{decision}__" if decision else ""
        return Q(**{f"{prefix}status__in": RESOLVED}) | self._settleable(decision)

    def votes(self) -> Q:
        """Filter for Vote: the votes she may see."""
        return Q(reviewer=self.user) | self.decisions_open("decision")

    def counted_votes(self) -> Q:
        """Filter for Vote: the votes her progress counts include."""
        return self.votes() if self.blinded else Q()

    # Status ---------------------------------------------------------------------------------------------

    def status_of(self, decision: ScreeningDecision, voter_ids: Collection[int]) -> str:
        """The status she is shown: a DecisionStatus value, or OPEN."""
        if decision.is_resolved or self.may_settle(decision, voter_ids):
            return decision.status
        if decision.status == DecisionStatus.PENDING and self.sees_every_conflict:
            return decision.status
        return OPEN

    def decided(self, decision: str = "") -> Q:
        """Filter for ScreeningDecision (or a model that reaches one through `decision`): records decided at
        their stage. Every member may know it: a decision is no vote, and what it leaves, "not decided
        yet", lumps records waiting for votes together with conflicts, so it tells nothing of how anyone
        voted (the PRISMA diagram's "awaiting" boxes)."""
        prefix = f"{decision}__" if decision else ""
        return Q(**{f"{prefix}status__in": RESOLVED})

    def undecided_unseen(self, decision: str = "") -> Q:
        """Filter for ScreeningDecision (or a model that reaches one through `decision`): records not yet
        decided whose conflict, if any, is not hers to settle. Her progress counts these as open."""
        prefix = f"{decision}__" if decision else ""
        return ~Q(**{f"{prefix}status__in": RESOLVED}) & ~self._settleable(decision)
