"""Which format a file is in, from its content: a `.txt` may hold RIS or MEDLINE."""

from __future__ import annotations

import re

from django.core.files import File

from review.constants import ImportFormat
from review.importers.common import ImportFormatError, decode_head

HEAD_BYTES = 1_000_000  # enough for the format, a CSV header and sample rows; never the whole upload

_RIS = re.compile(r"^TY\s{1,2}- ", re.MULTILINE)
_MEDLINE = re.compile(r"^PMID- ?\d", re.MULTILINE)
_BIBTEX = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_XML = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?<xml>\s*<records>|^\s*<\?xml", re.IGNORECASE)


def read_head(file: File, *, file_name: str) -> str:
    """The decoded start of an open upload or stored file, read without reading the rest."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return decode_head(head, file_name=file_name)


def detect_format(text: str, *, file_name: str) -> str:
    head = text[:20_000].lstrip("\ufeff")
    if _XML.match(head):
        if "<record" in head:
            return ImportFormat.ENDNOTE
        raise ImportFormatError(f"{file_name}: an XML file, but not an EndNote XML export (no <record>).")
    if _RIS.search(head):
        return ImportFormat.RIS
    if _MEDLINE.search(head):
        return ImportFormat.MEDLINE
    if _BIBTEX.search(head):
        return ImportFormat.BIBTEX
    first_line = head.split("\n", 1)[0]
    if first_line.count("\t") >= 1 or first_line.count(",") >= 1 or first_line.count(";") >= 1:
        return ImportFormat.CSV
    shown = first_line.strip()[:60]
    raise ImportFormatError(
        f"{file_name}, line 1: not a format Concord can read (RIS, PubMed MEDLINE, BibTeX, EndNote XML, "
        f"CSV or tab-delimited); the file starts “{shown}”."
    )
