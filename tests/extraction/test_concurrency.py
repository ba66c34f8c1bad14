"""Two reconcilers saving the same consensus value at the same moment: the row lock and the revision make
one of them win and the other get a clear refusal, never a silent overwrite. Needs real row locks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from extraction import coding, reconciliation

from .conftest import fill


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_value_cannot_both_win(copies, reviewer, reviewer2, adjudicator, owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    fill(copies[0], reviewer, {"design": "Crossover", "country": "USA"})
    fill(copies[1], reviewer2, {"design": "Crossover", "country": "UK"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    coding.submit_copy(copy=copies[1], user=reviewer2)
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    country = consensus.values.get(field__key="country")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(user, copy):
        from django.db import connections

        try:
            barrier.wait()
            reconciliation.resolve_value(
                consensus_value=country, user=user, revision=0, source=f"copy:{copy.pk}"
            )
            outcomes[user.username] = "saved"
        except reconciliation.StaleConsensus:
            outcomes[user.username] = "stale"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(adjudicator, copies[0])),
        threading.Thread(target=save, args=(owner, copies[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["saved", "stale"]
    country.refresh_from_db()
    assert country.revision == 1
    winner = next(name for name, result in outcomes.items() if result == "saved")
    assert country.decided_by.username == winner
    assert country.history.count() == 2
