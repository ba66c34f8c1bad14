"""The dashboard's next task reaches extraction: an adjudicator with both copies of a study submitted is
sent to reconcile it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extraction.kinds import EXTRACTION
from review.reporting import dashboard_summary
from tests.extraction.test_views import submitted_pair

pytestmark = pytest.mark.django_db


def test_an_adjudicator_reconciles_submitted_studies(review, copies, reviewer, reviewer2, adjudicator):
    assert dashboard_summary(review=review, user=adjudicator).next_task.action == "Read the PRISMA flow"
    submitted_pair(copies, reviewer, reviewer2)
    task = dashboard_summary(review=review, user=adjudicator).next_task
    assert (task.action, task.url) == ("Reconcile 1 study", EXTRACTION.home_url(review.slug))
    assert task.url.startswith(reverse("review:dashboard", args=[review.slug]))
