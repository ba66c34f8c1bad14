from __future__ import annotations

import pytest
from django.urls import reverse

from review.models import Membership, Record, Review


@pytest.mark.django_db
def test_create_review_through_the_form(owner, client_for):
    client = client_for(owner)
    response = client.post(
        reverse("review:create"),
        {
            "slug": "esketamine",
            "title": "Esketamine nasal spray",
            "reviewers_per_record_title_abstract": 2,
            "reviewers_per_record_full_text": 2,
            "reviewers_per_study_extraction": 2,
            "maybe_counts_as_include": "on",
            "exclusion_reasons": "Wrong drug\nWrong population\n",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get(slug="esketamine")
    assert Membership.objects.get(review=review, user=owner).is_owner
    assert list(review.exclusion_reasons.filter(is_active=True).values_list("label", flat=True)) == [
        "Wrong drug",
        "Wrong population",
    ]


@pytest.mark.django_db
def test_bad_form_data_changes_nothing(owner, client_for):
    response = client_for(owner).post(
        reverse("review:create"), {"slug": "bad slug!", "title": "", "reviewers_per_record_title_abstract": 9}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" in html and "Ensure this value is less than or equal to 3" in html
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_owner_edits_settings_but_reviewer_only_reads_them(review, owner, reviewer, client_for):
    data = {
        "title": "Ketamine, revised",
        "reviewers_per_record_title_abstract": 3,
        "reviewers_per_record_full_text": 2,
        "reviewers_per_study_extraction": 2,
        "exclusion_reasons": "Wrong population",
    }
    url = reverse("review:settings", args=[review.slug])
    assert client_for(reviewer).get(url).status_code == 200
    assert client_for(reviewer).post(url, data).status_code == 403
    assert client_for(owner).post(url, data).status_code == 302
    review.refresh_from_db()
    assert review.title == "Ketamine, revised" and review.reviewers_per_record_title_abstract == 3


@pytest.mark.django_db
def test_owner_manages_team(review, owner, outsider, client_for):
    client = client_for(owner)
    client.post(reverse("review:team_add", args=[review.slug]), {"username": "outsider", "role": "reviewer"})
    membership = Membership.objects.get(review=review, user=outsider)
    assert membership.is_reviewer
    client.post(
        reverse("review:team_roles", args=[review.slug, membership.pk]),
        {f"m{membership.pk}-roles": ["adjudicator"]},
    )
    membership.refresh_from_db()
    assert membership.roles == ["adjudicator"]
    client.post(reverse("review:team_remove", args=[review.slug, membership.pk]), {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_adding_an_unknown_user_says_so(review, owner, client_for):
    response = client_for(owner).post(
        reverse("review:team_add", args=[review.slug]),
        {"username": "nobody", "role": "reviewer"},
        follow=True,
    )
    assert "There is no active user called “nobody”" in response.content.decode()


@pytest.mark.django_db
def test_last_owner_leaving_gets_a_message(review, owner, client_for):
    membership = Membership.objects.get(review=review, user=owner)
    response = client_for(owner).post(
        reverse("review:team_remove", args=[review.slug, membership.pk]), {"confirmed": "yes"}, follow=True
    )
    assert "needs at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_reviewer_can_leave(review, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    response = client_for(reviewer).post(
        reverse("review:team_remove", args=[review.slug, membership.pk]), {"confirmed": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_record_list_and_dashboard_do_not_grow_queries(
    review, reviewer, client_for, django_assert_max_num_queries
):
    Record.objects.bulk_create(
        [
            Record(review=review, title=f"Trial {i}", authors=["Doe, J"], year=2000 + i % 20)
            for i in range(120)
        ]
    )
    client = client_for(reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("review:records", args=[review.slug]))
    assert response.status_code == 200 and "120 records" in response.content.decode()
    with django_assert_max_num_queries(14):
        assert client.get(reverse("review:dashboard", args=[review.slug])).status_code == 200


@pytest.mark.django_db
def test_wrong_password_gives_a_clear_message(owner, client):
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_password_change(owner, client_for):
    client = client_for(owner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "an0ther-Secret!",
            "new_password2": "an0ther-Secret!",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("an0ther-Secret!")
