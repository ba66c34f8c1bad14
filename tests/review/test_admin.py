"""The admin cannot erase the audit trail: users who acted are deactivated, never deleted, and reviewers'
work (records, votes, decisions, copies, consensus values, published forms) is shown read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from extraction.models import ExtractionForm, FormField, FormVersion
from review.models import Membership, Record, Review
from screening.models import ScreeningDecision, Vote
from screening.services import cast_vote
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()

# Kept editable on purpose: a job row is a request's progress, not anyone's work.
NOT_AUDITED = {"review.ImportJob", "review.ExportJob"}


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def root_client(superuser, client_for):
    return client_for(superuser)


@pytest.fixture
def record(review):
    return Record.objects.create(
        review=review, title="Ketamine for depression", authors=["Doe, J"], year=2020
    )


@pytest.fixture
def settled_conflict(review, record, reviewer, reviewer2, adjudicator):
    """rita and raj disagreed; ada resolved it (her name is on the decision, `resolved_by`)."""
    cast_vote(review=review, record=record, stage="title_abstract", reviewer=reviewer, verdict="include")
    cast_vote(review=review, record=record, stage="title_abstract", reviewer=reviewer2, verdict="exclude")
    ScreeningDecision.objects.filter(record=record).update(
        resolved_by=adjudicator, resolved_at=timezone.now()
    )
    return ScreeningDecision.objects.get(record=record, stage="title_abstract")


def change_url(obj, action: str = "change") -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{action}", args=[obj.pk])


def test_deleting_a_user_who_acted_is_refused_and_deactivating_is_offered(
    root_client, settled_conflict, adjudicator
):
    response = root_client.post(change_url(adjudicator, "delete"), {"post": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cannot delete user" in html
    assert "adjudicator has work in reviews (screening decisions): deactivate the account instead" in html
    assert User.objects.filter(pk=adjudicator.pk).exists()
    settled_conflict.refresh_from_db()
    assert settled_conflict.resolved_by == adjudicator


def test_the_delete_selected_action_refuses_users_who_acted(
    root_client, settled_conflict, reviewer, outsider
):
    response = root_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [reviewer.pk, outsider.pk], "post": "yes"},
    )
    assert response.status_code == 200
    # Her votes, and the history rows they left on the record's decision.
    assert (
        "reviewer has work in reviews (screening decisions, votes): deactivate" in response.content.decode()
    )
    assert User.objects.filter(pk__in=[reviewer.pk, outsider.pk]).count() == 2


def test_the_deactivate_action_closes_the_account_and_keeps_the_names(
    root_client, settled_conflict, adjudicator, reviewer, client
):
    response = root_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [adjudicator.pk, reviewer.pk]},
        follow=True,
    )
    assert "2 users deactivated." in response.content.decode()
    assert not User.objects.filter(pk__in=[adjudicator.pk, reviewer.pk], is_active=True).exists()
    settled_conflict.refresh_from_db()
    assert settled_conflict.resolved_by == adjudicator
    assert Vote.objects.filter(reviewer=reviewer).exists()
    refused = client.post(reverse("login"), {"username": "adjudicator", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session


def test_no_code_path_can_delete_a_user_who_acted(settled_conflict, adjudicator, owner, viewer, review):
    # (Each inside a savepoint: the refusal comes from within the deletion's own transaction.)
    refused = r"adjudicator cannot be deleted: their name is on screening decisions"
    with pytest.raises(ProtectedError, match=refused), transaction.atomic():
        adjudicator.delete()
    # A name only in the history counts too: that history row would lose its author.
    Review.history.filter(id=review.pk).update(history_user=viewer)
    refused = "viewer cannot be deleted: their name is on reviews"
    with pytest.raises(ProtectedError, match=refused), transaction.atomic():
        viewer.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        User.objects.filter(pk=owner.pk).delete()  # created the review
    assert User.objects.filter(pk__in=[adjudicator.pk, viewer.pk, owner.pk]).count() == 3


def test_a_user_who_never_acted_may_be_deleted(root_client, review, make_user):
    from review import services

    newcomer = make_user("newcomer")
    services.add_member(review=review, user=newcomer, role="reviewer")
    response = root_client.post(change_url(newcomer, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()
    assert not Membership.objects.filter(user_id=newcomer.pk).exists()


def _audited_admins():
    for model, model_admin in admin.site._registry.items():
        if (
            model._meta.app_label in {"review", "screening", "extraction"}
            and model._meta.label not in NOT_AUDITED
        ):
            yield model, model_admin


def test_every_audited_model_is_read_only_in_the_admin(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    audited = dict(_audited_admins())
    labels = {model._meta.label for model in audited}
    assert {
        "review.Record",
        "screening.Vote",
        "screening.ScreeningDecision",
        "extraction.ConsensusValue",
        "extraction.ExtractionCopy",
        "extraction.FormVersion",
    } <= labels
    for model, model_admin in audited.items():
        assert model_admin.has_view_permission(request), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request), inline
            assert not inline.has_delete_permission(request), inline


def test_the_admin_cannot_delete_a_record_or_a_vote(root_client, settled_conflict, record):
    vote = Vote.objects.filter(record=record).first()
    for obj in (record, vote, settled_conflict):
        assert root_client.get(change_url(obj)).status_code == 200  # shown, read-only
        assert root_client.post(change_url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert (
            root_client.post(change_url(obj), {"title": "Changed", "verdict": "exclude"}).status_code == 403
        )
    assert Vote.objects.filter(record=record).count() == 2
    assert Record.objects.get(pk=record.pk).title == "Ketamine for depression"
    changelist = root_client.get(reverse("admin:screening_vote_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_the_admin_cannot_edit_a_published_forms_fields(root_client, review):
    form = ExtractionForm.objects.create(review=review, name="Extraction")
    version = FormVersion.objects.create(form=form, number=1, published_at=timezone.now())
    field = FormField.objects.create(
        version=version, key="n", label="Participants", section="Methods", field_type="integer"
    )
    page = root_client.get(change_url(version))
    assert page.status_code == 200 and "Participants" in page.content.decode()
    assert 'name="fields-0-label"' not in page.content.decode()
    response = root_client.post(
        change_url(version),
        {
            "form": form.pk,
            "number": 1,
            "fields-TOTAL_FORMS": 1,
            "fields-INITIAL_FORMS": 1,
            "fields-0-id": field.pk,
            "fields-0-version": version.pk,
            "fields-0-label": "Changed",
        },
    )
    assert response.status_code == 403
    field.refresh_from_db()
    assert field.label == "Participants"
