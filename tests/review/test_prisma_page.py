"""The PRISMA page: the diagram in a frame with links into the record list, its downloads, its notes."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from review.prisma.prisma_csv import read_prisma2020_csv
from tests.review.test_prisma_flow import _random_review

pytestmark = pytest.mark.django_db


def _url(name, review, *args):
    return reverse(f"review:{name}", args=[review.slug, *args])


def test_the_page_frames_the_diagram_and_says_the_review_is_in_progress(review, client_for, viewer):
    _random_review(review, random.Random(3), size=30)
    page = client_for(viewer).get(_url("prisma", review))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="{_url("prisma_diagram", review)}"' in html
    assert 'id="prisma-in-progress"' in html
    assert 'id="prisma-problems"' not in html
    assert page.context["counts"].inconsistencies() == []


def test_the_diagram_is_an_svg_document_whose_links_open_in_the_page(review, client_for, viewer):
    _random_review(review, random.Random(4), size=20)
    diagram = client_for(viewer).get(_url("prisma_diagram", review))
    assert diagram["Content-Type"] == "image/svg+xml"
    assert diagram["X-Frame-Options"] == "SAMEORIGIN"
    assert "'unsafe-inline'" in diagram["Content-Security-Policy"]
    svg = diagram.content.decode()
    assert 'target="_top"' in svg and 'target="_blank"' not in svg
    assert f"{_url('records', review)}?show=unique&amp;removal=kept&amp;title_abstract=excluded" in svg


def test_a_broken_count_is_shown_loudly(review, client_for, viewer, monkeypatch):
    from review.prisma import PrismaCounts

    monkeypatch.setattr("review.views.prisma_counts", lambda review: PrismaCounts(records_screened=5))
    html = client_for(viewer).get(_url("prisma", review)).content.decode()
    assert 'id="prisma-problems"' in html
    assert "but records screened = 5" in html


@pytest.mark.parametrize(
    ("file_format", "content_type", "start"),
    [("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG"), ("csv", "text/csv", b"data,")],
)
def test_downloads(review, client_for, viewer, file_format, content_type, start):
    response = client_for(viewer).get(_url("prisma_download", review, file_format))
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(start)


def test_the_csv_download_reads_back_as_the_counts(review, client_for, viewer):
    _random_review(review, random.Random(5), size=30)
    client = client_for(viewer)
    counts = client.get(_url("prisma", review)).context["counts"]
    csv = client.get(_url("prisma_download", review, "csv")).content.decode()
    assert read_prisma2020_csv(csv).prisma2020_values() == counts.prisma2020_values()


def test_an_unknown_format_and_an_outsider_get_404(review, client_for, viewer, outsider):
    assert client_for(viewer).get(_url("prisma_download", review, "pdf")).status_code == 404
    for name in ("prisma", "prisma_diagram"):
        assert client_for(outsider).get(_url(name, review)).status_code == 404
