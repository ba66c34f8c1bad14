"""Figures computed from many votes (agreement, each reviewer's statistics) are kept in the cache until a
vote or a decision changes: their key carries a stamp of the newest change, so a change makes a new key
and no figure is ever read from before it. One place for that rule, used by every such figure."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Subquery

from review.models import Review
from screening.models import ScreeningDecision, Vote

# A change committed after a later one (two votes at the same moment) can be missed by the stamp; the
# timeout bounds how long a page can lag behind it.
CACHE_SECONDS = 60


def changes_stamp(review: Review) -> str:
    """Every change to votes and decisions (a vote, an undo, a decision) leaves a history row: the newest of
    each names the state the figures were computed on. One query, read from the history's indexes."""
    newest = {}
    for name, model in (("decision", ScreeningDecision.history.model), ("vote", Vote.history.model)):
        rows = model.objects.order_by("-history_id")
        newest[f"{name}_id"] = Subquery(rows.values("history_id")[:1])
        newest[f"{name}_at"] = Subquery(rows.values("history_date")[:1])
    row = Review.objects.filter(pk=review.pk).annotate(**newest).values_list(*newest).get()
    return "-".join(value.isoformat() if hasattr(value, "isoformat") else str(value) for value in row)


def until_votes_change[T](review: Review, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, or its value cached under `name` (which must say everything the value depends on
    besides the votes and decisions of `review`) since the last change to them."""
    key = f"screening:{name}:{review.pk}:{changes_stamp(review)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value
