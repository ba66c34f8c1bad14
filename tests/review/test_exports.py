"""Exports as background jobs: asking (a POST), the job's life and progress, its failures in words, who
may open and download the file, and blinding computed for the requester when the job runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extraction import coding, versions
from extraction.definitions import library_template
from extraction.kinds import EXTRACTION
from review import services as review_services
from review.constants import JobStatus
from review.exports import Table
from review.models import ExportJob, Membership, Record
from tests.extraction.conftest import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def copies(review, owner, reviewer, reviewer2):
    versions.import_definition(
        kind=EXTRACTION, review=review, data=library_template("ketamine_depression"), user=owner, publish=True
    )
    record = Record.objects.create(review=review, title="A trial", authors=["Williams, N"], year=2018)
    study = review_services.ensure_study_for_report(record=record)
    return coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, reviewer2])


def ask(client, review, kind: str, file_format: str):
    return client.post(reverse("review:exports", args=[review.slug]), {"kind": kind, "format": file_format})


def made(client, review, kind: str, file_format: str) -> ExportJob:
    """Ask for an export, and run its job as the worker would."""
    ask(client, review, kind, file_format)
    job = ExportJob.objects.latest("id")
    ExportJob.run(job.pk)
    job.refresh_from_db()
    return job


def job_page(client, review, job, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("review:export_job", args=[review.slug, job.pk]), headers=headers)


def download(client, review, job):
    return client.get(reverse("review:export_download", args=[review.slug, job.pk]))


def test_an_export_is_queued_run_in_the_background_and_downloaded(
    review, copies, reviewer, client_for, immediate_tasks, export_media, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    fill(copies[0], reviewer, {"country": "Sweden"})
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, review, "extraction.raw-copies", "csv")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("review:export_job", args=[review.slug, job.pk])
    assert (job.status, job.progress, job.stage, job.row_count) == (JobStatus.DONE, 100, "Ready", 1)
    assert (job.requested_by, job.personal, job.file_name) == (reviewer, True, "ketamine-raw-copies.csv")
    assert job.task_id and job.started_at and job.finished_at and job.file_size > 0
    assert job.file.name.startswith(f"reviews/{review.pk}/exports/{job.pk}/")

    partial = job_page(client, review, job, htmx=True).content.decode()
    assert 'aria-valuenow="100"' in partial and "hx-trigger" not in partial  # finished: polling stops
    page = job_page(client, review, job).content.decode()
    assert "Download ketamine-raw-copies.csv" in page
    file = download(client, review, job)
    assert file["Content-Type"] == "text/csv; charset=utf-8"
    assert file["Content-Disposition"] == 'attachment; filename="ketamine-raw-copies.csv"'
    assert "Sweden" in b"".join(file.streaming_content).decode()

    # The page it was asked from lists it, with its file.
    studies = client.get(reverse("extraction:studies", args=[review.slug, EXTRACTION])).content.decode()
    assert "Your recent exports" in studies and "ketamine-raw-copies.csv" in studies
    assert (
        "ketamine-raw-copies.csv"
        in client.get(reverse("review:exports", args=[review.slug])).content.decode()
    )


def test_a_queued_export_waits_for_the_worker_and_the_page_polls_it(
    review, reviewer, client_for, export_media
):
    client = client_for(reviewer)
    ask(client, review, "screening.votes", "xlsx")
    job = ExportJob.objects.get()
    partial = job_page(client, review, job, htmx=True).content.decode()
    assert 'aria-valuenow="0"' in partial and 'hx-trigger="every 1s"' in partial
    assert "Waiting for the worker" in partial
    assert download(client, review, job).status_code == 404  # no file yet


def test_progress_is_reported_while_the_job_runs(
    review, copies, reviewer, client_for, export_media, monkeypatch
):
    from extraction import exports

    client = client_for(reviewer)
    seen = []

    def slow_table(*, review, user, kind, progress):
        progress("Halfway there", 50)
        job = ExportJob.objects.get()
        seen.append((job.status, job.progress, job_page(client, review, job, htmx=True).content.decode()))
        return [Table(name="consensus-wide", columns=["study"], rows=[], count=0)]

    monkeypatch.setattr(exports, "consensus_wide_tables", slow_table)
    ask(client, review, "extraction.consensus-wide", "csv")
    ExportJob.run(ExportJob.objects.get().pk)
    [(status, progress, partial)] = seen
    assert (status, progress) == (JobStatus.RUNNING, 50)
    assert 'aria-valuenow="50"' in partial and "Halfway there" in partial and "hx-trigger" in partial
    assert ExportJob.objects.get().progress == 100


def test_the_xlsx_writer_reports_its_progress_in_fixed_steps(
    review, copies, reviewer, client_for, export_media
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ask(client_for(reviewer), review, "extraction.consensus-long", "xlsx")
    job = ExportJob.objects.get()
    with CaptureQueriesContext(connection) as queries:
        ExportJob.run(job.pk)
    stages = [q["sql"] for q in queries.captured_queries if "Writing rows" in q["sql"]]
    assert len(stages) == 10  # whatever the number of rows


def test_a_failed_export_says_why_and_keeps_nothing_half_made(
    review, copies, reviewer, client_for, export_media
):
    # A cell longer than a spreadsheet can hold: XLSX refuses with the place and the way out; CSV has it all.
    fill(copies[0], reviewer, {"notes": "x" * 40_000})
    client = client_for(reviewer)
    ask(client, review, "extraction.raw-copies", "xlsx")
    job = ExportJob.objects.get()
    assert ExportJob.run(job.pk)["status"] == JobStatus.FAILED
    job.refresh_from_db()
    assert job.error == (
        "Row 2, column “value” holds 40,000 characters; a spreadsheet cell holds at most 32,767. "
        "Export it as CSV instead."
    )
    assert not job.file and job.finished_at
    page = job_page(client, review, job).content.decode()
    assert 'role="alert"' in page and "holds 40,000 characters" in page and "Ask again" in page
    assert download(client, review, job).status_code == 404
    listed = client.get(reverse("review:exports", args=[review.slug])).content.decode()
    assert "Failed: Row 2" in listed

    ask(client, review, "extraction.raw-copies", "csv")
    assert ExportJob.run(ExportJob.objects.latest("id").pk)["status"] == JobStatus.DONE


def test_an_unexpected_error_is_shown_too(review, reviewer, client_for, export_media, monkeypatch):
    from screening import exports

    def broken(**kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "votes_tables", broken)
    client = client_for(reviewer)
    ask(client, review, "screening.votes", "csv")
    job = ExportJob.objects.get()
    ExportJob.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "The export stopped unexpectedly (OSError: No space left on device)."
    assert job.error in job_page(client, review, job).content.decode()


def test_a_file_no_longer_kept_is_a_clear_404(review, reviewer, client_for, export_media):
    client = client_for(reviewer)
    ask(client, review, "screening.votes", "csv")
    job = ExportJob.objects.get()
    ExportJob.run(job.pk)
    job.refresh_from_db()
    job.file.storage.delete(job.file.name)
    response = download(client, review, job)
    assert response.status_code == 404


def test_a_job_runs_once(review, reviewer, client_for, export_media):
    ask(client_for(reviewer), review, "screening.votes", "csv")
    job = ExportJob.objects.get()
    assert ExportJob.run(job.pk)["status"] == JobStatus.DONE
    assert "skipped" in ExportJob.run(job.pk)


def test_someone_who_left_before_the_job_ran_gets_nothing(review, reviewer, client_for, export_media):
    ask(client_for(reviewer), review, "screening.votes", "csv")
    job = ExportJob.objects.get()
    Membership.objects.filter(review=review, user=reviewer).delete()
    ExportJob.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file
    assert job.error == "The person who asked for this export is no longer a member of this review."


def test_who_may_open_and_download_an_export(
    review, copies, reviewer, reviewer2, viewer, adjudicator, outsider, client_for, export_media
):
    fill(copies[0], reviewer, {"country": "Sweden"})
    mine = client_for(reviewer)
    ask(mine, review, "extraction.raw-copies", "csv")
    raw = ExportJob.objects.latest("id")
    ask(mine, review, "extraction.consensus-wide", "xlsx")
    consensus = ExportJob.objects.latest("id")
    for job in (raw, consensus):
        ExportJob.run(job.pk)
        assert download(mine, review, job).status_code == 200

    # Outside the review, nothing exists.
    for job in (raw, consensus):
        assert job_page(client_for(outsider), review, job).status_code == 404
        assert download(client_for(outsider), review, job).status_code == 404
    # A raw-copies export was computed for its requester: nobody else in the team may open it.
    for user in (reviewer2, adjudicator, viewer):
        assert job_page(client_for(user), review, raw).status_code == 404
        assert download(client_for(user), review, raw).status_code == 404
    # The consensus is the same for every member: any member may download it.
    for user in (reviewer2, viewer):
        assert download(client_for(user), review, consensus).status_code == 200
    # Another review's slug does not reach this review's exports.
    other = review_services.create_review(slug="other", title="Other", owner=reviewer)
    assert download(mine, other, raw).status_code == 404


def test_raw_copies_are_blinded_in_the_file_as_the_requester_is_when_the_job_runs(
    review, copies, reviewer, reviewer2, adjudicator, client_for, export_media
):
    fill(copies[0], reviewer, {"design": "Parallel", "country": "Sweden"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    fill(copies[1], reviewer2, {"design": "Parallel", "country": "Norway"})

    def raw_export(user) -> str:
        client = client_for(user)
        ask(client, review, "extraction.raw-copies", "csv")
        job = ExportJob.objects.latest("id")
        ExportJob.run(job.pk)
        return b"".join(download(client, review, job).streaming_content).decode()

    # Until every copy of the study is submitted, each reviewer's file holds their own copy only.
    assert "Norway" in raw_export(reviewer2) and "Sweden" not in raw_export(reviewer2)
    assert "Sweden" in raw_export(reviewer) and "Norway" not in raw_export(reviewer)
    assert "Sweden" not in raw_export(adjudicator) and "Norway" not in raw_export(adjudicator)

    # Asked for before the last copy is submitted, made after: the file holds what may be seen then.
    client = client_for(adjudicator)
    ask(client, review, "extraction.raw-copies", "csv")
    job = ExportJob.objects.latest("id")
    coding.submit_copy(copy=copies[1], user=reviewer2)
    ExportJob.run(job.pk)
    text = b"".join(download(client, review, job).streaming_content).decode()
    assert "Sweden" in text and "Norway" in text

    # Someone demoted to viewer before the job runs gets a viewer's file: no raw copies of others.
    ask(client, review, "extraction.raw-copies", "xlsx")
    job = ExportJob.objects.latest("id")
    review_services.set_roles(membership=Membership.objects.get(review=review, user=adjudicator), roles=set())
    ExportJob.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.row_count) == (JobStatus.DONE, 0)


def test_the_old_export_addresses_are_gone(review, reviewer, client_for):
    client = client_for(reviewer)
    assert client.get(f"/reviews/{review.slug}/extraction/export/consensus-wide.csv").status_code == 404
    assert client.get(f"/reviews/{review.slug}/screening/votes/export/?format=csv").status_code == 404


def test_a_personal_file_is_not_served_once_its_requester_lost_a_role(
    review, copies, adjudicator, client_for, export_media
):
    """The raw copies were made for an adjudicator; made viewer, she may no longer download them (the file
    could show more than a viewer may see), while the consensus, the same for every member, stays hers."""
    client = client_for(adjudicator)
    raw = made(client, review, "extraction.raw-copies", "csv")
    consensus = made(client, review, "extraction.consensus-wide", "csv")
    assert raw.made_for_roles == ["adjudicator"]
    membership = Membership.objects.get(review=review, user=adjudicator)
    review_services.set_roles(membership=membership, roles={"adjudicator", "reviewer"})
    assert download(client, review, raw).status_code == 200  # a role more shows nothing less

    review_services.set_roles(membership=membership, roles=set())
    assert download(client, review, raw).status_code == 403
    page = job_page(client, review, raw).content.decode()
    assert "Your role in this review changed since this file was made" in page
    assert "/download/" not in page
    assert download(client, review, consensus).status_code == 200
