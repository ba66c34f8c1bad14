"""The upload page, the background job it starts, the CSV column step, and the duplicates queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.constants import DuplicateStatus, JobStatus
from review.importers import import_search_file
from review.models import DuplicatePair, ImportJob, Record, Search

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def upload(client, review, name, data, **fields):
    return client.post(
        reverse("review:imports", args=[review.slug]),
        {
            "file": SimpleUploadedFile(name, data),
            "source_name": "PubMed",
            "kind": "database",
            "date_searched": "2026-10-01",
            "query": "ketamine[tiab]",
            "file_format": "auto",
            **fields,
        },
    )


@pytest.mark.django_db
def test_upload_runs_in_the_background_and_the_page_shows_the_result(
    review, reviewer, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, review, "export.txt", (SAMPLES / "pubmed.nbib").read_bytes())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "review:import_job", args=[review.slug, job.pk]
    )
    assert (job.status, job.progress, job.imported, job.file_format) == (JobStatus.DONE, 100, 2, "medline")
    assert job.task_id
    search = Search.objects.get()
    assert (search.source_name, str(search.date_searched), search.query, search.created_by) == (
        "PubMed",
        "2026-10-01",
        "ketamine[tiab]",
        reviewer,
    )
    page = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'aria-valuenow="100"' in page and "hx-trigger" not in page  # finished: polling stops
    assert '<dd data-count="imported">2</dd>' in page


@pytest.mark.django_db
def test_a_queued_job_polls_and_a_failed_job_says_why(review, owner, client_for):
    client = client_for(owner)
    response = upload(client, review, "cut.ris", b"TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\n")
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in page and 'hx-trigger="every 1s"' in page
    ImportJob.run(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "cut.ris, line 4: entry 2 has no ER line; the file looks truncated." in page
    assert "Nothing from this file was imported." in page
    assert Record.objects.count() == 0 and Search.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_files_are_refused_at_once(review, owner, client_for, settings):
    client = client_for(owner)
    response = upload(client, review, "photo.ris", b"\x89PNG\r\n\x1a\n")
    assert response.status_code == 400
    assert "photo.ris: this is a PNG image, not a text export of records." in response.content.decode()
    settings.MAX_UPLOAD_BYTES = 10
    response = upload(client, review, "big.ris", b"TY  - JOUR\nTI  - x\nER  - \n")
    assert response.status_code == 400
    assert "big.ris: 26 bytes is over the limit of 10 bytes." in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_csv_goes_through_the_column_step(
    review, owner, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    response = upload(client, review, "scopus.csv", (SAMPLES / "scopus.csv").read_bytes())
    job = ImportJob.objects.get()
    assert job.status == JobStatus.NEEDS_MAPPING
    columns_url = reverse("review:import_columns", args=[review.slug, job.pk])
    assert response["Location"] == columns_url
    page = client.get(columns_url).content.decode()
    assert "Scopus CSV" in page and '<option value="Source title" selected>' in page
    response = client.post(columns_url, {"abstract": "Abstract"})
    assert "Choose the column that holds the title." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(columns_url, {"title": "Title", "year": "Year", "doi": "DOI", "authors": "Authors"})
    job.refresh_from_db()
    assert (job.status, job.imported, job.column_mapping["title"]) == (JobStatus.DONE, 2, "Title")
    assert Record.objects.filter(journal="").count() == 2  # only the mapped columns were read


WORDS = [
    "ketamine",
    "naltrexone",
    "serotonin",
    "opioid",
    "glutamate",
    "cortex",
    "imaging",
    "infusion",
    "anhedonia",
    "sleep",
    "trial",
]


def make_probable_pairs(review, n: int) -> None:
    """n records, and n copies of them five years later: n pairs for a person to look at."""
    import random

    rng = random.Random(n)
    lines = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(12))
        lines += [
            "TY  - JOUR",
            f"AU  - {rng.choice(WORDS).title()}{i}, A.",
            f"TI  - {title}",
            "PY  - 2018",
            "ER  - ",
            "",
        ]
    import_search_file(review=review, data="\n".join(lines).encode(), file_name="a.ris", source_name="A")
    import_search_file(
        review=review,
        data="\n".join(lines).replace("2018", "2023").encode(),
        file_name="b.ris",
        source_name="B",
    )


@pytest.mark.django_db
def test_duplicate_queue_query_count_does_not_grow(
    review, reviewer, client_for, django_assert_max_num_queries
):
    make_probable_pairs(review, 3)
    client = client_for(reviewer)
    url = reverse("review:duplicates", args=[review.slug])
    with django_assert_max_num_queries(9):
        small = client.get(url)
    make_probable_pairs(review, 30)
    with django_assert_max_num_queries(9):
        large = client.get(url)
    assert small.content.decode().count("Compare</a>") == 3
    assert large.content.decode().count("Compare</a>") == 33


@pytest.mark.django_db
def test_side_by_side_comparison_marks_differences_and_a_person_decides(review, reviewer, client_for):
    make_probable_pairs(review, 2)
    first, second = DuplicatePair.objects.order_by("id")
    client = client_for(reviewer)
    url = reverse("review:duplicate_pair", args=[review.slug, first.pk])
    page = client.get(url).content.decode()
    assert '<mark class="diff">2023</mark>' in page and '<mark class="diff">2018</mark>' in page
    assert "year differs" in page
    response = client.post(url, {"decision": "confirm", "confirmed": "yes"})
    assert response["Location"] == reverse("review:duplicate_pair", args=[review.slug, second.pk])
    first.refresh_from_db()
    assert first.status == DuplicateStatus.MERGED and first.record.duplicate_of_id == first.original_id
    response = client.post(response["Location"], {"decision": "reject"})
    assert response["Location"] == reverse("review:duplicates", args=[review.slug])
    # Deciding twice is refused with a message, not a crash.
    response = client.post(url, {"decision": "reject"}, follow=True)
    assert "already decided (merged by reviewer" in response.content.decode()
    # The merge is undone from the record page.
    record_url = reverse("review:record", args=[review.slug, first.record_id])
    assert "Undo this merge" in client.get(record_url).content.decode()
    client.post(reverse("review:record_unmerge", args=[review.slug, first.record_id]))
    assert Record.objects.get(pk=first.record_id).duplicate_of is None


@pytest.mark.django_db
def test_viewers_see_the_queue_but_cannot_decide(review, viewer, client_for):
    make_probable_pairs(review, 1)
    pair = DuplicatePair.objects.get()
    client = client_for(viewer)
    url = reverse("review:duplicate_pair", args=[review.slug, pair.pk])
    page = client.get(url).content.decode()
    assert "Duplicates: merge" not in page
    assert client.post(url, {"decision": "confirm"}).status_code == 403
    assert (
        "Upload a search export"
        not in client.get(reverse("review:imports", args=[review.slug])).content.decode()
    )
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.PENDING


@pytest.mark.django_db
def test_import_records_command(review, capsys, tmp_path):
    import json

    from django.core.management import CommandError, call_command

    path = SAMPLES / "scopus.ris"
    call_command("import_records", review.slug, str(path), "--source", "Scopus", "--json")
    assert json.loads(capsys.readouterr().out) == {
        "parsed": 2,
        "imported": 2,
        "duplicates_merged": 0,
        "duplicates_queued": 0,
        "errors": [],
        "warnings": [],
    }
    call_command("import_records", review.slug, str(path), "--source", "Scopus again", "--kind", "other")
    assert (
        "parsed 2, imported 2, duplicates merged 2, duplicates queued for a person 0"
        in capsys.readouterr().out
    )
    bad = tmp_path / "empty.ris"
    bad.write_bytes(b"")
    with pytest.raises(CommandError) as error:
        call_command("import_records", review.slug, str(bad), "--source", "X", "--json")
    assert error.value.returncode == 1
    assert json.loads(capsys.readouterr().out)["errors"] == ["empty.ris: the file is empty."]
    with pytest.raises(CommandError):
        call_command("import_records", review.slug, str(path), "--source", "X", "--format", "bibtex")
    assert "scopus.ris: no BibTeX entries" in capsys.readouterr().err
    assert Search.objects.count() == 2


@pytest.mark.django_db
def test_record_list_finds_a_doi_or_pmid_however_it_is_written(review, viewer, client_for):
    Record.objects.create(
        review=review, title="Ketamine PET", doi="10.1038/S41398-020-0844-4", pmid="32265440"
    )
    Record.objects.create(review=review, title="Another ketamine trial")
    client = client_for(viewer)
    url = reverse("review:records", args=[review.slug])
    for query in ["https://doi.org/10.1038/s41398-020-0844-4", "PMID: 32265440", "ketamine pet"]:
        page = client.get(url, {"q": query}).content.decode()
        assert "Ketamine PET" in page and "Another ketamine trial" not in page, query


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.mark.django_db
def test_a_large_upload_streams_to_disk_and_the_page_reads_only_its_start(
    review, owner, client_for, media, settings, monkeypatch
):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from review.importers.detect import HEAD_BYTES

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # anything bigger goes to a temporary file
    reads = []

    def spy(self):
        def read(size=-1):
            reads.append(size)
            return self.file.read(size)

        return read

    monkeypatch.setattr(TemporaryUploadedFile, "read", property(spy))
    entry = "TY  - JOUR\nTI  - Ketamine infusion {}\nAB  - " + "word " * 200 + "\nER  - \n"
    data = "".join(entry.format(i) for i in range(1500)).encode()
    assert len(data) > HEAD_BYTES
    response = upload(client_for(owner), review, "big.ris", data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.file_format == "ris"
    assert reads == [HEAD_BYTES]  # the format, from the start only; storing it moved the file
    assert job.file.read() == data


@pytest.mark.django_db
def test_the_upload_is_stored_once_and_the_search_keeps_it(
    review, owner, client_for, media, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for(owner), review, "pubmed.nbib", (SAMPLES / "pubmed.nbib").read_bytes())
    job = ImportJob.objects.select_related("search").get()
    assert job.status == JobStatus.DONE
    assert job.search.file.name == job.file.name
    assert [p.name for p in media.rglob("*") if p.is_file()] == ["pubmed.nbib"]


@pytest.mark.django_db
def test_a_second_upload_with_a_255_character_name_is_kept_too(review, owner, client_for, media):
    client = client_for(owner)
    for name in ["k" * 251 + ".ris", "é" * 251 + ".ris"]:
        for _ in range(2):
            response = upload(client, review, name, b"TY  - JOUR\nTI  - Ketamine\nER  - \n")
            assert response.status_code == 302
    jobs = ImportJob.objects.order_by("id")
    assert [job.file_name for job in jobs] == ["k" * 251 + ".ris"] * 2 + ["é" * 251 + ".ris"] * 2
    assert len({job.file.name for job in jobs}) == 4
    assert all(job.file.read() == b"TY  - JOUR\nTI  - Ketamine\nER  - \n" for job in jobs)


@pytest.mark.django_db
def test_the_job_page_shows_what_to_check_after_an_import_with_warnings(
    review, owner, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    data = "TY  - JOUR\nTI  - Kétamine\nER  - \n".encode() + b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n"
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, review, "mixed.ris", data)
    page = client.get(response["Location"]).content.decode()
    assert "Imported, but check these records:" in page
    assert "mixed.ris, line 5: bytes that are not UTF-8 (the rest of the file is) were replaced" in page
    assert "1 warning" in client.get(reverse("review:imports", args=[review.slug])).content.decode()


@pytest.mark.django_db
def test_the_pair_page_marks_dois_that_match_as_the_same(review, reviewer, client_for):
    original = Record.objects.create(review=review, title="Ketamine PET", doi="10.1038/S41398-020-0844-4")
    record = Record.objects.create(
        review=review, title="Ketamine PET study", doi="https://doi.org/10.1038/s41398-020-0844-4"
    )
    pair = DuplicatePair.objects.create(review=review, record=record, original=original, reason="same DOI")
    page = client_for(reviewer).get(reverse("review:duplicate_pair", args=[review.slug, pair.pk])).content
    doi_row = page.decode().split('<th scope="row">DOI</th>')[1].split("</tr>")[0]
    title_row = page.decode().split('<th scope="row">Title</th>')[1].split("</tr>")[0]
    assert "diff" not in doi_row and "https://doi.org/10.1038/s41398-020-0844-4" in doi_row
    assert '<mark class="diff">study</mark>' in title_row  # other fields are still marked
    assert '<tr class="differs">\n      <th scope="row">DOI' not in page.decode()


def test_the_default_upload_limit_takes_a_real_100000_record_export():
    from django.conf import settings

    assert settings.MAX_UPLOAD_BYTES >= 1024**3  # such a file with abstracts is about 250 MB
