"""What the in-process benchmarks share: Django set up on a throw-away database (SQLite in a temporary
folder unless DATABASE_URL names one), the review team they work in, and a timer that counts queries."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="concord-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)  # a throw-away database
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    import django

    django.setup()


def team():
    """The benchmark review: owner, rita and raj reviewers, ada adjudicator. Returns (review, users)."""
    from django.contrib.auth import get_user_model

    from review import services

    users = {}
    for name in ("owner", "rita", "raj", "ada"):
        user = get_user_model()(username=name)
        user.set_unusable_password()
        user.save()
        users[name] = user
    review = services.create_review(slug="bench", title="Benchmark", owner=users["owner"])
    for name, role in (("rita", "reviewer"), ("raj", "reviewer"), ("ada", "adjudicator")):
        services.add_member(review=review, user=users[name], role=role)
    return review, users


def studies_with_reports(review, count: int) -> list:
    """`count` studies (“Trial 0042”), each with one report."""
    from review.models import Record, Study

    studies = Study.objects.bulk_create(Study(review=review, label=f"Trial {i:04d}") for i in range(count))
    Record.objects.bulk_create(
        Record(
            review=review,
            title=f"Report of trial {i}",
            authors=[f"Author{i}, A"],
            year=2000 + i % 25,
            study=s,
        )
        for i, s in enumerate(studies)
    )
    return studies


def timed(func, repeat: int = 1):
    """(result, best wall time, best CPU time of this process, queries of one run). SQLite runs in this
    process; on a shared machine the wall time also counts waiting for a core."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            result = func()
            best_wall = min(best_wall, time.perf_counter() - wall)
            best_cpu = min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu, len(queries.captured_queries)


def build_timed(build, *args):
    """Print the machine's speed, create the schema, and run `build(*args)`: (its result, seconds taken)."""
    from django.core.management import call_command

    from bench.calibrate import python_speed

    print(python_speed())
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    result = build(*args)
    return result, time.perf_counter() - start


@dataclass
class CodedReview:
    """A review whose studies two reviewers coded with one form, as the dual-coding benchmarks build it."""

    review: object
    form: object
    studies: list
    users: dict
    fields: int
    values: int


def coded_review(values: list, version, review, studies: list, users: dict, fields: list) -> CodedReview:
    """Store the reviewers' values at once, and say what was built."""
    from extraction.models import Value

    Value.objects.bulk_create(values, batch_size=5000)
    return CodedReview(review, version.form, studies, users, len(fields), len(values))


def build_sized(build, doc: str, option: str, default: int) -> CodedReview:
    """`build(size)` with the size read from the command line as `--<option>` (a whole number, `default` if
    not given; the first line of `doc` describes the benchmark in `--help`): prints what was built, in how
    long, on which database, and returns it."""
    from django.db import connection

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{option}", type=int, default=default)
    built, seconds = build_timed(build, getattr(parser.parse_args(), option))
    print(
        f"Generated {len(built.studies)} {option}, two coders each, {built.fields} fields, {built.values} values "
        f"in {seconds:.1f} s ({connection.vendor})"
    )
    return built


def export_job(measure, label: str, *, review, user, kind: str, file_format: str) -> None:
    """One export run as the background job runs it (end to end: reading, writing the file, storing it),
    timed by `measure(label, func)`, then its size printed."""
    from review.exports.jobs import start_export
    from review.models import ExportJob

    job = start_export(review=review, user=user, kind=kind, file_format=file_format)
    result = measure(label, lambda: ExportJob.run(job.pk))
    job.refresh_from_db()
    assert result["status"] == "done", result
    print(f"  {job.row_count:,} rows, {job.file_size / 1024:.0f} KiB")


def submitted_copies(version, studies, users) -> list:
    """rita's and raj's submitted copies of `version`'s form for every study, in that order per study."""
    from extraction.constants import CopyStatus
    from extraction.models import ExtractionCopy

    return ExtractionCopy.objects.bulk_create(
        ExtractionCopy(
            study=s, form=version.form, version=version, reviewer=users[r], status=CopyStatus.SUBMITTED
        )
        for s in studies
        for r in ("rita", "raj")
    )


def start_every_consensus(studies, form, user) -> None:
    """Consensus started on every study (set-up), with how long it took."""
    from extraction import reconciliation

    start = time.perf_counter()
    for study in studies:
        reconciliation.start_consensus(study=study, form=form, user=user)
    print(f"(set-up) consensus started for all {len(studies)} studies in {time.perf_counter() - start:.1f} s")


def screened_in_bulk(review, votes, *, when) -> None:
    """Two votes per record at title/abstract, written in bulk around screening.services, with the
    decision they reach: agreeing votes settle the record, others make a conflict. `votes` holds
    `(record_id, ((reviewer, verdict), (reviewer, verdict)))`; the tallies are the caller's to recount."""
    from screening.models import ScreeningDecision, Vote

    votes = list(votes)
    settled = {"include": "included", "exclude": "excluded"}
    decisions = ScreeningDecision.objects.bulk_create(
        ScreeningDecision(
            review=review,
            record_id=record_id,
            stage="title_abstract",
            votes_count=len(pair),
            status=settled[a] if a == b else "conflict",
            verdict=a if a == b else "",
            conflict_since=None if a == b else when,
        )
        for record_id, pair in votes
        for a, b in [(pair[0][1], pair[1][1])]
    )
    Vote.objects.bulk_create(
        Vote(
            decision=decision,
            record_id=decision.record_id,
            stage="title_abstract",
            reviewer=reviewer,
            verdict=verdict,
            created_at=when,
        )
        for decision, (_record_id, pair) in zip(decisions, votes, strict=True)
        for reviewer, verdict in pair
    )
