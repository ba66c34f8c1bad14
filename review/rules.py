"""Role predicates for a review. Permissions are checked against the review object: `user.has_perm(
"review.screen", review)`. Membership is looked up once per review instance and cached on it."""

from __future__ import annotations

import rules

from review.models import Membership, Review


def membership_for(user, review: Review) -> Membership | None:
    if not user.is_authenticated:
        return None
    cache = review.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(review=review, user=user).order_by().first()
    return cache[user.pk]


def remember_membership(review: Review, user, membership: Membership) -> None:
    """Seed the cache when the membership was already fetched (with its review, in one query)."""
    review.__dict__.setdefault("_membership_cache", {})[user.pk] = membership


@rules.predicate
def is_member(user, review: Review) -> bool:
    return membership_for(user, review) is not None


def _membership_has(flag: str) -> rules.Predicate:
    """True when the user's membership of the review has `flag`: a role (`is_owner`) or `can_write`."""

    def check(user, review: Review) -> bool:
        m = membership_for(user, review)
        return bool(m and getattr(m, flag))

    return rules.Predicate(check, name=flag)


is_owner = _membership_has("is_owner")
is_reviewer = _membership_has("is_reviewer")
is_adjudicator = _membership_has("is_adjudicator")
can_write = _membership_has("can_write")


@rules.predicate
def reviewers_resolve_conflicts(user, review: Review) -> bool:
    return review.reviewers_resolve_conflicts


rules.add_perm("review.view_review", is_member)
rules.add_perm("review.change_review", is_owner)
rules.add_perm("review.manage_team", is_owner)
rules.add_perm("review.import_records", is_owner | is_reviewer)
rules.add_perm("review.resolve_duplicates", is_owner | is_reviewer)
rules.add_perm("review.manage_studies", is_owner | is_reviewer | is_adjudicator)
rules.add_perm("review.screen", is_reviewer)
rules.add_perm("review.adjudicate", is_adjudicator | is_owner)
# Who has conflicts to settle: adjudicators and owners, and the reviewers in one when the review lets them.
rules.add_perm(
    "review.settle_conflicts", is_adjudicator | is_owner | (is_reviewer & reviewers_resolve_conflicts)
)
rules.add_perm("review.write", can_write)


# Record curation: owners remove records before screening (PRISMA counts them); reviewers and owners label.
rules.add_perm("review.remove_records", is_owner)
rules.add_perm("review.label_records", is_owner | is_reviewer)
