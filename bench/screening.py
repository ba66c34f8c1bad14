"""Benchmark: "vote and load the next record" on a review of 100,000 records.

Builds its own review (100,000 records, N = 2 reviewers per record, ten reviewer accounts), starts a real
server (gunicorn) and measures the vote request that answers with the next record, with 1 and with 10
reviewers voting at once, and a bare Django view on the same server as the floor. Prints p50, p95, p99.

    .venv/bin/python bench/screening.py                                   # SQLite
    DATABASE_URL=postgres://app@127.0.0.1:55442/postgres .venv/bin/python bench/screening.py
    options: --records 100000 --votes 200 --workers 4 --threads 4 --late 0.6

It measures twice: on the fresh review, and "late in the review", when the given share of the records has
already been screened by pairs of reviewers (the queue must then skip what is settled behind and ahead).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calibrate import python_speed  # noqa: E402

WORDS = [
    "ketamine",
    "depression",
    "randomised",
    "trial",
    "naltrexone",
    "opioid",
    "serotonin",
    "receptor",
    "placebo",
    "crossover",
    "adults",
    "response",
    "remission",
    "glutamate",
    "cohort",
    "rats",
    "mice",
    "anxiety",
    "sleep",
    "cortex",
    "infusion",
    "dose",
    "outcome",
    "scale",
]


class CpuMeter:
    """CPU seconds spent by the app server (gunicorn and its workers), a local PostgreSQL server (all its
    processes) and this load generator: with every process on the same cores, the figures say where the
    time of a request goes."""

    def __init__(self, server_pid: int):
        import psutil

        self.psutil, self.server = psutil, psutil.Process(server_pid)

    def _cpu(self, processes) -> dict[int, float]:
        seconds = {}
        for process in processes:
            try:
                times = process.cpu_times()
            except self.psutil.Error:  # a process that ended between listing and reading
                continue
            seconds[process.pid] = times.user + times.system
        return seconds

    def read(self) -> tuple[dict[int, float], ...]:
        app = self._cpu([self.server, *self.server.children(recursive=True)])
        database = self._cpu(p for p in self.psutil.process_iter(["name"]) if p.info["name"] == "postgres")
        return app, database, self._cpu([self.psutil.Process()])

    @staticmethod
    def spent(start: dict[int, float], end: dict[int, float]) -> float:
        """CPU seconds between two readings by the processes alive at the end (a database connection
        closed in between takes its last seconds with it: a small undercount)."""
        return sum(seconds - start.get(pid, 0.0) for pid, seconds in end.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, *, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn serving the project on `port`, returned once it accepts connections."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server


def prepare_database(args, base_env: dict | None = None) -> tuple[dict, callable]:
    """A fresh database of our own: a temporary SQLite file, or a new PostgreSQL database (on the server in
    `base_env`'s DATABASE_URL, by default this process's)."""
    base_env = os.environ if base_env is None else base_env
    env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "ERROR",
    }
    var_dir = tempfile.mkdtemp(prefix="concord-bench-")
    env["VAR_DIR"] = var_dir
    cleanup = [lambda: shutil.rmtree(var_dir, ignore_errors=True)]
    base = base_env.get("DATABASE_URL")
    if base:
        import psycopg

        name = f"concord_bench_{os.getpid()}_{Path(var_dir).name.rsplit('-', 1)[-1].lower()}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + name

        def drop():
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        cleanup.append(drop)
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return env, lambda: [c() for c in reversed(cleanup)]


def settle_records(share: float) -> int:
    """Votes from pairs of the bench reviewers on the first `share` of the records (those not voted on
    yet), with the decision each pair reaches: the state of a review well under way."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from bench.common import screened_in_bulk
    from review.models import Record, Review
    from screening import tallies
    from screening.models import ScreeningDecision

    review = Review.objects.get(slug="bench")
    users = list(get_user_model().objects.filter(username__startswith="bench-reviewer-").order_by("pk"))[:10]
    ids = list(Record.objects.filter(review=review).order_by("pk").values_list("pk", flat=True))
    ids = ids[: int(len(ids) * share)]
    taken = set(ScreeningDecision.objects.filter(record_id__in=ids).values_list("record_id", flat=True))
    rng = random.Random(2)
    now = timezone.now()
    settled = 0
    for start in range(0, len(ids), 5000):
        chunk = [pk for pk in ids[start : start + 5000] if pk not in taken]
        pairs = [(users[i % 10], users[(i + 1) % 10]) for i in range(len(chunk))]
        verdicts = [
            (rng.choice(["include", "exclude"]), rng.choice(["include", "exclude", "exclude"])) for _ in chunk
        ]
        screened_in_bulk(
            review,
            (
                (pk, tuple(zip(pair, vs, strict=True)))
                for pk, pair, vs in zip(chunk, pairs, verdicts, strict=True)
            ),
            when=now,
        )
        settled += len(chunk)
    # The votes went in bulk, around screening.services: count them as the services would have.
    tallies.recount(review)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a change this size
    return settled


