"""An extraction set-up around the shared personas: the ketamine form published, studies with reports,
and copies for the two reviewers."""

from __future__ import annotations

import pytest

from extraction import coding, versions
from extraction.definitions import library_template
from extraction.kinds import EXTRACTION
from review.models import Record, Study
from review.services import ensure_study_for_report


@pytest.fixture
def form_version(review, owner):
    return versions.import_definition(
        kind=EXTRACTION, review=review, data=library_template("ketamine_depression"), user=owner, publish=True
    )


@pytest.fixture
def make_study(review):
    def make(author: str = "Williams, N", year: int = 2018) -> Study:
        record = Record.objects.create(
            review=review, title=f"A trial by {author}", authors=[author], year=year
        )
        return ensure_study_for_report(record=record)

    return make


@pytest.fixture
def study(make_study):
    return make_study()


@pytest.fixture
def copies(study, form_version, reviewer, reviewer2):
    return coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, reviewer2])


def field(version, key):
    return version.fields.get(key=key)


def fill(copy, user, answers: dict, *, arms=None, outcomes=None):
    """Answer a copy: {key: raw} for study fields, {(key, arm or outcome name): raw} per arm or per outcome,
    {(key, outcome name, arm name): raw} per arm and outcome."""
    if arms is not None:
        coding.set_arms(copy=copy, user=user, names=arms)
    if outcomes is not None:
        coding.set_outcomes(copy=copy, user=user, rows=outcomes)
    data = coding.load_copy(copy)
    by_key = {f.key: f for f in data.fields}
    entries = {}
    for key, raw in answers.items():
        if isinstance(key, tuple) and len(key) == 3:
            key, outcome_name, arm_name = key
            arm = next(a for a in data.arms if a.name == arm_name)
            outcome = next(o for o in data.outcomes if o.name == outcome_name)
        elif isinstance(key, tuple):
            key, where = key
            arm = next((a for a in data.arms if a.name == where), None)
            outcome = next((o for o in data.outcomes if o.name == where), None)
        else:
            arm = outcome = None
        entries[coding.cell_key(by_key[key].pk, arm and arm.pk, outcome and outcome.pk)] = {"value": raw}
    return coding.save_copy(copy=copy, user=user, entries=entries)
