"""Permissions and blinding on every risk-of-bias address, walked from the URL conf: outsiders get 404
everywhere, viewers read but never write, and an assessor's answers do not exist for anyone else until
every assessor of the study has submitted (pages, fragments, exports)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from simple_history.models import registered_models

from extraction.models import ConsensusValue
from risk_of_bias import urls
from risk_of_bias.models import AssessedResult

from .conftest import CROSSOVER_LOW

pytestmark = pytest.mark.django_db

# Each address's arguments after the review's slug, from the objects of the scenario.
ARGUMENTS = {
    "home": lambda o: [],
    "setup": lambda o: [],
    "coders": lambda o: [],
    "assign_all": lambda o: [],
    "study": lambda o: [o["study"].pk],
    "result_add": lambda o: [o["study"].pk],
    "study_assign": lambda o: [o["study"].pk],
    "result_weight": lambda o: [o["result"].pk],
    "result_remove": lambda o: [o["result"].pk],
    "copy": lambda o: [o["copy"].pk],
    "copy_autosave": lambda o: [o["copy"].pk],
    "reconcile": lambda o: [o["study"].pk],
    "consensus_start": lambda o: [o["study"].pk],
    "consensus_value": lambda o: [o["value"].pk],
    "consensus": lambda o: [o["study"].pk],
    "plot": lambda o: ["traffic-light", "svg"],
}
# What a member who may read gets on GET; POST-only addresses answer 405.
READ_ONLY_GET = {"home": 200, "study": 200, "consensus": 200, "plot": 200, "reconcile": 403, "copy": 404}


def addresses(review, objects) -> list[tuple[str, str]]:
    return [
        (p.name, reverse(f"rob:{p.name}", args=[review.slug, *ARGUMENTS[p.name](objects)]))
        for p in urls.urlpatterns
    ]


def history_rows() -> int:
    return sum(model.history.count() for model in registered_models.values() if hasattr(model, "history"))


@pytest.fixture
def objects(reconciled, rob_copies, crossover_result):
    return {
        "study": crossover_result.study,
        "result": crossover_result,
        "copy": rob_copies[0],
        "value": ConsensusValue.objects.filter(consensus=reconciled).first(),
    }


def test_the_walk_covers_every_address():
    assert {p.name for p in urls.urlpatterns} == set(ARGUMENTS)


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
    objects = {"study": crossover_result.study, "result": crossover_result, "copy": first, "value": Missing}
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
