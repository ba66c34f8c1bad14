"""Imports that run in the background: an upload becomes an ImportJob, the worker runs it, and the
upload page polls the job for its progress, its result or why it failed."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from review.constants import ImportFormat, ImportStatus
from review.importers import ImportFormatError, import_search_file
from review.importers.common import stored_name
from review.models import ImportJob, Review

logger = logging.getLogger(__name__)


def create_job(
    *,
    review: Review,
    user,
    upload: File,
    file_name: str,
    source_name: str,
    kind: str,
    date_searched: date | None,
    query: str,
    file_format: str,
) -> ImportJob:
    """Keep the upload as a job. A CSV waits for its column mapping; anything else is queued at once.
    The upload is stored once (an upload Django streamed to a temporary file is moved, not read), and
    the Search the job makes keeps that same file."""
    needs_mapping = file_format == ImportFormat.CSV
    job = ImportJob(
        review=review,
        created_by=user,
        file_name=Path(file_name).name,
        source_name=source_name,
        kind=kind,
        date_searched=date_searched,
        query=query,
        file_format=file_format,
        status=ImportStatus.NEEDS_MAPPING if needs_mapping else ImportStatus.QUEUED,
        stage="Waiting for the column mapping" if needs_mapping else "Waiting for the worker",
    )
    job.file.save(stored_name(job.file_name), upload, save=False)
    job.save()
    if not needs_mapping:
        enqueue(job)
    return job


@transaction.atomic
def set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.NEEDS_MAPPING:
        raise ImportFormatError(f"{job.file_name}: this import has already started.")
    job.column_mapping = mapping
    job.status = ImportStatus.QUEUED
    job.stage = "Waiting for the worker"
    job.save(update_fields=["column_mapping", "status", "stage"])
    enqueue(job)
    return job


def enqueue(job: ImportJob) -> None:
    def send() -> None:
        from review.tasks import run_import_job

        result = run_import_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

    # The worker must see the job row, so the task is sent only once it is committed.
    transaction.on_commit(send)


def run_job(*, job_id: int) -> dict:
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, stage="Starting", progress=1
    )
    job = ImportJob.objects.select_related("review", "created_by").get(pk=job_id)
    if not claimed:
        return {"skipped": f"job {job_id} was {job.status}"}

    def progress(stage: str, percent: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(stage=stage, progress=percent)

    try:
        result = import_search_file(
            review=job.review,
            data=job.file,
            file_name=job.file_name,
            source_name=job.source_name,
            kind=job.kind,
            user=job.created_by,
            date_searched=job.date_searched,
            query=job.query,
            file_format=job.file_format,
            column_mapping=job.column_mapping or None,
            progress=progress,
        )
    except ImportFormatError as error:
        job.status, job.errors, job.stage = ImportStatus.FAILED, [str(error)], "Failed: nothing was imported"
    except Exception as error:  # the page must say why, whatever went wrong
        logger.exception("Import job %s failed", job_id)
        job.status, job.stage = ImportStatus.FAILED, "Failed: nothing was imported"
        job.errors = [f"{job.file_name}: the import stopped unexpectedly ({type(error).__name__}: {error})."]
    else:
        job.status, job.stage, job.progress = ImportStatus.DONE, "Done", 100
        job.search = result.search
        job.parsed, job.imported = result.parsed, result.imported
        job.duplicates_merged, job.duplicates_queued = result.duplicates_merged, result.duplicates_queued
    job.finished_at = timezone.now()
    job.save()
    return {"status": job.status, "errors": job.errors, "imported": job.imported}
