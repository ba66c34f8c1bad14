"""The background-job base: the heartbeat, the sweep of jobs whose worker died, pages that say so without
writing, asking again, and an import whose end commits with its records."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review.constants import JobStatus
from review.importers.jobs import create_job
from review.models import ExportJob, ImportJob, Record, Search

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"


def uploaded(review, user, file_name: str, data: bytes, file_format: str) -> ImportJob:
    return create_job(
        review=review,
        user=user,
        upload=ContentFile(data),
        file_name=file_name,
        source_name="PubMed",
        kind="database",
        date_searched=None,
        query="",
        file_format=file_format,
    )


@pytest.fixture
def import_job(review, reviewer, export_media):
    return uploaded(review, reviewer, "pubmed.nbib", (SAMPLES / "pubmed.nbib").read_bytes(), "medline")


def running(job, *, silent_for: timedelta):
    """The job as a worker left it when it died `silent_for` ago, halfway through."""
    beat = timezone.now() - silent_for
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, stage="Halfway", progress=50, started_at=beat, heartbeat_at=beat
    )
    job.refresh_from_db()
    return job


def test_the_sweep_fails_a_running_job_whose_worker_died_and_spares_a_live_one(
    review, reviewer, import_job, settings
):
    settings.JOB_STALE_AFTER_SECONDS = 120
    dead_import = running(import_job, silent_for=timedelta(minutes=3))
    dead_export = running(
        ExportJob.objects.create(
            review=review, requested_by=reviewer, kind="screening.votes", file_format="csv"
        ),
        silent_for=timedelta(minutes=10),
    )
    alive = running(
        ExportJob.objects.create(
            review=review, requested_by=reviewer, kind="screening.votes", file_format="csv"
        ),
        silent_for=timedelta(seconds=30),
    )
    queued = ExportJob.objects.create(
        review=review, requested_by=reviewer, kind="screening.votes", file_format="xlsx"
    )

    out = StringIO()
    call_command("worker", "--sweep-only", stdout=out)
    assert out.getvalue().strip() == "Failed 2 jobs whose worker died."

    for job in (dead_import, dead_export, alive, queued):
        job.refresh_from_db()
    assert (dead_import.status, dead_import.stage, dead_import.worker_failed) == (
        JobStatus.FAILED,
        "Failed: nothing was imported",
        True,
    )
    assert dead_import.error == (
        "The import of pubmed.nbib did not finish: the worker running it stopped "
        "(no sign of life for over 2 minutes). Ask again to run it once more."
    )
    assert dead_import.finished_at is not None and dead_import.progress == 50
    assert (dead_export.status, dead_export.stage) == (JobStatus.FAILED, "Failed")
    assert dead_export.error.startswith("The export did not finish: the worker running it stopped")
    assert (alive.status, queued.status) == (JobStatus.RUNNING, JobStatus.QUEUED)
    assert ExportJob.objects.filter(status=JobStatus.FAILED).count() == 1  # swept once, not again
    call_command("worker", "--sweep-only", stdout=out)
    assert "Failed 0 jobs" in out.getvalue()


def test_a_job_page_says_at_once_that_the_worker_died_and_writes_nothing(
    review, reviewer, import_job, client_for, settings
):
    settings.JOB_STALE_AFTER_SECONDS = 120
    client = client_for(reviewer)
    url = reverse("review:import_job", args=[review.slug, import_job.pk])
    running(import_job, silent_for=timedelta(seconds=30))
    page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and "did not finish" not in page

    running(import_job, silent_for=timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert not [q for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert "The import of pubmed.nbib did not finish: the worker running it stopped" in page
    assert "hx-trigger" not in page  # nothing more will come: the page stops polling
    assert "Ask again" in page
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.RUNNING  # the sweep writes it down, not the page


def test_an_import_whose_worker_died_is_asked_again_and_runs(
    review, reviewer, viewer, import_job, client_for, settings
):
    running(import_job, silent_for=timedelta(hours=1))
    call_command("worker", "--sweep-only", stdout=StringIO())
    again = reverse("review:import_again", args=[review.slug, import_job.pk])
    assert client_for(viewer).post(again).status_code == 403

    client = client_for(reviewer)
    page = client.get(reverse("review:import_job", args=[review.slug, import_job.pk])).content.decode()
    assert "did not finish" in page and "Nothing from this file was imported." in page and "Ask again" in page
    response = client.post(again)
    assert response["Location"] == reverse("review:import_job", args=[review.slug, import_job.pk])
    import_job.refresh_from_db()
    assert (import_job.status, import_job.progress, import_job.error, import_job.worker_failed) == (
        JobStatus.QUEUED,
        0,
        "",
        False,
    )
    assert ImportJob.run(import_job.pk)["status"] == JobStatus.DONE
    assert Record.objects.filter(review=review).count() == 2

    # A file that is wrong fails the same way however often it is run: it is not offered again.
    bad = uploaded(review, reviewer, "cut.ris", b"TY  - JOUR\nTI  - Cut\n", "ris")
    ImportJob.run(bad.pk)
    page = client.get(reverse("review:import_job", args=[review.slug, bad.pk])).content.decode()
    assert "cut.ris" in page and "Ask again" not in page
    response = client.post(reverse("review:import_again", args=[review.slug, bad.pk]), follow=True)
    assert "Only an import whose worker stopped or crashed can be asked again." in response.content.decode()
    bad.refresh_from_db()
    assert bad.status == JobStatus.FAILED


def test_an_import_ends_in_the_transaction_of_its_records(review, import_job, monkeypatch):
    """A worker killed between writing the records and committing leaves neither the records nor a
    finished job (before, all the records were in and the job said 50% for ever)."""

    class Killed(BaseException):
        """What the worker's process sees of SIGKILL: nothing after this point runs."""

    finish = ImportJob.finish

    def finish_then_die(job, **results):
        finish(job, **results)
        assert Record.objects.filter(review=review).count() == 2  # the records are written, uncommitted
        raise Killed

    monkeypatch.setattr(ImportJob, "finish", finish_then_die)
    with pytest.raises(Killed):
        ImportJob.run(import_job.pk)
    import_job.refresh_from_db()
    assert (import_job.status, import_job.progress) == (JobStatus.RUNNING, 5)  # as told before saving
    assert not Record.objects.filter(review=review).exists() and not Search.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_while_a_long_step_reports_nothing(review, reviewer, settings, monkeypatch):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    beats = []

    def quiet_export(*, review, user, progress):
        claimed = ExportJob.objects.get().heartbeat_at
        time.sleep(0.5)
        beats.append((claimed, ExportJob.objects.get().heartbeat_at))
        return []

    from screening import exports

    monkeypatch.setattr(exports, "votes_tables", quiet_export)
    job = ExportJob.objects.create(
        review=review, requested_by=reviewer, kind="screening.votes", file_format="xlsx"
    )
    assert ExportJob.run(job.pk)["status"] == JobStatus.DONE
    [(claimed, later)] = beats
    assert later > claimed


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="on SQLite a report aside waits for a beat")
def test_progress_told_aside_is_written_by_the_heartbeat_and_never_over_the_end(
    review, reviewer, settings, monkeypatch
):
    """A step whose connection is busy (an import's transaction, written to from another thread) tells
    its progress aside: the heartbeat's own connection writes it at once, not at the next beat, and a
    report arriving late never writes over the finished job."""
    settings.JOB_HEARTBEAT_SECONDS = 60  # no timed beat during the test: only the report wakes it
    seen = []

    def export_telling_aside(*, review, user, progress):
        job, running = ExportJob.objects.get(), progress.__self__  # the worker's own instance
        running.report_aside("Half-way through the votes", 50)
        for _ in range(100):  # written by the other thread, with its own connection
            job.refresh_from_db()
            if job.progress == 50:
                break
            time.sleep(0.02)
        seen.append((job.stage, job.progress))
        running.report_aside("Told after the end", 99)  # arrives as the job finishes
        return []

    from screening import exports

    monkeypatch.setattr(exports, "votes_tables", export_telling_aside)
    job = ExportJob.objects.create(
        review=review, requested_by=reviewer, kind="screening.votes", file_format="xlsx"
    )
    assert ExportJob.run(job.pk)["status"] == JobStatus.DONE
    assert seen == [("Half-way through the votes", 50)]
    job.refresh_from_db()
    assert (job.status, job.stage, job.progress) == (JobStatus.DONE, ExportJob.done_stage, 100)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets nobody write during a transaction")
def test_an_import_tells_its_progress_while_its_transaction_is_open(import_job, monkeypatch):
    """The import reads the file while it stores the records, inside one transaction: its progress still
    reaches the page through the heartbeat's connection."""
    import review.importers as importers

    seen = []
    find_duplicates = importers.find_duplicates

    def watched(*args, **kwargs):  # runs inside the import's transaction, once the file is read
        other = connections.create_connection("default")  # another session's view of the job
        try:
            for _ in range(100):
                with other.cursor() as cursor:
                    cursor.execute("SELECT stage FROM review_importjob WHERE id = %s", [import_job.pk])
                    stage = cursor.fetchone()[0]
                if stage.startswith("Read 2 records"):
                    break
                time.sleep(0.02)
            seen.append(stage)
        finally:
            other.close()
        return find_duplicates(*args, **kwargs)

    monkeypatch.setattr(importers, "find_duplicates", watched)
    assert ImportJob.run(import_job.pk)["status"] == JobStatus.DONE
    assert seen == ["Read 2 records; matching duplicates and saving"]
