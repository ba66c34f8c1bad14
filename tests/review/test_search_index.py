"""The full-text index filled after an import by a background job (review/search_index.py): the search finds
imported records before and after they are indexed, edits and deletes keep the index sound whether or not
a record was indexed yet, the job reports its progress in chunks, and the sweep fails it when its worker
dies. Run the PostgreSQL part with
DATABASE_URL=postgres://app@127.0.0.1:55432/records .venv/bin/python -m pytest tests/review/test_search_index.py"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from review import search_index
from review.constants import JobStatus
from review.importers import import_search_file
from review.jobs import sweep_dead_jobs
from review.models import ImportJob, Record, Review, SearchIndexJob
from review.records import search_records

pytestmark = pytest.mark.django_db

RIS = """TY  - JOUR
TI  - Ketamine in depressed patients
AU  - Berman, RM
AB  - Rapid antidepressant effects.
PY  - 2000
ER  -

TY  - JOUR
TI  - Stress in rodents
AU  - Garcia, LS
AB  - Anhedonia-susceptible rats given ketamine.
PY  - 2009
ER  -

TY  - JOUR
TI  - Nitrous oxide for depression
AU  - Nagele, P
PY  - 2015
ER  -
"""


def _import(review):
    """Imported as the worker does, but with its commit's callbacks not run: the index job is queued."""
    return import_search_file(review=review, data=RIS.encode(), file_name="export.ris", source_name="Embase")


def _titles(review, text, *, unindexed=True) -> set[str]:
    found = search_records(Record.objects.for_review(review), text, unindexed=unindexed)
    return set(found.values_list("title", flat=True))


def _waiting(review) -> int:
    return Review.objects.get(pk=review.pk).records_awaiting_search_index


def _index_is_sound() -> None:
    """SQLite's own check of its FTS5 index: against the records table once every record is indexed (a
    'delete' of a row that was never indexed shows there), of the index alone while some wait. On
    PostgreSQL every indexed record has its document and no other has one."""
    all_indexed = int(not Record.objects.filter(search_indexed=False).exists())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO review_record_fts(review_record_fts, rank) VALUES ('integrity-check', %s)",
                [all_indexed],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM review_record WHERE search_indexed <> (search_document IS NOT NULL)"
            )
            assert cursor.fetchone()[0] == 0


