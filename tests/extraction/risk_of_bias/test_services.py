"""What is assessed (results), who assesses it, and submitting: the rules of risk_of_bias/services.py on top
of extraction's copies."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from extraction import coding, versions
from extraction.models import ExtractionCopy, Outcome, Value
from extraction.risk_of_bias import services
from extraction.risk_of_bias.kind import RISK_OF_BIAS, TOOL_FIELD, judgement_key, question_key
from extraction.risk_of_bias.models import AssessedResult

from .conftest import CROSSOVER_LOW, with_changes

pytestmark = pytest.mark.django_db


def stored(copy, key: str):
    return Value.objects.get(copy=copy, field__key=key).value


def test_the_review_chooses_its_tools_and_cannot_drop_one_its_results_use(review, owner, crossover_result):
    version = versions.published_version(services.get_form(review))
    assert services.version_tools(version) == ["rob2", "rob2-crossover", "robins-i"]
    # The same choice again publishes nothing new.
    assert (
        services.install_tools(review=review, tools=["robins-i", "rob2", "rob2-crossover"], user=owner)
        == version
    )
    with pytest.raises(ValidationError, match="Results are assessed with rob2-crossover: keep those tools"):
        services.install_tools(review=review, tools=["rob2"], user=owner)
    with pytest.raises(ValidationError, match="Choose among the shipped tools"):
        services.install_tools(review=review, tools=["rob3"], user=owner)
    bigger = services.install_tools(
        review=review, tools=["rob2", "rob2-crossover", "rob2-cluster"], user=owner
    )
    assert bigger.number == version.number + 1
    assert services.version_tools(bigger) == ["rob2", "rob2-cluster", "rob2-crossover"]


def test_a_result_is_an_outcome_place_of_every_copy_with_its_tool_set(
    crossover_result, rob_copies, make_study, adjudicator, reviewer
):
    for copy in rob_copies:
        [place] = Outcome.objects.filter(copy=copy)
        assert (place.name, place.time_point) == ("HAM-D", "1 day")
        assert stored(copy, TOOL_FIELD) == "rob2-crossover"
    second = services.add_result(
        study=crossover_result.study,
        outcome="Response",
        time_point="1 week",
        tool="rob2-crossover",
        user=adjudicator,
    )
    assert {o.name for o in Outcome.objects.filter(copy=rob_copies[0])} == {"HAM-D", "Response"}
    assert second.label == "Williams 2018 (Response, 1 week)"
    with pytest.raises(ValidationError, match="already assessed"):
        services.add_result(
            study=crossover_result.study,
            outcome="response ",
            time_point="1 Week",
            tool="rob2",
            user=adjudicator,
        )
    with pytest.raises(ValidationError, match="Choose one of the review's tools"):
        services.add_result(
            study=crossover_result.study, outcome="QIDS", time_point="", tool="rob2-cluster", user=adjudicator
        )
    services.remove_result(result=second, user=adjudicator)
    assert [o.name for o in Outcome.objects.filter(copy=rob_copies[0])] == ["HAM-D"]
    assert not AssessedResult.objects.filter(pk=second.pk).exists()


def test_results_are_fixed_once_an_assessor_has_submitted(
    crossover_result, rob_copies, reviewer, adjudicator, assess
):
    assess(rob_copies[0], reviewer, crossover_result, CROSSOVER_LOW)
    with pytest.raises(ValidationError, match="an assessor has already submitted"):
        services.add_result(
            study=crossover_result.study, outcome="QIDS", time_point="", tool="rob2", user=adjudicator
        )
    with pytest.raises(ValidationError, match="cannot be removed"):
        services.remove_result(result=crossover_result, user=adjudicator)


def test_assigning_needs_results_and_gives_new_copies_every_result(
    review, rob_form, make_study, reviewer, reviewer2, adjudicator
):
    study = make_study("Jelen, E", 2022)
    with pytest.raises(ValidationError, match="Name the results to assess in Jelen 2022 first"):
        services.assign_study(study=study, reviewers=[reviewer, reviewer2])
    services.add_result(
        study=study, outcome="MADRS", time_point="1 day", tool="rob2-crossover", user=adjudicator
    )
    services.add_result(
        study=study, outcome="CADSS", time_point="40 min", tool="rob2-crossover", user=adjudicator
    )
    make_study("Berman, R", 2000)  # no result: not assigned
    assert services.assign_unassigned(review=review, reviewers=[reviewer, reviewer2]) == 1
    copies = ExtractionCopy.objects.filter(study=study, form__kind="rob")
    assert copies.count() == 2
    assert all(Outcome.objects.filter(copy=c).count() == 2 for c in copies)
    assert services.assign_unassigned(review=review, reviewers=[reviewer, reviewer2]) == 0


def test_a_skipped_question_is_stored_as_na_and_an_answer_given_before_does_not_linger(
    crossover_result, rob_copies, reviewer, assess
):
    mine = rob_copies[0]
    assess(mine, reviewer, crossover_result, {"D2": {"2.1": "Y", "2.2": "N", "2.3": "N"}}, submit=False)
    assert stored(mine, question_key("rob2-crossover", "D2", "", "2.3")) == "N"
    assess(mine, reviewer, crossover_result, {"D2": {"2.1": "N"}}, submit=False)
    # 2.3 is asked only if 2.1 or 2.2 is Y/PY/NI (RoB 2 guidance, domain 2).
    assert stored(mine, question_key("rob2-crossover", "D2", "", "2.3")) == "NA"
    # Every other tool's question is not part of this result: NA too.
    assert stored(mine, question_key("rob2", "D1", "", "1.1")) == "NA"


def test_submitting_fills_the_proposed_judgements(crossover_result, rob_copies, reviewer, assess):
    mine = assess(
        rob_copies[0], reviewer, crossover_result, with_changes(CROSSOVER_LOW, {"D1": {"1.2": "N"}})
    )
    mine.refresh_from_db()
    assert mine.is_locked
    assert stored(mine, judgement_key("D1")) == "high"  # 1.2 N/PN → High (guidance, domain 1)
    assert stored(mine, judgement_key("S")) == "low"
    assert stored(mine, judgement_key("overall")) == "high"
    assert stored(mine, judgement_key("D6")) == "NA"


def test_an_override_needs_a_justification_and_nothing_is_stored_without_one(
    crossover_result, rob_copies, reviewer, assess
):
    mine = rob_copies[0]
    assess(mine, reviewer, crossover_result, CROSSOVER_LOW, {"D4": ("some_concerns", "")}, submit=False)
    with pytest.raises(
        ValidationError,
        match=r"HAM-D \(1 day\), D4: say why you judge “Some concerns” rather than the proposed “Low”",
    ):
        services.submit_assessment(copy=mine, user=reviewer)
    mine.refresh_from_db()
    assert not mine.is_locked
    assess(mine, reviewer, crossover_result, {}, {"D4": ("some_concerns", "Raters saw the dissociation.")})
    mine.refresh_from_db()
    assert mine.is_locked
    # The overall proposal follows the domain as judged.
    assert stored(mine, judgement_key("overall")) == "some_concerns"


def test_an_unanswered_question_or_a_broken_overall_rule_refuses_the_submission(
    crossover_result, rob_copies, reviewer, assess
):
    mine = rob_copies[0]
    assess(mine, reviewer, crossover_result, {"D1": {"1.1": "Y"}}, submit=False)
    with pytest.raises(ValidationError, match="Answer the required questions first"):
        services.submit_assessment(copy=mine, user=reviewer)
    one_concern = with_changes(CROSSOVER_LOW, {"D1": {"1.3": "PY"}})
    assess(mine, reviewer, crossover_result, one_concern, {"overall": ("high", "Small trial.")}, submit=False)
    with pytest.raises(ValidationError, match="only replace “Some concerns” when several domains"):
        services.submit_assessment(copy=mine, user=reviewer)
    mine.refresh_from_db()
    assert not mine.is_locked


def test_only_the_assessor_fills_their_copy(crossover_result, rob_copies, reviewer2):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.answer(copy=rob_copies[0], user=reviewer2, result=crossover_result, answers=CROSSOVER_LOW)


def test_the_number_of_assessors_is_a_setting_of_the_kind(review, rob_form, owner):
    form = services.get_form(review)
    assert form.coders_per_study == RISK_OF_BIAS.default_coders == 2
    versions.set_coders_per_study(review=review, kind=RISK_OF_BIAS, coders=3)
    form.refresh_from_db()
    assert form.coders_per_study == 3
    with pytest.raises(ValidationError, match="Choose 3 assessors"):
        coding.check_coder_count(form=form, reviewers=[owner])
