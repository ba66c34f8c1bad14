"""Background tasks of the review app (Django's `django.tasks`; the database backend needs no extra
server, and `manage.py db_worker` runs them)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import_job(job_id: int) -> dict:
    from review.importers.jobs import run_job

    return run_job(job_id=job_id)


@task()
def run_export_job(job_id: int) -> dict:
    from review.exports.jobs import run_job

    return run_job(job_id=job_id)
