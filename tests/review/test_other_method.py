"""A search of another method (websites, organisations, citation searching) says which on the upload form,
and PRISMA 2020's other-methods column counts its records on that line."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.constants import OtherMethod
from review.models import ImportJob, Search
from review.prisma.flow import prisma_counts

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _upload(client, review, **fields):
    return client.post(
        reverse("review:imports", args=[review.slug]),
        {
            "file": SimpleUploadedFile("export.txt", (SAMPLES / "pubmed.nbib").read_bytes()),
            "source_name": "Reference lists",
            "file_format": "auto",
            **fields,
        },
    )


@pytest.mark.parametrize(
    ("method", "box"),
    [
        (OtherMethod.WEBSITE, "website_results"),
        (OtherMethod.ORGANISATION, "organisation_results"),
        (OtherMethod.CITATION, "citations_results"),
    ],
)
def test_the_upload_form_names_the_other_method_and_prisma_counts_it_there(
    review, owner, client_for, immediate_tasks, django_capture_on_commit_callbacks, method, box
):
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, review, kind="other", other_method=method)
    assert response.status_code == 302
    assert Search.objects.get().other_method == method
    counts = prisma_counts(review).prisma2020_values()
    # The sample holds two records; only the chosen line of the second column counts them.
    assert {
        name: counts[name] for name in ("website_results", "organisation_results", "citations_results")
    } == {
        name: 2 if name == box else 0
        for name in ("website_results", "organisation_results", "citations_results")
    }
    assert counts["database_results"] == 0
    page = client.get(reverse("review:imports", args=[review.slug])).content.decode()
    assert f"Other method: {method.label.lower()}" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": "other", "other_method": ""},
            "Choose the other method: websites, organisations or citation",
        ),
        (
            {"kind": "database", "other_method": "website"},
            "Only a source of kind “other method” has an other",
        ),
        (
            {"kind": "other", "other_method": "blog"},
            "Select a valid choice. blog is not one of the available",
        ),
    ],
)
def test_a_wrong_other_method_is_refused_and_nothing_is_kept(review, owner, client_for, fields, message):
    response = _upload(client_for(owner), review, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists() and not Search.objects.exists()


def test_a_database_search_keeps_the_default_and_counts_as_a_database(
    review, owner, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(owner), review, kind="database")
    counts = prisma_counts(review).prisma2020_values()
    assert (counts["database_results"], counts["citations_results"], counts["website_results"]) == (2, 0, 0)


def test_a_source_box_links_to_its_search_or_to_every_record_of_its_kind(review):
    """A box with exactly one search links to that search; a box with two (or none) to every record found
    through its kind of source."""
    websites = Search.objects.create(
        review=review, source_name="Google Scholar", kind="other", other_method=OtherMethod.WEBSITE
    )
    Search.objects.create(review=review, source_name="PubMed", kind="database")
    Search.objects.create(review=review, source_name="Embase", kind="database")
    registers = Search.objects.create(review=review, source_name="ClinicalTrials.gov", kind="register")
    urls = prisma_counts(review).urls
    records = reverse("review:records", args=[review.slug])
    assert urls["website_results"] == f"{records}?source={websites.pk}"
    assert urls["register_results"] == f"{records}?source={registers.pk}"
    assert urls["database_results"] == f"{records}?origin=database"
    assert urls["citations_results"] == f"{records}?origin=citation"
