"""A full text uploaded beside the record shows in Chromium's PDF viewer inside the page's frame, although
it is served sandboxed (its own origin, no scripts)."""

from __future__ import annotations

from playwright.sync_api import Frame, Page, expect


def one_page_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (cross-reference offsets computed)."""
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(pdf)


def pdf_viewer_in(page: Page) -> Frame | None:
    """Chromium's PDF viewer, when it opened inside the page's full-text frame."""
    (iframe,) = [f for f in page.frames if f.parent_frame == page.main_frame]
    for frame in page.frames:
        if frame.parent_frame == iframe and frame.url.startswith("chrome-extension://"):
            return frame
    return None


def test_an_uploaded_pdf_shows_beside_the_record(page: Page, live_server, demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = tmp_path / "berman-2000.pdf"
    pdf.write_bytes(one_page_pdf("Antidepressant effects of ketamine"))
    login(page, "raj")
    page.goto(f"{live_server.url}/reviews/{demo.slug}/screening/full_text/")
    expect(page.locator("#screen .screen-panel h2")).to_contain_text("Antidepressant effects of ketamine")
    page.get_by_label("Upload PDF").set_input_files(str(pdf))
    with page.expect_response(lambda r: "/pdf/" in r.url) as served:
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved")).to_be_visible()
    headers = served.value.all_headers()
    assert "sandbox" in headers["content-security-policy"].split("; ")
    assert headers["x-content-type-options"] == "nosniff"
    expect(page.locator("iframe[title^='Full text of']")).to_be_visible()
    viewer = None
    for _ in range(100):
        viewer = pdf_viewer_in(page)
        if viewer is not None:
            break
        page.wait_for_timeout(100)
    assert viewer is not None, [f.url for f in page.frames]
    # The viewer names its tab after the file once it has read the document.
    viewer.wait_for_function("() => document.title.endsWith('.pdf')", timeout=10_000)
    expect(viewer.locator("pdf-viewer")).to_be_attached()
