"""Benchmark: does every page answer in the same time on a review of 10,000 and of 100,000 records?

For each database it builds one review per size, each in a database of its own (records in bulk, as the
importer writes them; two reviewers' votes and their decisions on the first 60% of the records, about
half of them conflicts), then `VACUUM ANALYZE` (the state autovacuum leaves a table in soon after a bulk
import). It then serves every size at once, one gunicorn each, and requests each page from the sizes in
turn, each request alternated with a bare Django view on the same server (the floor): every size sees
the machine in the same state, so a slower second half of the run cannot pass for growth. Prints p50 and
p95 per page and size, then the ratio of the largest size's figures to the smallest's. Then each export
job, made by the worker's code in a process of its own, one at a time: its wall time and the process's
peak memory (resident set), for each size.

    .venv/bin/python bench/pages.py                                       # SQLite
    DATABASE_URL=postgres://app@127.0.0.1:55432/postgres .venv/bin/python bench/pages.py   # both
    options: --sizes 10000,100000 --samples 100 --databases postgresql,sqlite --workers 4 --threads 4
             --exports screening.votes:csv,review.dataset:zip (kind:format pairs; "" for none)

A quick look: --sizes 2000,20000 --samples 20 takes a couple of minutes. Each review is built, and each
export made, in a process of its own (Django is set up once per process, for one database).
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
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


@dataclass
class Site:
    """One review size as the bench serves it: its database, its server, its members' connections."""

    size: int
    env: dict
    slug: str
    sessions: dict[str, str]
    record_id: int
    server: subprocess.Popen | None = None
    clients: dict[str, Reviewer] = field(default_factory=dict)

    def serve(self, args) -> None:
        port = free_port()
        self.server = start_server(self.env, port, workers=args.workers, threads=args.threads)
        self.clients = {who: Reviewer(port, self.slug, session) for who, session in self.sessions.items()}

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(10)
            self.server = None


def measure(sites: list[Site], samples: int) -> dict[int, dict[str, list[float]]]:
    """Latencies per size and page (and of the floor): the sizes take turns request by request, and each
    request of a page follows one of the floor on the same server."""
    results: dict[int, dict[str, list[float]]] = {site.size: {"bare view": []} for site in sites}
    plans = {site.size: pages(site.slug, site.record_id) for site in sites}
    for site in sites:  # warm every worker's code paths and connections
        for _, who, path, headers in plans[site.size]:
            for _ in range(3):
                timed(site.clients[who], "GET", path, headers=headers)
    for number, (label, who, _path, _headers) in enumerate(plans[sites[0].size]):
        for site in sites:
            results[site.size][label] = []
        for _ in range(samples):
            for site in sites:
                _, _, path, headers = plans[site.size][number]
                client, figures = site.clients[who], results[site.size]
                figures["bare view"].append(timed(client, "GET", "/bench/floor/")[0])
                figures[label].append(timed(client, "GET", path, headers=headers)[0])
    on_screen = {site.size: site.clients["reviewer"].open_queue(after=0) for site in sites}
    for site in sites:
        results[site.size]["vote and next"] = []
    for _ in range(samples):
        for site in sites:
            voter, figures = site.clients["reviewer"], results[site.size]
            figures["bare view"].append(timed(voter, "GET", "/bench/floor/")[0])
            started = time.perf_counter()
            on_screen[site.size] = voter.vote(on_screen[site.size])
            figures["vote and next"].append(time.perf_counter() - started)
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
    common.setup_django()
    from review.exports.jobs import make_file
    from review.models import ExportJob

    job = ExportJob.objects.get(pk=job_id)
    started = time.perf_counter()
    make_file(job)
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    peak_kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    print(seconds, peak_kb)


def build(size: int, args) -> None:
    """Child process: build one review on the database in DATABASE_URL (or SQLite), print JSON."""
    slug, reviewer_sessions, first_id = build_review(dict(os.environ), size, reviewers=11)
    started = time.perf_counter()
    settled = settle_records(args.voted)
    print(f"votes on {settled:,} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from django.db import connection

    from review import services
    from review.models import Membership

    adjudicator = Membership.objects.get(review__slug=slug, user__username="bench-reviewer-10")
    services.set_roles(membership=adjudicator, roles={"adjudicator"})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sessions = {"reviewer": reviewer_sessions[0], "adjudicator": reviewer_sessions[10]}
    print(json.dumps({"slug": slug, "sessions": sessions, "record_id": first_id + size // 2}))


def exports(args) -> None:
    """Child process: time the export jobs on the review built in DATABASE_URL (or SQLite), print JSON."""
    common.setup_django()
    print(json.dumps(measure_exports(dict(os.environ), "bench", args.exports)))


def child(env: dict, *arguments: str) -> dict:
    """Run this script in a process of its own with `env`; its last line of output, as JSON."""
    run = subprocess.run(
        [sys.executable, __file__, *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def run_database(database: str, sizes: list[int], args, env: dict) -> None:
    sites: list[Site] = []
    cleanups = []
    try:
        for size in sizes:
            print(f"{database}, {size:,} records: building…", flush=True)
            site_env, cleanup = prepare_database(args, env)
            cleanups.append(cleanup)
            built = child(site_env, "--build", str(size), *passed_on(args))
            sites.append(Site(size=size, env=site_env, **built))
        print(f"{database}: measuring every size in turn…", flush=True)
        for site in sites:
            site.serve(args)
        figures = measure(sites, args.samples)
        for site in sites:
            site.stop()
        for size, results in figures.items():
            print(f"  {size:,} records")
            for label, samples in results.items():
                print(f"  {label:26s} {percentiles(samples)}", flush=True)
        report(database, sizes, figures, args)
        if args.exports:
            made = {site.size: child(site.env, "--exports-only", *passed_on(args)) for site in sites}
            report_exports(database, sizes, made)
    finally:
        for site in sites:
            site.stop()
        for cleanup in reversed(cleanups):
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
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # a child process's review size
    parser.add_argument("--exports-only", action="store_true", help=argparse.SUPPRESS)  # a child's exports
    parser.add_argument("--make-export", type=int, help=argparse.SUPPRESS)  # a child process's export job
    args = parser.parse_args()
    if args.make_export:
        make_export(args.make_export)
        return
    if args.build:
        build(args.build, args)
        return
    if args.exports_only:
        exports(args)
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
        run_database(database, sizes, args, env)


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
