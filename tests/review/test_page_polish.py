"""What looking at every page at 1366 and 390 px asked for: words as the reader says them (a source's kind,
an import's format, the page's title for who cannot import), a record's way to its screening, and
stylesheets that only use colours and spaces the design system defines."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from review.constants import JobStatus
from review.models import ImportJob, Record, Search

pytestmark = pytest.mark.django_db


def html_of(client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_names_a_sources_kind_as_a_word(review, owner, client_for):
    Search.objects.create(review=review, source_name="Embase", kind="database", created_by=owner)
    tree = lxml.html.fromstring(html_of(client_for(owner), "review:dashboard", review.slug))
    (row,) = tree.xpath('//caption[text()="Records per source"]/../tbody/tr')
    assert [cell.text_content() for cell in row.xpath("td")] == ["Embase", "Database", "0"]


def test_an_import_asked_to_detect_its_format_says_so(review, owner, client_for):
    job = ImportJob.objects.create(
        review=review, created_by=owner, file_name="a.ris", source_name="A", status=JobStatus.QUEUED
    )
    html = html_of(client_for(owner), "review:import_job", review.slug, job.pk)
    assert "format detected from the content" in html and "Detect from the content" not in html


def test_who_cannot_import_reads_the_searches_under_their_own_title(review, owner, viewer, client_for):
    def title(user) -> str:
        tree = lxml.html.fromstring(html_of(client_for(user), "review:imports", review.slug))
        return tree.xpath("string(//h1)")

    assert title(owner) == "Import search results"
    assert title(viewer) == "Searches and uploads"


def test_a_record_leads_to_its_votes_and_decision_at_each_stage(review, viewer, client_for):
    original, duplicate = Record.objects.bulk_create(
        [Record(review=review, title="Ketamine trial"), Record(review=review, title="Ketamine trial")]
    )
    Record.objects.filter(pk=duplicate.pk).update(duplicate_of=original)
    client = client_for(viewer)
    links = lxml.html.fromstring(html_of(client, "review:record", review.slug, original.pk)).xpath(
        '//section[@aria-labelledby="screening-heading"]//a'
    )
    assert [(a.text, a.get("href")) for a in links] == [
        (
            "Title and abstract",
            reverse("screening:record_votes", args=[review.slug, "title_abstract", original.pk]),
        ),
        ("Full text", reverse("screening:record_votes", args=[review.slug, "full_text", original.pk])),
    ]
    for link in links:
        assert client.get(link.get("href")).status_code == 200
    # A duplicate is not screened: its page points to the original instead.
    assert 'id="screening-heading"' not in html_of(client, "review:record", review.slug, duplicate.pk)


def test_every_stylesheet_uses_only_the_design_systems_custom_properties():
    """A `var(--name)` the site never defines is dropped by the browser without a word: borders and colours
    silently vanish (the risk-of-bias pages had five such names from an older stylesheet)."""
    app_css = Path(finders.find("css/app.css")).read_text()
    defined = set(re.findall(r"(--[\w-]+)\s*:", app_css))
    sheets = [Path(settings.BASE_DIR, "config/static/css/app.css")]
    sheets += Path(settings.BASE_DIR).glob("*/**/static/**/*.css")
    checked = 0
    for sheet in sheets:
        if ".venv" in sheet.parts or "staticfiles" in sheet.parts:
            continue
        used = set(re.findall(r"var\((--[\w-]+)", sheet.read_text()))
        assert used <= defined, f"{sheet.name}: {sorted(used - defined)}"
        checked += 1
    assert checked >= 2  # the site's stylesheet and risk of bias's
