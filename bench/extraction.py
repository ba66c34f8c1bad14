"""Benchmark for dual extraction: 500 studies, a form of 60 fields (30 per study, 15 per arm, 15 per
outcome), 2 arms and 3 outcomes per study, 2 reviewers. Generates its own data in a throw-away SQLite
database (or the database named by DATABASE_URL) and prints the time and SQL query count of building the
comparison for one study, reconciling it, and every extraction export of all studies as the background
job runs it (the job's run function, end to end: reading, writing the file, storing it).

    .venv/bin/python bench/extraction.py [--studies 500]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

common.setup_django()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from extraction import reconciliation, versions  # noqa: E402
from extraction.kinds import EXTRACTION  # noqa: E402
from extraction.models import Arm, ExtractionCopy, Outcome, Value  # noqa: E402


def measure(label: str, func, repeat: int = 1):
    result, wall, _cpu, queries = common.timed(func, repeat)
    print(f"{label:<52} {wall * 1000:9.1f} ms  {queries:4d} queries")
    return result


def form_definition() -> dict:
    fields = []
    kinds = ["decimal", "integer", "text", "choice", "multi_choice", "yes_no"]
    for level, count in (("study", 30), ("arm", 15), ("outcome", 15)):
        for i in range(count):
            kind = kinds[i % len(kinds)]
            field = {
                "key": f"{level}_{i}",
                "label": f"{level.title()} question {i}",
                "type": kind,
                "level": level,
            }
            if kind in ("choice", "multi_choice"):
                field["choices"] = ["Alpha", "Beta", "Gamma"]
            if kind in ("decimal", "integer"):
                field["min"], field["max"] = 0, 1000
            fields.append(field)
    return {
        "name": "Benchmark form",
        "sections": [{"title": f"Section {n}", "fields": fields[n * 10 : n * 10 + 10]} for n in range(6)],
    }


def raw_value(kind: str, rng: random.Random, agree_with=None):
    if agree_with is not None and rng.random() < 0.9:
        return agree_with
    if kind == "decimal":
        return f"{rng.randint(0, 999)}.{rng.randint(0, 9)}"
    if kind == "integer":
        return str(rng.randint(0, 999))
    if kind == "choice":
        return rng.choice(["Alpha", "Beta", "Gamma"])
    if kind == "multi_choice":
        return sorted(rng.sample(["Alpha", "Beta", "Gamma"], 2))
    if kind == "yes_no":
        return rng.random() < 0.5
    return rng.choice(["Sweden", "USA", "United Kingdom", "Canada"])


def build(n_studies: int):
    review, users = common.team()
    version = versions.import_definition(
        kind=EXTRACTION, review=review, data=form_definition(), user=users["owner"], publish=True
    )
    fields = list(version.fields.in_order())
    studies = common.studies_with_reports(review, n_studies)
    copies = common.submitted_copies(version, studies, users)
    arms = Arm.objects.bulk_create(
        Arm(copy=c, name=name, position=p) for c in copies for p, name in enumerate(["Ketamine", "Saline"])
    )
    outcomes = Outcome.objects.bulk_create(
        Outcome(copy=c, name=name, time_point="24 h", measure="change", position=p)
        for c in copies
        for p, name in enumerate(["MADRS", "HDRS", "CADSS"])
    )
    arms_of, outcomes_of = {}, {}
    for a in arms:
        arms_of.setdefault(a.copy_id, []).append(a)
    for o in outcomes:
        outcomes_of.setdefault(o.copy_id, []).append(o)
    rng = random.Random(5)
    values = []
    for first, second in zip(copies[::2], copies[1::2], strict=True):
        for f in fields:
            places = (
                [(a1, a2, None, None) for a1, a2 in zip(arms_of[first.pk], arms_of[second.pk], strict=True)]
                if f.level == "arm"
                else [
                    (None, None, o1, o2)
                    for o1, o2 in zip(outcomes_of[first.pk], outcomes_of[second.pk], strict=True)
                ]
                if f.level == "outcome"
                else [(None, None, None, None)]
            )
            for a1, a2, o1, o2 in places:
                one = raw_value(f.field_type, rng)
                two = raw_value(f.field_type, rng, agree_with=one)
                values.append(Value(copy=first, field=f, arm=a1, outcome=o1, value=one))
                values.append(Value(copy=second, field=f, arm=a2, outcome=o2, value=two))
    return common.coded_review(values, version, review, studies, users, fields)


def main() -> None:
    built = common.build_sized(build, __doc__, "studies", 500)
    review, form, studies, users = built.review, built.form, built.studies, built.users

    study = studies[len(studies) // 2]
    comparison = measure(
        "build the comparison for one study (service)",
        lambda: reconciliation.build_comparison(study=study, form=form),
        repeat=5,
    )
    print(f"  {len(comparison.rows)} rows compared, {len(comparison.disagreements)} disagree")
    ada = Client()
    ada.force_login(users["ada"])
    page_url = reverse("extraction:reconcile", args=[review.slug, EXTRACTION, study.pk])
    # The page's Start button (a POST) starts the consensus; the page is measured with it started.
    reconciliation.start_consensus(study=study, form=form, user=users["ada"])
    measure("comparison page for one study (GET, rendered)", lambda: ada.get(page_url), repeat=5)

    other = studies[len(studies) // 3]
    consensus = measure(
        "reconcile: start consensus, agreements accepted",
        lambda: reconciliation.start_consensus(study=other, form=form, user=users["ada"]),
    )
    pending = list(consensus.values.filter(provenance="pending"))
    copy = ExtractionCopy.objects.filter(study=other, reviewer=users["rita"]).first()

    def resolve_all():
        for cv in pending:
            reconciliation.resolve_value(
                consensus_value=cv, user=users["ada"], revision=cv.revision, source=f"copy:{copy.pk}"
            )

    measure(f"reconcile: resolve all {len(pending)} disagreements", resolve_all)
    one = consensus.values.filter(provenance="reviewer").first()
    measure(
        "reconcile: one value saved through the page (htmx)",
        lambda: ada.post(
            reverse("extraction:consensus_value", args=[review.slug, EXTRACTION, one.pk]),
            {"revision": str(one.revision + 0), "source": "entered", "value": "1", "note": "bench"},
            headers={"HX-Request": "true"},
        ),
    )

    common.start_every_consensus(studies, form, users["ada"])
    # Ada adjudicates: every copy is submitted, so her raw-copies export holds all of them.
    for kind in ("consensus-wide", "consensus-long", "raw-copies"):
        for fmt in ("csv", "xlsx"):
            common.export_job(
                measure,
                f"export {kind} of {len(studies)} studies ({fmt}, job)",
                review=review,
                user=users["ada"],
                kind=f"extraction.{kind}",
                file_format=fmt,
            )


if __name__ == "__main__":
    main()
