"""Benchmark for the review's dataset and its backup: 100,000 records, two reviewers' votes on all of them at
title/abstract, 500 studies with dual extraction and a consensus (bench/extraction.py's data). Generates its
own data in a throw-away SQLite database (or the database named by DATABASE_URL), then runs each step in a
fresh process so its peak memory is its own: the dataset export job (XLSX and ZIP), backup_review and
restore_review, after timing the PRISMA flow. Goals (issue 11): the flow under 200 ms, the export under 60 s and 1 GB, backup and restore each under 2 minutes.

    .venv/bin/python bench/dataset.py [--records 100000] [--studies 500]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.common import build_timed, screened_in_bulk, start_every_consensus, timed  # noqa: E402
from bench.extraction import build  # noqa: E402  (sets up the throw-away database and Django)
from review.exports.jobs import start_export  # noqa: E402
from review.models import ExportJob, Record, Review  # noqa: E402
from review.prisma.flow import prisma_counts  # noqa: E402

OTHER = {"include": "exclude", "exclude": "include"}
BACKUP = Path(settings.VAR_DIR) / "bench-backup.zip"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_records: int, n_studies: int) -> None:
    review, form, studies, users, _fields, _values = build(n_studies)
    start_every_consensus(studies, form, users["ada"])
    rng = random.Random(11)
    now = datetime.now(UTC)
    search = review.searches.create(source_name="PubMed")
    batch = 10_000
    for start in range(0, n_records, batch):
        records = Record.objects.bulk_create(
            Record(
                review=review,
                search=search,
                title=f"Randomised trial {i} of ketamine in depression",
                authors=[f"Author{i}, A", "Second, B"],
                year=1990 + i % 35,
                doi=f"10.1000/bench.{i}",
                title_key=f"randomised trial {i} of ketamine in depression",
            )
            for i in range(start, min(start + batch, n_records))
        )
        verdicts = [(rng.choice(["include", "exclude"]), rng.random() < 0.9) for _ in records]
        # rita's verdict; raj agrees nine times in ten.
        screened_in_bulk(
            review,
            (
                (record.pk, ((users["rita"], verdict), (users["raj"], verdict if agree else OTHER[verdict])))
                for record, (verdict, agree) in zip(records, verdicts, strict=True)
            ),
            when=now,
        )


def step(name: str) -> None:
    """One measured step, in its own process."""
    review = Review.objects.get(slug="bench")
    start = time.perf_counter()
    if name == "flow":
        flow(review)
        return
    if name in ("xlsx", "zip"):
        ada = get_user_model().objects.get(username="ada")
        job = start_export(review=review, user=ada, kind="review.dataset", file_format=name)
        result = ExportJob.run(job.pk)
        assert result["status"] == "done", result
        job.refresh_from_db()
        detail = f"{job.row_count:,} rows, {job.file_size / 2**20:.1f} MiB"
        label, goal = f"dataset export ({name.upper()}, job, as the adjudicator)", "goal < 60 s, < 1,024 MB"
    elif name == "backup":
        call_command("backup_review", "bench", str(BACKUP), stdout=io.StringIO())
        detail, label = f"{BACKUP.stat().st_size / 2**20:.1f} MiB", "backup_review"
        goal = "goal < 120 s"
    else:
        call_command(
            "restore_review",
            str(BACKUP),
            "--slug",
            f"bench-restored-{int(time.time())}",
            stdout=io.StringIO(),
        )
        detail, label, goal = "as a second review of the same database", "restore_review", "goal < 120 s"
    elapsed = time.perf_counter() - start
    print(f"{label:<46} {elapsed:7.1f} s  peak {peak_mb():6,.0f} MB  ({detail}; {goal})")


def flow(review: Review) -> None:
    """The PRISMA counts as the PRISMA page computes them: best wall time of three, and the queries."""
    _counts, wall, _cpu, queries = timed(lambda: prisma_counts(review), repeat=3)
    print(f"{'PRISMA flow (prisma_counts)':<46} {wall * 1000:7.0f} ms ({queries} queries; goal < 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--studies", type=int, default=500)
    parser.add_argument(
        "--step", choices=["flow", "xlsx", "zip", "backup", "restore"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.step:
        step(args.step)
        return
    _, seconds = build_timed(generate, args.records, args.studies)
    print(
        f"Generated {args.records:,} records with two votes each and {args.studies} studies with extraction "
        f"in {seconds:.1f} s ({connection.vendor}; peak memory per step is its own process)"
    )
    connection.close()
    for name in ("flow", "xlsx", "zip", "backup", "restore"):
        subprocess.run([sys.executable, __file__, "--step", name], check=True, env=os.environ)


if __name__ == "__main__":
    main()
