"""Background jobs: one abstract model and one life cycle for everything the worker runs (imports, exports
and the jobs to come). A job is asked for (queued, and sent to the worker once its row is committed),
claimed by exactly one worker, reports its progress (a stage in words and a percentage), and ends done, or
failed with a message for the person who asked.

While a job runs its worker beats: `heartbeat_at` moves with every progress report and every
JOB_HEARTBEAT_SECONDS besides. A worker that dies (killed, restarted, out of memory) leaves its job running
with an old heartbeat: pages say so as soon as they see it, and the sweep (`sweep_dead_jobs`, which
`manage.py worker` runs beside the worker) marks it failed after JOB_STALE_AFTER_SECONDS, so that it can be
asked again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import capfirst

from review.constants import JobStatus

logger = logging.getLogger(__name__)

FINISHED = (JobStatus.DONE, JobStatus.FAILED)
# What every end of a job writes, whatever else it records.
FINAL_FIELDS = ["status", "stage", "progress", "error", "worker_failed", "finished_at"]


class JobFailed(Exception):
    """Why a job cannot be done as asked, in words for the person who asked (shown on the job's page)."""


def job_status_field(*, running: str, done: str, before_queue: Sequence[JobStatus] = ()) -> models.CharField:
    """The status of a kind of job: the shared values, with "running" and "done" in the words of its pages
    ("Exporting", "Ready"). `before_queue`: states a job of this kind may be in before it is queued."""
    words = {JobStatus.RUNNING: running, JobStatus.DONE: done}
    states = (*before_queue, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED)
    return models.CharField(
        max_length=20,
        choices=[(state.value, words.get(state, state.label)) for state in states],
        default=JobStatus.QUEUED,
    )


def stale_before() -> datetime:
    """A running job with no sign of life since this moment has lost its worker."""
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


class BackgroundJob(models.Model):
    """What every background job has: its state, its progress, why it failed, and the worker's heartbeat.
    A kind of job subclasses it with what was asked and what came of it, and names its `work`."""

    status = job_status_field(running=JobStatus.RUNNING.label, done=JobStatus.DONE.label)
    stage = models.CharField(max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    error = models.TextField(blank=True, help_text="Why it failed, for the person who asked.")
    worker_failed = models.BooleanField(
        default=False,
        help_text="It failed through no fault of what was asked (its worker stopped or crashed), "
        "so asking again may work.",
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="The last sign of life of the worker running it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    # What a kind of job is called, and the dotted path of `work(job)`, which does the job and ends it
    # with `job.finish(...)` (inside its own transaction when its writes and its end must go together) or
    # raises JobFailed.
    noun: ClassVar[str] = "job"
    work: ClassVar[str] = ""
    done_stage: ClassVar[str] = "Done"
    failed_stage: ClassVar[str] = "Failed"
    run_related: ClassVar[tuple[str, ...]] = ()  # what `work` reads through foreign keys

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def what(self) -> str:
        """The job in a sentence: “the export”, “the import of embase.ris”."""
        return f"the {self.noun}"

    def summary(self) -> dict:
        """What the worker's task returns besides the status and the error."""
        return {}

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def seems_dead(self) -> bool:
        """Running with no sign of life for longer than JOB_STALE_AFTER_SECONDS: its worker has stopped.
        Pages say so at once; only the sweep writes it down."""
        last_sign = self.heartbeat_at or self.created_at
        return self.status == JobStatus.RUNNING and last_sign is not None and last_sign < stale_before()

    @property
    def can_ask_again(self) -> bool:
        """Whether `requeue` would take it, for pages offering "Ask again": its worker failed it or died."""
        return (self.status == JobStatus.FAILED and self.worker_failed) or self.seems_dead

    @property
    def in_progress(self) -> bool:
        """The page polls the job while this holds."""
        return not self.is_finished and not self.seems_dead

    @property
    def dead_worker_message(self) -> str:
        seconds = settings.JOB_STALE_AFTER_SECONDS
        quiet = f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"
        return (
            f"{capfirst(self.what)} did not finish: the worker running it stopped "
            f"(no sign of life for over {quiet}). Ask again to run it once more."
        )

    def enqueue(self) -> None:
        """Send the job to the worker once its row is committed: the worker must see it."""
        manager, label, pk = type(self)._default_manager, self._meta.label, self.pk

        def send() -> None:
            result = run_job.enqueue(label, pk)
            manager.filter(pk=pk, task_id="").update(task_id=str(result.id)[:64])

        transaction.on_commit(send)

    def report(self, stage: str, percent: int) -> None:
        """Progress as the job's page shows it; every report is also a heartbeat."""
        self.stage, self.progress = stage[:200], percent
        type(self)._default_manager.filter(pk=self.pk).update(
            stage=self.stage, progress=percent, heartbeat_at=timezone.now()
        )

    def report_aside(self, stage: str, percent: int) -> None:
        """Progress told while this thread may not use its connection (its writes belong to another
        thread, or to a transaction nobody else sees yet): the heartbeat's thread writes it at once with
        a connection of its own. On SQLite, which lets no other connection write while a transaction is
        open, and outside a running job (no heartbeat), it waits for the next beat or report."""
        self.stage, self.progress = stage[:200], percent
        news = getattr(self, "_progress_news", None)
        if news is not None and connection.vendor != "sqlite":
            news.set()

    def finish(self, **results) -> None:
        """Done: the results (fields of the job) and the final state in one write, inside the caller's
        transaction when it has one, so that a worker killed before its commit leaves neither."""
        for name, value in results.items():
            setattr(self, name, value)
        self.status, self.stage, self.progress = JobStatus.DONE, self.done_stage, 100
        self.error, self.worker_failed, self.finished_at = "", False, timezone.now()
        self.save(update_fields=[*FINAL_FIELDS, *results])

    def fail(self, message: str, *, worker_failed: bool = False) -> None:
        self.status, self.stage, self.error = JobStatus.FAILED, self.failed_stage, message
        self.worker_failed, self.finished_at = worker_failed, timezone.now()
        self.save(update_fields=FINAL_FIELDS)

    def requeue(self) -> bool:
        """Ask again for a job whose worker failed it (or has just died: the page has said so), keeping its
        request. False when it is not such a job, or was asked again already."""
        requeued = (
            type(self)
            ._default_manager.alias(last_sign=Coalesce("heartbeat_at", "created_at"))
            .filter(
                Q(status=JobStatus.FAILED, worker_failed=True)
                | Q(status=JobStatus.RUNNING, last_sign__lt=stale_before()),
                pk=self.pk,
            )
            .update(
                status=JobStatus.QUEUED,
                stage=JobStatus.QUEUED.label,
                progress=0,
                error="",
                worker_failed=False,
                task_id="",
                started_at=None,
                heartbeat_at=None,
                finished_at=None,
            )
        )
        if requeued:
            self.refresh_from_db()
            self.enqueue()
        return bool(requeued)

    @classmethod
    def run(cls, job_id: int) -> dict:
        """What the worker does with a job: claim it (one worker, once), do its work while beating, and
        record how it ended. Any error ends the job failed with a message; none reaches the worker."""
        now = timezone.now()
        claimed = cls._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, stage="Starting", progress=1, started_at=now, heartbeat_at=now
        )
        job = cls._default_manager.select_related(*cls.run_related).get(pk=job_id)
        if not claimed:
            return {"skipped": f"{cls.noun} {job_id} was {job.status}"}
        with _heartbeat(job):
            try:
                import_string(cls.work)(job)
                if not job.is_finished:
                    raise RuntimeError(f"{cls.work} returned without finishing the job")
            except JobFailed as error:
                job.fail(str(error))
            except Exception as error:  # the page must say why, whatever went wrong
                logger.exception("%s %s failed", capfirst(cls.noun), job_id)
                job.fail(
                    f"{capfirst(job.what)} stopped unexpectedly ({type(error).__name__}: {error}).",
                    worker_failed=True,
                )
        return {"status": job.status, "error": job.error, **job.summary()}


@task()
def run_job(model: str, job_id: int) -> dict:
    """The worker's one entry point for every kind of job; `model` is the job's model label."""
    return apps.get_model(model).run(job_id)


@contextmanager
def _heartbeat(job: BackgroundJob) -> Iterator[None]:
    """Beat every JOB_HEARTBEAT_SECONDS while the work runs, also through a long step that reports nothing
    (a large import's transaction): only a worker that died goes quiet. A beat also writes the progress
    last told aside (`report_aside`), and such a report wakes it at once."""
    stop, news = threading.Event(), threading.Event()
    job._progress_news = news

    def beat() -> None:
        beaten = False
        while True:
            news.wait(settings.JOB_HEARTBEAT_SECONDS)
            if stop.is_set():
                break
            news.clear()
            beaten = True
            try:
                # Only while it runs: a beat held up by SQLite's lock never writes over the job's end.
                type(job)._default_manager.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                    stage=job.stage, progress=job.progress, heartbeat_at=timezone.now()
                )
            except DatabaseError:
                # SQLite stays locked while a large import writes; the next beat will get through.
                logger.warning("No heartbeat for %s %s this time", job.noun, job.pk, exc_info=True)
        if beaten:
            connections.close_all()  # this thread's own connections

    beating = threading.Thread(target=beat, name=f"heartbeat of {job.noun} {job.pk}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        news.set()
        beating.join()
        job._progress_news = None


def job_models() -> list[type[BackgroundJob]]:
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


def sweep_dead_jobs() -> int:
    """Fail every job whose worker died (running, no sign of life for JOB_STALE_AFTER_SECONDS) with a
    message saying so; return how many. Each is failed only if it is still silent as it is written, so a
    worker that beats at the last moment keeps its job."""
    swept = 0
    for model in job_models():
        silent = model._default_manager.alias(last_sign=Coalesce("heartbeat_at", "created_at")).filter(
            status=JobStatus.RUNNING, last_sign__lt=stale_before()
        )
        for job in silent.order_by():
            swept += silent.filter(pk=job.pk).update(
                status=JobStatus.FAILED,
                stage=job.failed_stage,
                error=job.dead_worker_message,
                worker_failed=True,
                finished_at=timezone.now(),
            )
    return swept
