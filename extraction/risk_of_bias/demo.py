"""The demo's risk-of-bias assessments: RoB 2 for crossover trials for Williams 2018 and Jelen, RoB 2 for
parallel trials for Tiger 2020, each by rita and raj, made through the same services as the pages. Tiger and
Jelen are reconciled (every answer agreed); Williams waits for ada: rita and raj disagree on domain 5
(and, in wording only, on question 1.1). The answers illustrate the tool; they are not an appraisal of the
published trials."""

from __future__ import annotations

from extraction import reconciliation
from extraction.models import ExtractionCopy
from extraction.risk_of_bias import services
from extraction.risk_of_bias.apps import DEMO_RESULTS
from review.models import Study

CROSSOVER = {
    "D1": {"1.1": "Y", "1.2": "PY", "1.3": "N"},
    "S": {"S.1": "Y", "S.3": "PY"},
    "D2": {"2.1": "N", "2.2": "N", "2.6": "Y"},
    "D3": {"3.1": "N", "3.2": "PY"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "PN"},
    "D5": {"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "N"},
}
PARALLEL = {
    "D1": {"1.1": "Y", "1.2": "Y", "1.3": "N"},
    "D2": {"2.1": "N", "2.2": "N", "2.6": "Y"},
    "D3": {"3.1": "Y"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "N"},
    "D5": {"5.1": "PY", "5.2": "N", "5.3": "N"},
}
# Jelen: some outcome data missing, and missingness could depend on the outcome (domain 3: some concerns).
JELEN = {"D3": {"3.1": "N", "3.2": "N", "3.3": "PY", "3.4": "PN"}}
# raj on Williams: 1.1 “probably yes” (same direction as rita's yes) and no pre-specified plan for 5.1.
RAJ_WILLIAMS = {"D1": {"1.1": "PY"}, "D5": {"5.1": "PN"}}


def _answers(base: dict, words: str, username: str) -> dict:
    answers = {domain: dict(given) for domain, given in base.items()}
    if words == "Jelen":
        answers.update(JELEN)
    if words == "Williams" and username == "raj":
        for domain, given in RAJ_WILLIAMS.items():
            answers[domain].update(given)
    return answers


def load_demo(*, review, users) -> None:
    services.install_tools(review=review, tools=["rob2", "rob2-crossover"], user=users["olivia"])
    assessors = [users["rita"], users["raj"]]
    for words, outcome, time_point, tool in DEMO_RESULTS:
        study = Study.objects.for_review(review).filter(label__icontains=words).first()
        if study is None:
            continue
        result = services.add_result(
            study=study, outcome=outcome, time_point=time_point, tool=tool, user=users["ada"]
        )
        services.assign_study(study=study, reviewers=assessors)
        base = CROSSOVER if tool == "rob2-crossover" else PARALLEL
        for assessor in assessors:
            answers = _answers(base, words, assessor.username)
            copy = ExtractionCopy.objects.get(study=study, form__kind="rob", reviewer=assessor)
            services.answer(copy=copy, user=assessor, result=result, answers=answers)
            services.submit_assessment(copy=copy, user=assessor)
        reconciliation.start_consensus(study=study, form=services.get_form(review), user=users["ada"])
