"""Exports that run in the background: a request becomes an ExportJob, the worker makes its file with the
requester's permissions as they are then (`make_file`, the job's work), and the page polls the job for its
progress, its file or why it failed. The file is kept with Django's storage and served only to those
allowed it, checked again at every download."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files import File

from review.constants import Role
from review.exports import Exporter, ExportError, exporters, get_exporter
from review.exports.tables import write_tables
from review.models import ExportJob, Review
from review.rules import membership_for

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
    job.enqueue()
    return job


def may_open(job: ExportJob, user) -> bool:
    """The requester always (the review's membership is checked before this); for anyone else, only an
    export that is the same for every member allowed it, and only if their role allows it."""
    if job.requested_by_id == user.pk:
        return True
    if job.personal:
        return False
    exporter = exporters().get(job.kind)
    return exporter is not None and user.has_perm(exporter.perm, job.review)


def download_refusal(job: ExportJob, user) -> str:
    """Why `user`, who may open the job, may not download its file now; empty when they may. A personal
    file holds what its requester could see when it was made: once they lost a role they had then, it
    could show them more than they may see now."""
    exporter = exporters().get(job.kind)
    if exporter is None or not user.has_perm(exporter.perm, job.review):
        return "Your role in this review no longer allows this export."
    if job.personal:
        membership = membership_for(user, job.review)
        if membership is None or not set(job.made_for_roles) <= set(_roles(membership)):
            return (
                "Your role in this review changed since this file was made, so it is no longer served; "
                "ask for the export again."
            )
    return ""


def _roles(membership) -> list[str]:
    return [role for role in membership.roles if role != Role.VIEWER]


def make_file(job: ExportJob) -> None:
    """The export job's work: the file, computed for the requester as they are now. Someone who left the
    team, or whose role no longer allows this export, gets nothing."""
    exporter = get_exporter(job.kind)
    user = job.requested_by
    membership = None if user is None or not user.is_active else membership_for(user, job.review)
    if membership is None:
        raise ExportError("The person who asked for this export is no longer a member of this review.")
    if not user.has_perm(exporter.perm, job.review):
        raise ExportError("Your role in this review no longer allows this export.")
    file_name = f"{job.review.slug}-{exporter.file_stem}.{job.file_format}"
    with tempfile.TemporaryFile() as out:
        if exporter.write_file:
            rows = exporter.write_file(review=job.review, out=out, progress=job.report)
        else:
            rows = _write_exporter_tables(exporter, job, user, out)
        size = out.tell()
        out.seek(0)
        job.file.save(file_name, File(out), save=False)
    job.finish(
        row_count=rows, file=job.file, file_name=file_name, file_size=size, made_for_roles=_roles(membership)
    )


def _write_exporter_tables(exporter: Exporter, job: ExportJob, user, out) -> int:
    tables = exporter.tables(review=job.review, user=user, progress=job.report)
    if any(table.requester not in (None, user) for table in tables):
        raise ValueError(f"{job.kind} gave a table computed for someone else")
    attachments = []
    if exporter.attachments and job.file_format == "zip":
        attachments = exporter.attachments(review=job.review, user=user)
    return write_tables(
        out=out, file_format=job.file_format, tables=tables, progress=job.report, attachments=attachments
    )


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
