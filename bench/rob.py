"""Benchmark for risk of bias: 300 results (one per study; RoB 2 for crossover trials and for parallel
trials), each assessed by 2 assessors who agree on about four answers in five, every study reconciled but
one domain of one study. Generates its own data in a throw-away SQLite database (or the database named by
DATABASE_URL) and prints the time and SQL query count of the reconcile page of one study (goal < 100 ms),
both plots of the 300 results through their views (goal < 2 s), and the risk-of-bias exports as the
background job runs them (goal < 5 s).

    .venv/bin/python bench/rob.py [--results 300]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

common.setup_django()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from extraction import reconciliation  # noqa: E402
from extraction.comparison import outcome_key  # noqa: E402
from extraction.models import ExtractionCopy, Outcome, Value  # noqa: E402
from extraction.risk_of_bias import results, services  # noqa: E402
from extraction.risk_of_bias.kind import RISK_OF_BIAS, TOOL_FIELD, question_fields  # noqa: E402
from extraction.risk_of_bias.models import AssessedResult  # noqa: E402

TOOLS = ["rob2", "rob2-crossover"]


def measure(label: str, func, repeat: int = 1):
    result, wall, cpu, queries = common.timed(func, repeat)
    print(f"{label:<58} {wall * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms CPU {queries:4d} queries")
    measure.cpu += cpu  # type: ignore[attr-defined]
    return result


measure.cpu = 0.0  # type: ignore[attr-defined]


def answers_for(tool: str, fields, rng: random.Random, like: dict | None = None) -> dict:
    """A copy's answers at one result, as the kind stores them: the tool's questions answered where asked
    (agreeing with `like` about four times in five), NA elsewhere, and the proposed judgements."""
    specs = question_fields()
    answers = {TOOL_FIELD: tool}
    for field in fields:  # in form order, so a condition reads earlier answers
        spec = specs.get(field.key)
        if spec is None or spec.tool != tool:
            continue
        answers[field.key] = "?"
        if field not in RISK_OF_BIAS.applicable_fields(fields, answers):
            answers[field.key] = "NA"
        elif like is not None and like.get(field.key) not in (None, "NA") and rng.random() < 0.8:
            answers[field.key] = like[field.key]
        else:
            answers[field.key] = rng.choice(spec.question.answers)
    asked = {f.key for f in RISK_OF_BIAS.applicable_fields(fields, answers)}
    answers |= RISK_OF_BIAS.suggest(answers)
    return {f.key: (answers.get(f.key) if f.key in asked else "NA") for f in fields}


def build(n_results: int):
    review, users = common.team()
    version = services.install_tools(review=review, tools=TOOLS, user=users["owner"])
    fields = list(version.fields.in_order())
    studies = common.studies_with_reports(review, n_results)
    results = AssessedResult.objects.bulk_create(
        AssessedResult(
            study=s,
            outcome="MADRS",
            time_point="1 day",
            key=outcome_key("MADRS", "1 day"),
            tool=TOOLS[i % 2],
            weight=1 + i % 20,
        )
        for i, s in enumerate(studies)
    )
    copies = common.submitted_copies(version, studies, users)
    places = Outcome.objects.bulk_create(Outcome(copy=c, name="MADRS", time_point="1 day") for c in copies)
    rng = random.Random(10)
    values = []
    for (first, second), (one, two), result in zip(
        zip(copies[::2], copies[1::2], strict=True),
        zip(places[::2], places[1::2], strict=True),
        results,
        strict=True,
    ):
        rita = answers_for(result.tool, fields, rng)
        raj = answers_for(result.tool, fields, rng, like=rita)
        for copy, place, answers in ((first, one, rita), (second, two, raj)):
            values += [Value(copy=copy, field=f, outcome=place, value=answers[f.key]) for f in fields]
    return common.coded_review(values, version, review, studies, users, fields)


def main() -> None:
    built = common.build_sized(build, __doc__, "results", 300)
    review, form, studies, users = built.review, built.form, built.studies, built.users
    common.start_every_consensus(studies, form, users["ada"])
    # Every disagreement settled (rita's answer) but in the middle study, which waits for the reconciler.
    study = studies[len(studies) // 2]
    from extraction.models import ConsensusValue

    pending = (
        ConsensusValue.objects.filter(provenance="pending")
        .exclude(consensus__study=study)
        .select_related("consensus")
    )
    copies = {(c.study_id): c for c in ExtractionCopy.objects.filter(form=form, reviewer=users["rita"])}
    start = time.perf_counter()
    for cv in pending:
        reconciliation.resolve_value(
            consensus_value=cv,
            user=users["ada"],
            revision=cv.revision,
            source=f"copy:{copies[cv.consensus.study_id].pk}",
        )
    print(f"(set-up) {len(pending)} disagreements reconciled in {time.perf_counter() - start:.1f} s")

    ada = Client()
    ada.force_login(users["ada"])
    page = reverse("rob:reconcile", args=[review.slug, study.pk])
    ada.get(page)  # the first request loads templates and tool files
    measure("reconcile page of one study (GET, rendered; goal 100 ms)", lambda: ada.get(page), repeat=5)
    measure(
        "risk-of-bias page of the review (GET, rendered)",
        lambda: ada.get(reverse("rob:home", args=[review.slug])),
        repeat=3,
    )
    rows = measure(
        "reading the consensus judgements of every result",
        lambda: results.review_results(review=review, form=form),
        repeat=3,
    )
    print(f"  {sum(row.complete for row in rows)} reconciled")
    measure.cpu = 0.0  # type: ignore[attr-defined]
    for fmt in ("svg", "png"):
        for name in ("traffic-light", "summary"):
            url = reverse("rob:plot", args=[review.slug, name, fmt])
            response = measure(
                f"{name} plot of {len(studies) - 1} results ({fmt.upper()}, view)",
                lambda url=url: ada.get(url),
                repeat=3,
            )
            assert response.status_code == 200, response.content[:200]
            print(f"  {len(response.content) / 1024:.0f} KiB")
    print(f"{'all four files, CPU (goal for both plots: 2000 ms)':<58} {measure.cpu * 1000:7.0f} ms")  # type: ignore[attr-defined]
    for kind, fmt in (
        ("rob.table", "csv"),
        ("rob.table", "xlsx"),
        ("rob.robvis-rob2-crossover", "csv"),
        ("rob.answers", "csv"),
        ("rob.answers", "xlsx"),
    ):
        common.export_job(
            measure,
            f"export {kind} ({fmt}, job; goal 5000 ms)",
            review=review,
            user=users["ada"],
            kind=kind,
            file_format=fmt,
        )


if __name__ == "__main__":
    main()
