from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from review.models import Review


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user: AbstractBaseUser) -> ReviewQuerySet:
        """Reviews the user is a member of; nobody sees any other review."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).distinct()


class MembershipQuerySet(models.QuerySet):
    def owners(self) -> MembershipQuerySet:
        return self.filter(is_owner=True)

    def reviewers(self) -> MembershipQuerySet:
        return self.filter(is_reviewer=True)

    def adjudicators(self) -> MembershipQuerySet:
        return self.filter(is_adjudicator=True)


class RecordQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> RecordQuerySet:
        return self.filter(review=review)

    def unique(self) -> RecordQuerySet:
        """Records that are not marked as duplicates of another: the ones that go on to screening."""
        return self.filter(duplicate_of__isnull=True)

    def duplicates(self) -> RecordQuerySet:
        return self.filter(duplicate_of__isnull=False)


class SearchQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> SearchQuerySet:
        return self.filter(review=review)


class StudyQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> StudyQuerySet:
        return self.filter(review=review)


class ExportJobQuerySet(models.QuerySet):
    def for_review(self, review: Review) -> ExportJobQuerySet:
        return self.filter(review=review)

    def requested_by(self, user: AbstractBaseUser) -> ExportJobQuerySet:
        return self.filter(requested_by=user)
