"""Finishing touches: labels without a suffix, plurals, a failed job shown as failed, "Imported" leading to
screening, the admin's names, and the one date format."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from review.constants import JobStatus
from review.models import ExportJob, ImportJob

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_labels_carry_no_suffix_and_never_two_colons(review, owner, client_for):
    client = client_for(owner)
    for name in ("review:team", "review:settings", "review:imports"):
        html = client.get(reverse(name, args=[review.slug])).content.decode()
        assert "<label" in html, name
        assert not re.search(r":\s*</label>", html), name
        assert "::" not in re.sub(r"https?://|::(before|after|marker)", "", html), name


def test_one_row_is_a_row(review, owner, client_for):
    job = ExportJob.objects.create(
        review=review, requested_by=owner, kind="screening.votes", file_format="csv", status=JobStatus.DONE
    )
    job.row_count = 1
    job.save()
    html = client_for(owner).get(reverse("review:export_job", args=[review.slug, job.pk])).content.decode()
    assert re.search(r">1</span> row ·", html) and "1</span> rows" not in html


def import_job(review, owner, **fields) -> ImportJob:
    return ImportJob.objects.create(
        review=review, created_by=owner, file_name="a.ris", source_name="A", **fields
    )


def test_a_job_whose_worker_died_shows_as_failed(review, owner, client_for, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 60)
    job = import_job(review, owner, status=JobStatus.RUNNING)
    ImportJob.objects.filter(pk=job.pk).update(created_at=long_ago, heartbeat_at=long_ago)
    client = client_for(owner)
    page = client.get(reverse("review:import_job", args=[review.slug, job.pk])).content.decode()
    assert '<strong data-status="failed">Failed: its worker stopped</strong>' in page
    assert 'data-status="running"' not in page
    listing = client.get(reverse("review:imports", args=[review.slug])).content.decode()
    assert '<strong data-status="failed">Failed</strong>' in listing


def test_imported_leads_reviewers_to_screening(review, owner, reviewer, client_for):
    job = import_job(review, owner, status=JobStatus.DONE, parsed=3, imported=3)
    url = reverse("review:import_job", args=[review.slug, job.pk])
    queue = reverse("screening:queue", args=[review.slug, "title_abstract"])
    html = client_for(reviewer).get(url).content.decode()
    assert f'<a href="{queue}">Imported</a>' in html and "Screen them at title and abstract" in html
    # The owner does not screen: "Imported" opens the records of that search instead.
    html = client_for(owner).get(url).content.decode()
    assert queue not in html and f"{reverse('review:records', args=[review.slug])}?source=" in html


def test_the_admin_names_models_in_good_english(make_user, client_for):
    root = make_user("root", is_staff=True, is_superuser=True)
    html = client_for(root).get(reverse("admin:index")).content.decode()
    assert "Extraction copies" in html and "copys" not in html.lower()


def test_review_pages_use_the_one_date_format():
    """Templates write {{ value|date }} or a named format (config/formats), never a pattern of their own;
    "c" (ISO 8601) is for machines, in datetime attributes."""
    own = re.compile(r"""\|date:["'](?![A-Z_]+_FORMAT["']|c["'])""")
    for path in [*(TEMPLATES / "review").rglob("*.html"), TEMPLATES / "base.html"]:
        assert not own.search(path.read_text()), path
