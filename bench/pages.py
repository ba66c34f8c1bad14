"""Benchmark: does every page answer in the same time on a review of 10,000 and of 100,000 records?

For each database and size it builds its own review (records in bulk, as the importer writes them; two
reviewers' votes and their decisions on the first 60% of the records, about half of them conflicts),
starts gunicorn and requests each page in turn, each one alternated with a bare Django view (the floor)
so that both see the machine in the same state. Prints p50 and p95 per page and size, then the ratio of
the largest size's figures to the smallest's. Then each export job, made by the worker's code in a process
of its own, one at a time: its wall time and the process's peak memory (resident set), for each size.

    .venv/bin/python bench/pages.py                                       # SQLite
    DATABASE_URL=postgres://app@127.0.0.1:55432/postgres .venv/bin/python bench/pages.py   # both
    options: --sizes 10000,100000 --samples 100 --databases postgresql,sqlite --workers 4 --threads 4
             --exports screening.votes:csv,review.dataset:zip (kind:format pairs; "" for none)

A quick look: --sizes 2000,20000 --samples 20 takes a couple of minutes. Each size runs in a process of
its own (Django is set up once per process, for one database).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calibrate import python_speed  # noqa: E402
from bench.screening import (  # noqa: E402
    Reviewer,
    build_review,
    free_port,
    p95,
    percentiles,
    prepare_database,
    settle_records,
    start_server,
)

HX = {"HX-Request": "true"}


def pages(slug: str, record_id: int) -> list[tuple[str, str, str, dict]]:
    """(label, who asks, path, headers): the reviewer screens (her counts are blinded), the adjudicator
    settles every conflict."""
    base = f"/reviews/{slug}"
    queue = f"{base}/screening/title_abstract/"
    return [
        ("dashboard, reviewer", "reviewer", f"{base}/", {}),
        ("dashboard, adjudicator", "adjudicator", f"{base}/", {}),
        ("record list, first page", "reviewer", f"{base}/records/", {}),
        ("record list, last page", "reviewer", f"{base}/records/?last=1", {}),
        ("record list, search", "reviewer", f"{base}/records/?q=ketamine", {}),
        ("record", "reviewer", f"{base}/records/{record_id}/", {}),
        ("conflicts", "adjudicator", f"{base}/screening/conflicts/", {}),
        ("agreement", "adjudicator", f"{base}/screening/agreement/", {}),
        ("queue, full page", "reviewer", queue, {}),
        ("queue, htmx", "reviewer", queue, HX),
        ("duplicate queue", "reviewer", f"{base}/duplicates/", {}),
    ]


def timed(reviewer: Reviewer, method: str, path: str, **kwargs) -> tuple[float, str]:
    try:
        started = time.perf_counter()
        status, html = reviewer.request(method, path, **kwargs)
    except (http.client.RemoteDisconnected, ConnectionResetError):
        # gunicorn closes a connection idle for 2 s (the other member's, while one page is measured).
        started = time.perf_counter()
        status, html = reviewer.request(method, path, **kwargs)
    elapsed = time.perf_counter() - started
    assert status == 200, (path, status, html[:500])
    return elapsed, html


def measure(port: int, slug: str, sessions: dict[str, str], record_id: int, samples: int) -> dict:
    """Latencies per page (and of the floor): each request of a page follows one of the floor."""
    clients = {who: Reviewer(port, slug, session) for who, session in sessions.items()}
    plan = pages(slug, record_id)
    for _, who, path, headers in plan:  # warm every worker's code paths and connections
        for _ in range(3):
            timed(clients[who], "GET", path, headers=headers)
    results: dict[str, list[float]] = {"bare view": []}
    for label, who, path, headers in plan:
        results[label] = []
        for _ in range(samples):
            results["bare view"].append(timed(clients[who], "GET", "/bench/floor/")[0])
            results[label].append(timed(clients[who], "GET", path, headers=headers)[0])
    voter = clients["reviewer"]
    on_screen = voter.open_queue(after=0)
    results["vote and next"] = []
    for _ in range(samples):
        results["bare view"].append(timed(voter, "GET", "/bench/floor/")[0])
        started = time.perf_counter()
        on_screen = voter.vote(on_screen)
        results["vote and next"].append(time.perf_counter() - started)
    return results


DEFAULT_EXPORTS = (
    "screening.votes:csv,screening.votes:xlsx,review.dataset:zip,review.dataset:xlsx,review.backup:zip"
)


def measure_exports(env: dict, slug: str, wanted: str) -> dict[str, dict[str, float]]:
    """Each export job made in a fresh process by the worker's function (review.exports.jobs.make_file):
    the job's wall time (Django's start-up left out), and the process's peak resident memory as the kernel
    counts it (VmHWM: Django's own included, about 100 MB; not getrusage's maxrss, which on Linux keeps
    the forking parent's peak across exec)."""
    from django.contrib.auth import get_user_model

    from review.exports.jobs import start_export
    from review.models import Review

    review = Review.objects.get(slug=slug)
    owner = get_user_model().objects.get(username="bench-owner")
    figures = {}
    for pair in filter(None, wanted.split(",")):
        kind, file_format = pair.split(":")
        job = start_export(review=review, user=owner, kind=kind, file_format=file_format)
        child = subprocess.Popen(
            [sys.executable, __file__, f"--make-export={job.pk}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        seconds, peak_kb = map(float, child.stdout.read().split()[-2:])
        assert child.wait() == 0, (pair, child.returncode)
        job.refresh_from_db()
        figures[pair] = {
            "seconds": seconds,
            "peak_mb": peak_kb / 1024,
            "rows": job.row_count,
            "file_mb": job.file_size / 1e6,
        }
    return figures


def make_export(job_id: int) -> None:
    """Child process: make one export job's file as the worker does."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from review.exports.jobs import make_file
    from review.models import ExportJob

    job = ExportJob.objects.get(pk=job_id)
    started = time.perf_counter()
    make_file(job)
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    peak_kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    print(seconds, peak_kb)


def one_run(size: int, args) -> None:
    """Child process: build one review on the database in DATABASE_URL (or SQLite), measure, print JSON."""
    env, cleanup = prepare_database(args)
    server = None
    try:
        slug, reviewer_sessions, first_id = build_review(env, size, reviewers=11)
        started = time.perf_counter()
        settled = settle_records(args.voted)
        print(f"votes on {settled:,} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        from review import services
        from review.models import Membership

        adjudicator = Membership.objects.get(review__slug=slug, user__username="bench-reviewer-10")
        services.set_roles(membership=adjudicator, roles={"adjudicator"})
        port = free_port()
        server = start_server(env, port, workers=args.workers, threads=args.threads)
        sessions = {"reviewer": reviewer_sessions[0], "adjudicator": reviewer_sessions[10]}
        results = measure(port, slug, sessions, first_id + size // 2, args.samples)
        server.terminate()
        server.wait(10)
        server = None
        exports = measure_exports(env, slug, args.exports)
        print(json.dumps({"pages": results, "exports": exports}))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        cleanup()


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1000, p95(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="review sizes in records, comma-separated")
    parser.add_argument("--samples", type=int, default=100, help="requests per page and size")
    parser.add_argument(
        "--databases",
        default="postgresql,sqlite" if os.environ.get("DATABASE_URL") else "sqlite",
        help="postgresql needs DATABASE_URL (the bench creates and drops a database of its own there)",
    )
    parser.add_argument("--voted", type=float, default=0.6, help="share of the records with two votes")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--exports", default=DEFAULT_EXPORTS, help="export jobs to time, kind:format,…")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process's size
    parser.add_argument("--make-export", type=int, help=argparse.SUPPRESS)  # a child process's export job
    args = parser.parse_args()
    if args.make_export:
        make_export(args.make_export)
        return
    if args.one:
        one_run(args.one, args)
        return
    print(python_speed(), flush=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    base_url = os.environ.get("DATABASE_URL")
    for database in args.databases.split(","):
        if database == "postgresql" and not base_url:
            sys.exit("postgresql: set DATABASE_URL to a server the bench may create a database on")
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if database == "postgresql":
            env["DATABASE_URL"] = base_url
        figures = {}
        for size in sizes:
            print(f"{database}, {size:,} records: building and measuring…", flush=True)
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(size), *passed_on(args)],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            figures[size] = json.loads(child.stdout.strip().splitlines()[-1])
            for label, samples in figures[size]["pages"].items():
                print(f"  {label:26s} {percentiles(samples)}", flush=True)
        report(database, sizes, {size: f["pages"] for size, f in figures.items()}, args)
        report_exports(database, sizes, {size: f["exports"] for size, f in figures.items()})


def passed_on(args) -> list[str]:
    return [
        f"--samples={args.samples}",
        f"--voted={args.voted}",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
        f"--exports={args.exports}",
    ]


def report(database: str, sizes: list[int], figures: dict, args) -> None:
    small, large = sizes[0], sizes[-1]
    print(
        f"\n{database}, gunicorn {args.workers} workers x {args.threads} threads, {args.samples} samples a page"
    )
    head = " | ".join(f"{size:,} p50 | {size:,} p95" for size in sizes)
    print(f"| page | {head} | p95 {large:,}/{small:,} |")
    print("|---" * (2 + 2 * len(sizes)) + "|")
    for label in figures[small]:
        cells = [summary(figures[size][label]) for size in sizes]
        text = " | ".join(f"{p50:.1f} ms | {p95_ms:.1f} ms" for p50, p95_ms in cells)
        print(f"| {label} | {text} | {cells[-1][1] / cells[0][1]:.2f}× |")
    print(flush=True)


def report_exports(database: str, sizes: list[int], figures: dict) -> None:
    if not any(figures.values()):
        return
    print(f"{database}, export jobs: worker wall time and peak memory (one process per job)")
    head = " | ".join(f"{size:,} time | {size:,} peak | {size:,} rows" for size in sizes)
    print(f"| export | {head} |")
    print("|---" * (1 + 3 * len(sizes)) + "|")
    for pair in figures[sizes[0]]:
        cells = [figures[size][pair] for size in sizes]
        text = " | ".join(f"{c['seconds']:.1f} s | {c['peak_mb']:.0f} MB | {c['rows']:,}" for c in cells)
        print(f"| {pair} | {text} |")
    print(flush=True)


if __name__ == "__main__":
    main()
