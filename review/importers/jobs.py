"""Imports that run in the background: an upload becomes an ImportJob, the worker runs it (`import_file`,
the job's work), and the upload page polls the job for its progress, its result or why it failed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import transaction

from review.constants import ImportFormat, JobStatus, OtherMethod
from review.importers import ImportFormatError, ImportResult, import_search_file
from review.importers.common import stored_name
from review.jobs import JobFailed
from review.models import ImportJob, Review


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
    other_method: str = OtherMethod.CITATION,
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
        other_method=other_method,
        date_searched=date_searched,
        query=query,
        file_format=file_format,
        status=JobStatus.NEEDS_MAPPING if needs_mapping else JobStatus.QUEUED,
        stage="Waiting for the column mapping" if needs_mapping else "Waiting for the worker",
    )
    job.file.save(stored_name(job.file_name), upload, save=False)
    job.save()
    if not needs_mapping:
        job.enqueue()
    return job


@transaction.atomic
def set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.NEEDS_MAPPING:
        raise ImportFormatError(f"{job.file_name}: this import has already started.")
    job.column_mapping = mapping
    job.status = JobStatus.QUEUED
    job.stage = "Waiting for the worker"
    job.save(update_fields=["column_mapping", "status", "stage"])
    job.enqueue()
    return job


def import_file(job: ImportJob) -> None:
    """The import job's work. The job ends done in the import's own transaction: a worker killed before
    its commit leaves neither records nor a finished job, and the sweep then fails the job."""

    def finish(result: ImportResult) -> None:
        job.finish(
            search=result.search,
            parsed=result.parsed,
            imported=result.imported,
            duplicates_merged=result.duplicates_merged,
            duplicates_queued=result.duplicates_queued,
        )

    try:
        import_search_file(
            review=job.review,
            data=job.file,
            file_name=job.file_name,
            source_name=job.source_name,
            kind=job.kind,
            other_method=job.other_method,
            user=job.created_by,
            date_searched=job.date_searched,
            query=job.query,
            file_format=job.file_format,
            column_mapping=job.column_mapping or None,
            progress=job.report,
            progress_aside=job.report_aside,
            on_saved=finish,
        )
    except ImportFormatError as error:
        raise JobFailed(str(error)) from error
