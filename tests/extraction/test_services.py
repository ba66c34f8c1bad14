from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from extraction import coding, reconciliation, visibility
from extraction.constants import CopyStatus, Provenance
from extraction.kinds import EXTRACTION
from extraction.models import ConsensusValue, Value
from review import services as review_services
from review.models import Record, Study

from .conftest import fill

pytestmark = pytest.mark.django_db


def submit_both(copies, reviewer, reviewer2, first: dict, second: dict, **lists):
    assert fill(copies[0], reviewer, first, **lists) == {}
    assert fill(copies[1], reviewer2, second, **lists) == {}
    coding.submit_copy(copy=copies[0], user=reviewer)
    coding.submit_copy(copy=copies[1], user=reviewer2)


def test_extractors_need_a_writing_role(study, form_version, viewer, reviewer):
    with pytest.raises(ValidationError, match="viewer cannot extract"):
        coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, viewer])


def test_bad_values_are_refused_at_their_field_and_good_ones_saved(copies, reviewer):
    errors = fill(copies[0], reviewer, {"ketamine_dose": "12", "age_mean": "forty", "country": "USA"})
    data = coding.load_copy(copies[0])
    by_key = {f.key: f for f in data.fields}
    assert errors == {
        (by_key["ketamine_dose"].pk, 0, 0): "12 mg/kg is above the allowed maximum of 10 mg/kg.",
        (by_key["age_mean"].pk, 0, 0): "“forty” is not a number.",
    }
    assert {v.field.key: v.value for v in Value.objects.filter(copy=copies[0]).select_related("field")} == {
        "country": "USA"
    }


