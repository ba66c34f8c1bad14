"""Permissions and blinding on every risk-of-bias address, walked from the URL conf: outsiders get 404
everywhere, viewers read but never write, and an assessor's answers do not exist for anyone else until
every assessor of the study has submitted (pages, fragments, exports)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from simple_history.models import registered_models

from extraction.models import ConsensusValue
from extraction.risk_of_bias import urls
from extraction.risk_of_bias.models import AssessedResult
from tests.blinding import routes

from .conftest import CROSSOVER_LOW

pytestmark = pytest.mark.django_db


def addresses(review, objects) -> list[tuple[str, str]]:
    """Every risk-of-bias address of the URL conf (tests/blinding.py finds them), with the scenario's
    objects as arguments: a new address without an object here fails the walk."""
    found = []
    for route in routes():
        if route.name.startswith("rob:"):
            kwargs = {name: objects[name] for name in route.kwargs}
            found.append((route.name.removeprefix("rob:"), reverse(route.name, kwargs=kwargs)))
    return found


# What a member who may read gets on GET; POST-only addresses answer 405.
READ_ONLY_GET = {"home": 200, "study": 200, "consensus": 200, "plot": 200, "reconcile": 403, "copy": 404}


def history_rows() -> int:
    return sum(model.history.count() for model in registered_models.values() if hasattr(model, "history"))


def ids(review, *, study, result, copy, value) -> dict:
    return {
        "review_slug": review.slug,
        "study_id": study.pk,
        "result_id": result.pk,
        "copy_id": copy.pk,
        "value_id": value.pk,
        "plot": "traffic-light",
        "image": "svg",
    }


@pytest.fixture
def objects(review, reconciled, rob_copies, crossover_result):
    value = ConsensusValue.objects.filter(consensus=reconciled).first()
    return ids(review, study=crossover_result.study, result=crossover_result, copy=rob_copies[0], value=value)


def test_the_walk_covers_every_address(review, objects):
    assert {name for name, _ in addresses(review, objects)} == {p.name for p in urls.urlpatterns}


def test_outsiders_get_404_on_every_address(review, objects, outsider, client_for):
    client = client_for(outsider)
    for name, address in addresses(review, objects):
        assert client.get(address).status_code == 404, name
        assert client.post(address, {"tools": ["rob2"], "outcome": "X", "tool": "rob2"}).status_code == 404, (
            name
        )


def test_viewers_read_and_never_write(review, objects, viewer, client_for):
    client = client_for(viewer)
    before = history_rows(), AssessedResult.objects.count()
    for name, address in addresses(review, objects):
        expected = READ_ONLY_GET.get(name, 405)
        assert client.get(address).status_code == expected, name
        response = client.post(
            address,
            {
                "tools": ["rob2"],
                "outcome": "X",
                "tool": "rob2",
                "revision": "0",
                "source": "entered",
                "value": "high",
                "note": "n",
            },
        )
        assert response.status_code in (403, 405), name
    assert (history_rows(), AssessedResult.objects.count()) == before


class Missing:
    pk = 999_999


def test_an_assessors_answers_do_not_exist_for_anyone_else_until_all_have_submitted(
    review,
    rob_copies,
    crossover_result,
    reviewer,
    reviewer2,
    adjudicator,
    viewer,
    client_for,
    assess,
    exported,
):
    first, second = rob_copies
    secret = "Raters saw the infusion pump on video 7"  # no character HTML would escape
    assess(first, reviewer, crossover_result, CROSSOVER_LOW, {"D4": ("high", secret)})
    objects = ids(review, study=crossover_result.study, result=crossover_result, copy=first, value=Missing)
    for user in (reviewer2, adjudicator, viewer):
        client = client_for(user)
        for name, address in addresses(review, objects):
            for response in (client.get(address), client.post(address, {"action": "save"})):
                assert secret not in response.content.decode(), (user, name)
                assert "D4: High" not in response.content.decode(), (user, name)
        assert client.get(reverse("rob:copy", args=[review.slug, first.pk])).status_code == 404
    other = client_for(reviewer2)
    assert (
        other.get(reverse("rob:reconcile", args=[review.slug, crossover_result.study_id])).status_code == 403
    )
    page = other.get(reverse("rob:home", args=[review.slug])).content.decode()
    assert "2 assigned" in page and "1 of 2 submitted" not in page
    study_page = other.get(
        reverse("rob:study", args=[review.slug, crossover_result.study_id])
    ).content.decode()
    assert "reviewer: Assigned" in study_page and "reviewer: Submitted" not in study_page
    # Reconcilers may know who has submitted, not what they answered.
    lead = client_for(adjudicator).get(reverse("rob:study", args=[review.slug, crossover_result.study_id]))
    assert "reviewer: Submitted" in lead.content.decode()
    for user in (reviewer2, adjudicator):
        answers = exported(client_for(user), review, "rob.answers", "csv").data.decode()
        assert secret not in answers and ",reviewer," not in answers
        assert secret not in exported(client_for(user), review, "rob.table", "csv").data.decode()
    assert secret in exported(client_for(reviewer), review, "rob.answers", "csv").data.decode()
    assess(second, reviewer2, crossover_result, CROSSOVER_LOW)
    assert secret in other.get(reverse("rob:copy", args=[review.slug, first.pk])).content.decode()
    assert secret in exported(other, review, "rob.answers", "csv").data.decode()