def _indexed_ids(word: str) -> set[int]:
    """Rows of the full-text index itself matching one word, whatever the records table says."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rowid FROM review_record_fts WHERE review_record_fts MATCH %s", [word])
        else:
            cursor.execute(
                "SELECT id FROM review_record WHERE search_document @@ to_tsquery('english', %s)", [word]
            )
        return {row[0] for row in cursor.fetchall()}


def test_imported_records_are_found_before_and_after_the_job_indexes_them(review):
    _import(review)
    job = SearchIndexJob.objects.get()
    assert (job.status, job.total, job.indexed) == (JobStatus.QUEUED, 3, 0)
    assert _waiting(review) == 3
    assert not Record.objects.filter(search_indexed=True).exists()
    # Not in the full-text index yet, but found by the plain match.
    assert _titles(review, "ketamine", unindexed=False) == set()
    assert _titles(review, "ketamine") == {"Ketamine in depressed patients", "Stress in rodents"}
    assert _titles(review, "berman") == {"Ketamine in depressed patients"}
    assert _titles(review, '"nitrous oxide"') == {"Nitrous oxide for depression"}
    assert _titles(review, "depress*") == {"Ketamine in depressed patients", "Nitrous oxide for depression"}
    _index_is_sound()

    SearchIndexJob.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.indexed, job.progress) == (JobStatus.DONE, 3, 100)
    assert _waiting(review) == 0
    assert not Record.objects.filter(search_indexed=False).exists()
    # Now from the index alone, stems included ("rat" finds "rats").
    assert _titles(review, "ketamine", unindexed=False) == {
        "Ketamine in depressed patients",
        "Stress in rodents",
    }
    assert _titles(review, "rat", unindexed=False) == {"Stress in rodents"}
    assert _titles(review, "berman", unindexed=False) == {"Ketamine in depressed patients"}
    _index_is_sound()


def test_an_edit_after_indexing_is_found_by_its_new_words_and_not_its_old(review):
    _import(review)
    SearchIndexJob.run(SearchIndexJob.objects.get().pk)
    record = Record.objects.get(title="Stress in rodents")
    record.title = "Psilocybin in mice"
    record.abstract = "Mice given psilocybin."
    record.save()
    assert _titles(review, "psilocybin", unindexed=False) == {"Psilocybin in mice"}
    assert _titles(review, "rodents", unindexed=False) == set()
    assert _titles(review, "rat", unindexed=False) == set()
    _index_is_sound()


def test_an_edit_before_indexing_keeps_the_index_sound_and_is_indexed_as_edited(review):
    _import(review)
    record = Record.objects.get(title="Stress in rodents")
    record.title = "Psilocybin in mice"
    record.save()
    _index_is_sound()
    assert _titles(review, "psilocybin") == {"Psilocybin in mice"}
    SearchIndexJob.run(SearchIndexJob.objects.get().pk)
    assert _titles(review, "psilocybin", unindexed=False) == {"Psilocybin in mice"}
    assert _titles(review, "rodents", unindexed=False) == set()
    _index_is_sound()


def test_a_deleted_record_leaves_no_index_row_indexed_or_not(review):
    _import(review)
    waiting = Record.objects.get(title="Nitrous oxide for depression")
    Record.objects.filter(pk=waiting.pk).delete()  # never indexed: no FTS5 'delete' of a missing row
    _index_is_sound()
    SearchIndexJob.run(SearchIndexJob.objects.get().pk)
    indexed = Record.objects.get(title="Stress in rodents")
    assert indexed.pk in _indexed_ids("rodents")
    Record.objects.filter(pk=indexed.pk).delete()
    assert _indexed_ids("rodents") == set()
    assert _indexed_ids("nitrous") == set()
    _index_is_sound()


def test_records_written_one_at_a_time_are_indexed_at_once(review):
    Record.objects.create(review=review, title="Esketamine nasal spray", authors=["Daly, EJ"])
    assert _titles(review, "esketamine", unindexed=False) == {"Esketamine nasal spray"}
    assert not SearchIndexJob.objects.exists() and _waiting(review) == 0


def test_the_job_reports_its_progress_chunk_by_chunk(review, monkeypatch):
    monkeypatch.setattr(search_index, "CHUNK_IDS", 1)
    _import(review)
    job = SearchIndexJob.objects.get()
    reports = []
    monkeypatch.setattr(
        SearchIndexJob, "report", lambda self, stage, percent: reports.append((stage, percent))
    )
    SearchIndexJob.run(job.pk)
    assert reports == [
        ("Search index: 1 of 3 records", 33),
        ("Search index: 2 of 3 records", 66),
        ("Search index: 3 of 3 records", 99),
    ]
    job.refresh_from_db()
    assert (job.status, job.stage, job.indexed) == (JobStatus.DONE, "Done", 3)


def test_the_import_page_shows_the_index_progress_and_the_record_list_says_search_is_slower(
    review, reviewer, client_for
):
    result = _import(review)
    client = client_for(reviewer)
    job = SearchIndexJob.objects.get()

    import_job = ImportJob.objects.create(
        review=review, file_name="export.ris", source_name="Embase", search=result.search
    )
    import_job.finish(imported=3)
    page_url = reverse("review:import_job", args=[review.slug, import_job.pk])
    page = client.get(page_url).content.decode()
    assert "Search index: 0 of 3 records" in page and 'hx-select="#search-index"' in page
    records = client.get(reverse("review:records", args=[review.slug])).content.decode()
    assert "3 records are still being indexed; their search is slower." in records

    SearchIndexJob.run(job.pk)
    page = client.get(page_url, headers={"HX-Request": "true"}).content.decode()
    assert "Search index: all 3 records indexed." in page and "hx-trigger" not in page
    records = client.get(reverse("review:records", args=[review.slug])).content.decode()
    assert "still being indexed" not in records


def test_the_sweep_fails_an_index_job_whose_worker_died_and_asked_again_it_goes_on(review, settings):
    settings.JOB_STALE_AFTER_SECONDS = 120
    _import(review)
    job = SearchIndexJob.objects.get()
    first = Record.objects.order_by("id").first()
    search_index.index_chunk(review.pk, first.pk, first.pk)  # the chunk it finished before it died
    SearchIndexJob.objects.filter(pk=job.pk).update(indexed=1)
    beat = timezone.now() - timedelta(seconds=300)
    SearchIndexJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=beat, heartbeat_at=beat
    )
    assert sweep_dead_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.worker_failed) == (JobStatus.FAILED, True)
    assert "search index of the imported records did not finish" in job.error
    assert _waiting(review) == 2
    assert _titles(review, "ketamine") == {"Ketamine in depressed patients", "Stress in rodents"}

    assert job.requeue()
    SearchIndexJob.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.indexed) == (JobStatus.DONE, 3)
    assert _waiting(review) == 0 and not Record.objects.filter(search_indexed=False).exists()
    _index_is_sound()


def test_an_index_job_whose_worker_died_is_asked_again_from_the_import_page(
    review, reviewer, client_for, settings
):
    settings.JOB_STALE_AFTER_SECONDS = 120
    result = _import(review)
    job = SearchIndexJob.objects.get()
    import_job = ImportJob.objects.create(
        review=review, file_name="export.ris", source_name="Embase", search=result.search
    )
    import_job.finish(imported=3)
    client = client_for(reviewer)
    page_url = reverse("review:import_job", args=[review.slug, import_job.pk])
    again_url = reverse("review:import_index_again", args=[review.slug, import_job.pk])
    assert "Index them again" not in client.get(page_url).content.decode()  # still waiting: nothing to ask

    job.fail("The worker stopped.", worker_failed=True)
    page = client.get(page_url).content.decode()
    assert "Search index stopped (0 of 3 records)" in page and "Index them again" in page
    response = client.post(again_url, follow=True)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and "Index them again" not in response.content.decode()

    SearchIndexJob.run(job.pk)
    response = client.post(again_url, follow=True)  # done: refused, with the reason where she acted
    assert (
        "Only a search index whose worker stopped or crashed can be asked again." in response.content.decode()
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_record_read_before_the_index_job_and_saved_whole_after_it_stays_indexed(review):
    _import(review)
    stale = Record.objects.get(title="Nitrous oxide for depression")  # read while still unindexed
    SearchIndexJob.run(SearchIndexJob.objects.get().pk)
    stale.title = "Nitrous oxide for treatment-resistant depression"
    stale.save()  # every field, from an instance that still says "not indexed"
    record = Record.objects.get(pk=stale.pk)
    assert record.search_indexed and record.title == "Nitrous oxide for treatment-resistant depression"
    assert _titles(review, "treatment-resistant", unindexed=False) == {record.title}
    _index_is_sound()
