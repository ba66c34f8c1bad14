"""Full-text upload: a PDF starts with %PDF-, an empty file is named, sizes are exact, and what is served
cannot act on the site."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening.models import FullText

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def upload(review, reviewer, client_for, make_records, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (record,) = make_records(1)
    client = client_for(reviewer)

    def post(name: str, content: bytes) -> str:
        url = reverse("screening:full_text_upload", args=[review.slug, record.pk])
        response = client.post(url, {"pdf": SimpleUploadedFile(name, content)}, follow=True)
        assert response.status_code == 200
        return response.content.decode()

    post.record, post.client = record, client
    return post


@pytest.mark.parametrize(
    "content",
    [
        b"<html><!-- %PDF-1.4 --><script>alert(document.cookie)</script></html>",
        b" %PDF-1.4\n",
        b"\xef\xbb\xbf%PDF-1.4\n",
        b"%PDF",
    ],
)
def test_a_file_that_does_not_start_with_the_pdf_signature_is_refused(upload, content):
    assert "“paper.pdf” is not a PDF (it does not start with %PDF-)" in upload("paper.pdf", content)
    assert not FullText.objects.exists()


def test_an_empty_file_gets_a_message(upload):
    assert "“paper.pdf” is empty (0 bytes); choose the PDF again." in upload("paper.pdf", b"")
    assert not FullText.objects.exists()


def test_sizes_in_the_message_are_exact(upload, monkeypatch):
    monkeypatch.setattr("screening.services.MAX_PDF_BYTES", 1_572_864)  # 1.5 MB
    html = upload("big.pdf", PDF + b"x" * 1_572_850)
    assert "“big.pdf” is 1,572,865 bytes; full texts may be at most 1,572,864 bytes (1.5\xa0MB)." in html
    assert not FullText.objects.exists()
    upload("big.pdf", PDF + b"x" * 1_572_849)
    assert FullText.objects.get().file_name == "big.pdf"


def test_the_pdf_is_served_sandboxed_and_never_sniffed(upload, review, viewer, client_for):
    upload("paper.pdf", PDF)
    url = reverse("screening:full_text_pdf", args=[review.slug, upload.record.pk])
    for client in (upload.client, client_for(viewer)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = [d.strip() for d in response["Content-Security-Policy"].split(";")]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert b"".join(response.streaming_content) == PDF