def build_review(env: dict, records: int, reviewers: int) -> tuple[str, list[str]]:
    """The review, its team and its records, in this process; returns the slug and one session per reviewer."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from review import services
    from review.models import Record

    User = get_user_model()
    owner = User.objects.create_user("bench-owner")
    review = services.create_review(
        slug="bench",
        title="Benchmark review",
        owner=owner,
        inclusion_keywords="ketamine\nrandomised",
        exclusion_keywords="rats\nmice",
    )
    rng = random.Random(1)
    started = time.perf_counter()
    batch = []
    for i in range(records):
        batch.append(
            Record(
                review=review,
                title=" ".join(rng.choices(WORDS, k=12)).capitalize(),
                abstract=" ".join(rng.choices(WORDS, k=220)),
                authors=[f"Author{i}, A", "Second, B"],
                year=2000 + i % 25,
                journal="Journal of Benchmarks",
                doi=f"10.5555/bench.{i}",
            )
        )
        if len(batch) == 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)
    print(f"built {records:,} records in {time.perf_counter() - started:.1f} s", flush=True)
    sessions = []
    for n in range(reviewers):
        user = User.objects.create_user(f"bench-reviewer-{n}")
        services.add_member(review=review, user=user, role="reviewer")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    first_id = Record.objects.filter(review=review).order_by("pk").values_list("pk", flat=True).first()
    return review.slug, sessions, first_id


class Reviewer:
    """One reviewer's browser: a kept-alive connection, the session and CSRF cookies."""

    def __init__(self, port: int, slug: str, session: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.slug, self.session, self.csrf = slug, session, ""

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        cookie = f"sessionid={self.session}" + (f"; csrftoken={self.csrf}" if self.csrf else "")
        all_headers = {"Cookie": cookie, "Host": "127.0.0.1", **(headers or {})}
        self.conn.request(method, path, body=body, headers=all_headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                self.csrf = value.split("=", 1)[1].split(";", 1)[0]
        return response.status, text

    def open_queue(self, after: int) -> int:
        status, html = self.request("GET", f"/reviews/{self.slug}/screening/title_abstract/?after={after}")
        assert status == 200, (status, html[:500])
        return current_record(html)

    def vote(self, record_id: int) -> int:
        status, html = self.request(
            "POST",
            f"/reviews/{self.slug}/screening/title_abstract/{record_id}/vote/",
            body=f"verdict={random.choice(['include', 'exclude', 'maybe'])}&note=",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.csrf,
                "HX-Request": "true",
                "Referer": "http://127.0.0.1/",
            },
        )
        assert status == 200 and "error" not in html.split("<template")[0][:400], (status, html[:800])
        return current_record(html)


def current_record(html: str) -> int:
    match = re.search(r'class="screen-panel[^"]*" data-record="(\d+)"', html)
    assert match, html[:800]
    return int(match.group(1))


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms   (n={len(samples)})"


def run(
    concurrency: int,
    votes: int,
    port: int,
    slug: str,
    sessions: list[str],
    first_id: int,
    floor: bool,
    spread: int,
    meter: CpuMeter | None = None,
    pace: float = 0.0,
) -> tuple[list[float], tuple[float, ...]]:
    """Each reviewer opens their queue, then all vote (or call the floor) `votes` times at once: back to
    back, or with `pace` seconds between one reviewer's votes on average (reading time). Returns the
    latencies and the CPU used by each party while they did (opening the queues excluded)."""
    samples: list[float] = []
    lock = threading.Lock()
    readings = []
    barrier = threading.Barrier(concurrency, action=lambda: readings.append(meter.read() if meter else ()))

    def one(n: int):
        rng = random.Random(n)
        reviewer = Reviewer(port, slug, sessions[n])
        # Each reviewer starts in a different part of the review, as a team splitting the work would.
        record = reviewer.open_queue(after=first_id + n * spread)
        mine = []
        barrier.wait()
        for _ in range(votes):
            started = time.perf_counter()
            if floor:
                status, _ = reviewer.request("GET", "/bench/floor/")
                assert status == 200
            else:
                record = reviewer.vote(record)
            mine.append(time.perf_counter() - started)
            if pace:
                time.sleep(rng.uniform(0.5, 1.5) * pace)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if meter:
        readings.append(meter.read())
        return samples, tuple(CpuMeter.spent(s, e) / len(samples) for s, e in zip(*readings, strict=True))
    return samples, ()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def measure_round(
    title: str, args, port: int, slug: str, sessions: list[str], first_id: int, spread: int, meter
):
    print(f"{title}:")
    for concurrency in (1, 10):
        floor, floor_cpu = run(
            concurrency, args.votes, port, slug, sessions, first_id, floor=True, spread=spread, meter=meter
        )
        votes, votes_cpu = run(
            concurrency,
            args.votes,
            port,
            slug,
            sessions,
            first_id + concurrency * 7,
            floor=False,
            spread=spread,
            meter=meter,
        )
        print(f"  {concurrency:2d} reviewer(s)  vote + next   {percentiles(votes)}")
        print(f"  {concurrency:2d} reviewer(s)  bare view     {percentiles(floor)}")
        print(f"  {concurrency:2d} reviewer(s)  p95 ratio to the floor: {p95(votes) / p95(floor):.1f}x")
        for label, (app, database, client) in (("vote + next", votes_cpu), ("bare view", floor_cpu)):
            print(
                f"  {concurrency:2d} reviewer(s)  CPU per request, {label}: app server {app * 1000:.1f} ms, "
                f"database {database * 1000:.1f} ms, load generator {client * 1000:.1f} ms"
            )


def measure_paced(title: str, args, port: int, slug: str, sessions: list[str], first_id: int, spread: int):
    """Ten reviewers at a brisk reading pace rather than back to back: what a team actually sends."""
    votes, _ = run(
        10, args.paced_votes, port, slug, sessions, first_id, floor=False, spread=spread, pace=args.pace
    )
    print(f"  10 reviewer(s)  vote + next, one vote per {args.pace:g} s each   {percentiles(votes)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=200, help="votes per reviewer per run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--pace", type=float, default=1.0, help="seconds between a reviewer's votes, paced run"
    )
    parser.add_argument("--paced-votes", type=int, default=40, help="votes per reviewer, paced run")
    parser.add_argument(
        "--late", type=float, default=0.6, help="share of records already screened in the second round"
    )
    args = parser.parse_args()
    env, cleanup = prepare_database(args)
    server = None
    try:
        slug, sessions, first_id = build_review(env, args.records, reviewers=11)
        port = free_port()
        server = start_server(env, port, workers=args.workers, threads=args.threads)
        vendor = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
        print(python_speed())
        print(
            f"{vendor}, {args.records:,} records, N = 2, gunicorn {args.workers} workers x {args.threads} threads"
        )
        spread = args.records // 12
        # Warm up every worker and connection.
        run(4, 10, port, slug, sessions[10:11] * 4, first_id, floor=True, spread=spread)
        meter = CpuMeter(server.pid)
        measure_round("fresh review", args, port, slug, sessions, first_id, spread, meter)
        measure_paced("fresh review", args, port, slug, sessions, first_id + 50, spread)
        if args.late:
            started = time.perf_counter()
            settled = settle_records(args.late)
            print(
                f"settled {settled:,} records ({args.late:.0%} of the review) in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            late_first = first_id + int(args.records * args.late)
            late_spread = (args.records - int(args.records * args.late)) // 12
            measure_round("late in the review", args, port, slug, sessions, late_first, late_spread, meter)
            measure_paced("late in the review", args, port, slug, sessions, late_first + 50, late_spread)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        cleanup()


if __name__ == "__main__":
    main()
