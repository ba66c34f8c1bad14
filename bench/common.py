"""What the in-process benchmarks share: Django set up on a throw-away database (SQLite in a temporary
folder unless DATABASE_URL names one), the review team they work in, and a timer that counts queries."""

from __future__ import annotations

import os
import sys
import tempfile
import time
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
