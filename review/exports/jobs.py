"""Exports that run in the background: a request becomes an ExportJob, the worker runs it with the
requester's permissions as they are then, and the page polls the job for its progress, its file or why it
failed. The file is kept with Django's storage and served only to those allowed it."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from review.constants import ExportStatus
from review.exports import Exporter, ExportError, exporters, get_exporter
from review.models import ExportJob, Review
from review.rules import membership_for

logger = logging.getLogger(__name__)

RECENT_EXPORTS = 8


def start_export(*, review: Review, user, kind: str, file_format: str) -> ExportJob:
    """Queue an export for `user`. Raises ExportError for an unknown export or format, PermissionDenied
    when the user's role does not allow it."""
    exporter = get_exporter(kind)
    if file_format not in exporter.formats:
        raise ExportError(
            f"“{exporter.label}” is exported as {' or '.join(f.upper() for f in exporter.formats)}, "
            f"not “{file_format}”."
        )
    if not user.has_perm(exporter.perm, review):
        raise PermissionDenied("Your role in this review does not allow this export.")
    job = ExportJob.objects.create(
        review=review,
        requested_by=user,
        kind=kind,
        file_format=file_format,
        personal=exporter.personal,
        stage="Waiting for the worker",
    )
    enqueue(job)
    return job


def enqueue(job: ExportJob) -> None:
    def send() -> None:
        from review.tasks import run_export_job

        result = run_export_job.enqueue(job.pk)
        ExportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

    # The worker must see the job row, so the task is sent only once it is committed.
    transaction.on_commit(send)


def may_download(job: ExportJob, user) -> bool:
    """The requester always (the review's membership is checked before this); for anyone else, only an
    export that is the same for every member allowed it, and only if their role allows it."""
    if job.requested_by_id == user.pk:
        return True
    if job.personal:
        return False
    exporter = exporters().get(job.kind)
    return exporter is not None and user.has_perm(exporter.perm, job.review)


def run_job(*, job_id: int) -> dict:
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, stage="Starting", progress=1, started_at=timezone.now()
    )
    job = ExportJob.objects.select_related("review", "requested_by").get(pk=job_id)
    if not claimed:
        return {"skipped": f"export {job_id} was {job.status}"}

    def progress(stage: str, percent: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(stage=stage[:200], progress=percent)

    try:
        exporter = get_exporter(job.kind)
        _check_still_allowed(job, exporter)
        job.file_name = f"{job.review.slug}-{exporter.file_stem}.{job.file_format}"
        with tempfile.TemporaryFile() as out:
            job.row_count = exporter.write(
                review=job.review,
                user=job.requested_by,
                file_format=job.file_format,
                out=out,
                progress=progress,
            )
            job.file_size = out.tell()
            out.seek(0)
            job.file.save(job.file_name, File(out), save=False)
    except ExportError as error:
        job.status, job.stage, job.error = ExportStatus.FAILED, "Failed", str(error)
    except Exception as error:  # the page must say why, whatever went wrong
        logger.exception("Export job %s failed", job_id)
        job.status, job.stage = ExportStatus.FAILED, "Failed"
        job.error = f"The export stopped unexpectedly ({type(error).__name__}: {error})."
    else:
        job.status, job.stage, job.progress = ExportStatus.DONE, "Ready", 100
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "stage",
            "progress",
            "error",
            "row_count",
            "file",
            "file_name",
            "file_size",
            "finished_at",
        ]
    )
    return {"status": job.status, "error": job.error, "rows": job.row_count}


def _check_still_allowed(job: ExportJob, exporter: Exporter) -> None:
    # The file is computed for the requester as they are now: someone who left the team, or whose role no
    # longer allows this export, gets nothing.
    user = job.requested_by
    if user is None or not user.is_active or membership_for(user, job.review) is None:
        raise ExportError("The person who asked for this export is no longer a member of this review.")
    if not user.has_perm(exporter.perm, job.review):
        raise ExportError("Your role in this review no longer allows this export.")


@dataclass
class ExportPanel:
    """The export buttons of a page and the user's recent exports of those kinds."""

    exporters: list[Exporter]
    jobs: list[ExportJob]


def export_panel(*, review: Review, user, kinds: list[str] | None = None) -> ExportPanel:
    offered = [
        e
        for e in exporters().values()
        if (kinds is None or e.kind in kinds) and user.has_perm(e.perm, review)
    ]
    jobs = list(
        ExportJob.objects.for_review(review)
        .requested_by(user)
        .filter(kind__in=[e.kind for e in offered])
        .order_by("-created_at", "-id")[:RECENT_EXPORTS]
    )
    return ExportPanel(exporters=offered, jobs=jobs)
