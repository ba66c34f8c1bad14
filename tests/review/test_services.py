from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from review import services
from review.models import ExclusionReason, Membership


@pytest.mark.django_db
def test_create_review_makes_owner_and_default_reasons(owner):
    review = services.create_review(slug="k", title="K", owner=owner, reviewers_per_record=3)
    assert Membership.objects.get(review=review, user=owner).is_owner
    assert review.reviewers_per_record_title_abstract == 3
    assert review.reviewers_per_record_full_text == 3
    assert review.exclusion_reasons.filter(is_active=True).count() > 0


@pytest.mark.django_db
def test_slug_must_be_unique(owner):
    services.create_review(slug="k", title="K", owner=owner)
    with pytest.raises(ValidationError):
        services.create_review(slug="k", title="Other", owner=owner)


@pytest.mark.django_db
def test_reviewers_per_record_is_one_to_three(owner):
    with pytest.raises(ValidationError):
        services.create_review(slug="k", title="K", owner=owner, reviewers_per_record=4)


@pytest.mark.django_db
def test_roles_add_up_and_viewer_is_membership_only(review, viewer):
    m = services.add_member(review=review, user=viewer, role="adjudicator")
    m = services.add_member(review=review, user=viewer, role="reviewer")
    assert m.roles == ["reviewer", "adjudicator"]
    m = services.set_roles(membership=m, roles=set())
    assert m.roles == ["viewer"] and not m.can_write


@pytest.mark.django_db
def test_last_owner_cannot_leave_or_drop_the_role(review, owner, reviewer):
    m = Membership.objects.get(review=review, user=owner)
    with pytest.raises(ValidationError):
        services.remove_member(membership=m)
    with pytest.raises(ValidationError):
        services.set_roles(membership=m, roles={"reviewer"})
    services.add_member(review=review, user=reviewer, role="owner")
    services.remove_member(membership=m)
    assert not Membership.objects.filter(pk=m.pk).exists()


@pytest.mark.django_db
def test_retired_exclusion_reasons_are_kept(review):
    services.set_exclusion_reasons(review=review, labels=["Wrong population", "Wrong dose", "wrong dose"])
    active = list(review.exclusion_reasons.filter(is_active=True).values_list("label", flat=True))
    assert active == ["Wrong population", "Wrong dose"]
    assert ExclusionReason.objects.filter(review=review, label="Wrong intervention", is_active=False).exists()


@pytest.mark.django_db
def test_changes_keep_history_with_who(review, owner):
    m = Membership.objects.get(review=review, user=owner)
    assert m.history.count() == 1
    review.title = "Renamed"
    review.save()
    assert [h.title for h in review.history.order_by("history_date")] == [
        "Ketamine for depression",
        "Renamed",
    ]


@pytest.mark.django_db
def test_each_included_report_gets_its_own_study_once(review):
    from review.models import Record

    record = Record.objects.create(
        review=review, title="Naltrexone and ketamine", authors=["Williams, Nolan R."], year=2018
    )
    study = services.ensure_study_for_report(record=record)
    assert study.label == "Williams 2018"
    assert services.ensure_study_for_report(record=record) == study
    assert list(study.reports.all()) == [record]