def test_submitting_locks_the_copy(copies, reviewer, reviewer2):
    with pytest.raises(ValidationError, match="Answer the required questions first: Design"):
        coding.submit_copy(copy=copies[0], user=reviewer)
    fill(copies[0], reviewer, {"design": "Crossover"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    copies[0].refresh_from_db()
    assert copies[0].status == CopyStatus.SUBMITTED and copies[0].submitted_at
    with pytest.raises(ValidationError, match="submitted and locked"):
        fill(copies[0], reviewer, {"design": "Parallel"})
    with pytest.raises(PermissionDenied):
        fill(copies[1], reviewer, {"design": "Parallel"})  # not your copy
    assert Value.objects.get(copy=copies[0]).value == "Crossover"


def test_blinding_until_every_copy_is_submitted(copies, reviewer, reviewer2, adjudicator, viewer):
    fill(copies[0], reviewer, {"design": "Crossover"})
    fill(copies[1], reviewer2, {"design": "Crossover"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    # Half-submitted: each sees only their own copy; nobody else sees either.
    assert visibility.can_see_copy(user=reviewer, copy=copies[0], study_copies=copies)
    assert not visibility.can_see_copy(user=reviewer, copy=copies[1], study_copies=copies)
    assert not visibility.can_see_copy(user=reviewer2, copy=copies[0], study_copies=copies)
    assert not visibility.can_see_copy(user=viewer, copy=copies[0], study_copies=copies)
    assert not visibility.can_see_copy(user=adjudicator, copy=copies[0], study_copies=copies)
    with pytest.raises(ValidationError, match="once every assigned reviewer has submitted"):
        reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    coding.submit_copy(copy=copies[1], user=reviewer2)
    copies = reconciliation.study_copies(study=copies[0].study, form=copies[0].form)
    assert visibility.can_see_copy(user=adjudicator, copy=copies[0], study_copies=copies)
    assert not visibility.can_see_copy(user=viewer, copy=copies[0], study_copies=copies)


def test_agreeing_values_become_consensus_by_themselves(copies, reviewer, reviewer2, adjudicator):
    arms = ["Ketamine + naltrexone", "Ketamine + placebo"]
    outcomes = [("MADRS", "24 h", "change from baseline")]
    # Each field as the two reviewers wrote it: the same value spelt two ways, but for n_randomised.
    written = {
        "design": ("Crossover", "crossover"),
        "ketamine_dose": ("0.50", "0.5"),
        "country": ("USA ", "usa"),
        ("n_randomised", "Ketamine + naltrexone"): ("14", "12"),
        ("change_mean", "MADRS", "Ketamine + naltrexone"): ("-10.5", "-10.50"),
        "comparator": (
            ["Naltrexone pre-treatment plus ketamine", "Saline"],
            ["Saline", "Naltrexone pre-treatment plus ketamine"],
        ),
    }
    first = {key: one for key, (one, _) in written.items()}
    second = {key: two for key, (_, two) in written.items()}
    submit_both(copies, reviewer, reviewer2, first, second, arms=arms, outcomes=outcomes)
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    assert (
        reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
        == consensus
    )
    cells = {
        (cv.field.key, cv.arm_name, cv.outcome_name): cv for cv in consensus.values.select_related("field")
    }
    assert cells[("design", "", "")].provenance == Provenance.AGREED
    assert cells[("design", "", "")].value == "Crossover"
    assert cells[("ketamine_dose", "", "")].provenance == Provenance.AGREED
    assert cells[("country", "", "")].provenance == Provenance.AGREED
    assert cells[("comparator", "", "")].provenance == Provenance.AGREED
    assert cells[("change_mean", "Ketamine + naltrexone", "MADRS")].provenance == Provenance.AGREED
    assert cells[("change_mean", "Ketamine + placebo", "MADRS")].value is None
    assert cells[("n_randomised", "Ketamine + naltrexone", "")].provenance == Provenance.PENDING
    assert cells[("n_randomised", "Ketamine + placebo", "")].provenance == Provenance.AGREED  # both empty
    assert cells[("design", "", "")].history.count() == 1


def test_arms_are_matched_by_normalised_name_and_differences_said(copies, reviewer, reviewer2):
    fill(
        copies[0],
        reviewer,
        {"design": "Parallel", ("n_randomised", "Ketamine"): "20"},
        arms=["Ketamine", "Saline"],
    )
    fill(
        copies[1],
        reviewer2,
        {"design": "Parallel", ("n_randomised", "ketamine"): "20"},
        arms=["ketamine ", "Placebo"],
    )
    comparison = reconciliation.build_comparison(study=copies[0].study, form=copies[0].form)
    rows = {(r.field.key, r.arm_name): r for r in comparison.rows if r.field.key == "n_randomised"}
    assert rows[("n_randomised", "Ketamine")].agree
    assert set(rows) == {
        ("n_randomised", "Ketamine"),
        ("n_randomised", "Saline"),
        ("n_randomised", "Placebo"),
    }
    assert "Arm “Saline” is only in the copy of reviewer." in comparison.differences
    assert "Arm “Placebo” is only in the copy of reviewer2." in comparison.differences


def test_reconciling_records_where_each_value_came_from(copies, reviewer, reviewer2, adjudicator):
    submit_both(
        copies,
        reviewer,
        reviewer2,
        {"design": "Crossover", "ketamine_dose": "0.5", "country": "USA"},
        {"design": "Crossover", "ketamine_dose": "0.54", "country": "United States"},
    )
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    dose = consensus.values.get(field__key="ketamine_dose")
    country = consensus.values.get(field__key="country")
    reconciliation.resolve_value(
        consensus_value=dose, user=adjudicator, revision=0, source=f"copy:{copies[0].pk}"
    )
    with pytest.raises(ValidationError, match="Say in a note"):
        reconciliation.resolve_value(
            consensus_value=country, user=adjudicator, revision=0, source="entered", raw="US"
        )
    with pytest.raises(ValidationError, match="above the allowed maximum"):
        reconciliation.resolve_value(
            consensus_value=dose, user=adjudicator, revision=1, source="entered", raw="11", note="x"
        )
    reconciliation.resolve_value(
        consensus_value=country,
        user=adjudicator,
        revision=0,
        source="entered",
        raw="USA",
        note="Site list, p. 3",
    )
    dose.refresh_from_db()
    country.refresh_from_db()
    assert (dose.value, dose.provenance, dose.source_copy, dose.revision) == (
        "0.5",
        Provenance.REVIEWER,
        copies[0],
        1,
    )
    assert dose.source_label == "from reviewer"
    assert (country.value, country.provenance, country.decided_by, country.note) == (
        "USA",
        Provenance.ENTERED,
        adjudicator,
        "Site list, p. 3",
    )
    assert country.source_label == "entered by adjudicator"
    history = list(
        country.history.order_by("history_date").values_list("value", "provenance", "history_user")
    )
    assert history == [(None, "pending", adjudicator.pk), ("USA", "entered", adjudicator.pk)]


def test_optimistic_locking_refuses_a_stale_save(copies, reviewer, reviewer2, adjudicator, owner):
    submit_both(
        copies,
        reviewer,
        reviewer2,
        {"design": "Crossover", "country": "USA"},
        {"design": "Crossover", "country": "UK"},
    )
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    country = consensus.values.get(field__key="country")
    seen = country.revision
    reconciliation.resolve_value(
        consensus_value=country, user=owner, revision=seen, source=f"copy:{copies[1].pk}"
    )
    with pytest.raises(reconciliation.StaleConsensus) as caught:
        reconciliation.resolve_value(
            consensus_value=country, user=adjudicator, revision=seen, source=f"copy:{copies[0].pk}"
        )
    assert "owner changed this value while you were editing it" in str(caught.value)
    assert caught.value.current.value == "UK" and caught.value.attempted == "USA"
    country.refresh_from_db()
    assert (country.value, country.decided_by, country.revision) == ("UK", owner, seen + 1)


def test_link_and_split_reports(review, study, make_study, form_version):
    other = make_study("Tiger, M", 2020)
    second_report = other.reports.get()
    review_services.link_report(record=second_report, study=study)
    assert set(study.reports.values_list("pk", flat=True)) == {second_report.pk, study.reports.first().pk}
    assert not Study.objects.filter(pk=other.pk).exists()  # empty and unused: gone
    alone = review_services.split_report(record=second_report)
    assert alone.pk != study.pk and list(alone.reports.all()) == [second_report]
    first = Record.objects.get(pk=study.reports.get().pk)
    assert review_services.split_report(record=first) == study  # already alone: stays


def test_a_study_with_extraction_work_is_kept_when_emptied(
    review, make_study, form_version, reviewer, reviewer2
):
    study = make_study()
    other = make_study("Tiger, M", 2020)
    coding.assign_study(kind=EXTRACTION, study=other, reviewers=[reviewer, reviewer2])
    review_services.link_report(record=other.reports.get(), study=study)
    assert Study.objects.filter(pk=other.pk).exists()
    assert ConsensusValue.objects.count() == 0
