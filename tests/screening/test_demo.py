from __future__ import annotations

import pytest

from review.demo import load_demo
from review.models import Record
from screening import services
from screening.models import ScreeningDecision

pytestmark = pytest.mark.django_db


def status(review, words, stage="title_abstract"):
    record = Record.objects.for_review(review).unique().filter(title__icontains=words).first()
    decision = ScreeningDecision.objects.filter(record=record, stage=stage).first()
    return decision.status if decision else None


def test_demo_has_every_stage_under_way():
    review, created = load_demo()
    assert created
    assert status(review, "Psilocybin") == "conflict"
    assert status(review, "tubulin") == "excluded"
    for words in ("opioid receptor antagonism", "naltrexone and the glutamatergic", "PET study of ketamine"):
        assert status(review, words) == "included"
        assert status(review, words, "full_text") == "included"
        assert Record.objects.for_review(review).unique().filter(title__icontains=words).first().study_id
    assert status(review, "in depressed patients", "full_text") == "pending"
    users = {m.user.username: m.user for m in review.memberships.select_related("user")}
    for name in ("rita", "raj"):
        left = services.queue(review=review, stage="title_abstract", user=users[name])
        assert 1 <= left.count() <= 3
    assert [r.title for r in services.queue(review=review, stage="full_text", user=users["raj"])] == [
        "Antidepressant effects of ketamine in depressed patients"
    ]
    assert load_demo() == (review, False)
