"""What every format shares: turning bytes into text, the shape of a parsed entry, and errors that name
the file, the line or entry, and what is wrong."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

# Field lengths of Record; longer values are cut so that one odd entry cannot fail a whole import.
FIELD_LIMITS = {
    "journal": 500,
    "volume": 50,
    "issue": 50,
    "pages": 50,
    "doi": 300,
    "pmid": 20,
    "language": 50,
}
URL_LIMIT = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel workbook?)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an old Office document",
}


class ImportFormatError(ValueError):
    """Bad input. The message is for the person who uploaded the file."""


def decode_text(data: bytes, *, file_name: str) -> str:
    """Text from an export in UTF-8 (with or without a byte-order mark), UTF-16 or a legacy 8-bit code page."""
    if not data.strip():
        raise ImportFormatError(f"{file_name}: the file is empty.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ImportFormatError(f"{file_name}: this is {what}, not a text export of records.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                f"{file_name}: the file says it is UTF-16 but is not ({error})."
            ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _legacy_code_page(data, file_name=file_name)
    if _CONTROL.search(text[:100_000]):
        raise ImportFormatError(f"{file_name}: the file holds binary data (control bytes), not text.")
    return text


def _legacy_code_page(data: bytes, *, file_name: str) -> str:
    # Exports that are not UTF-8 are nearly always Windows-1252 (EndNote, older Ovid and EBSCO on
    # Windows), and guessing from a short file often picks a DOS code page instead; so try it first.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if not _CONTROL.search(text[:100_000]):
            return text
    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding.startswith("utf_16") or best.encoding.startswith("utf_32"):
        raise ImportFormatError(
            f"{file_name}: the bytes are not text in any encoding Concord knows; is it really a search export?"
        ) from None
    try:
        return data.decode(best.encoding)
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"{file_name}: the bytes are not text ({error}).") from None


def year_from(value: object) -> int | None:
    match = _YEAR.search(str(value or ""))
    return int(match.group(1)) if match else None


def clean_list(values: object) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return [str(v).strip() for v in values if str(v).strip()]  # type: ignore[union-attr]


def entry(
    *,
    line: int,
    title: str,
    raw_entry: str,
    abstract: str = "",
    authors: list[str] | None = None,
    year: int | None = None,
    journal: str = "",
    volume: str = "",
    issue: str = "",
    pages: str = "",
    doi: str = "",
    pmid: str = "",
    keywords: list[str] | None = None,
    url: str = "",
    language: str = "",
) -> dict:
    """One parsed record in Record's own field names, plus the line it starts on."""
    fields = {
        "title": " ".join((title or "").split()),
        "abstract": (abstract or "").strip(),
        "authors": clean_list(authors),
        "year": year if year and 1000 <= year <= 2999 else None,
        "journal": journal,
        "volume": volume,
        "issue": issue,
        "pages": pages,
        "doi": doi,
        "pmid": pmid,
        "keywords": clean_list(keywords),
        "url": (url or "").strip()[:URL_LIMIT]
        if (url or "").strip().startswith(("http://", "https://"))
        else "",
        "language": language,
        "raw_entry": raw_entry,
    }
    for name, limit in FIELD_LIMITS.items():
        fields[name] = " ".join(str(fields[name] or "").split())[:limit]
    fields["line"] = line
    return fields


def first(mapping: dict, *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value and str(value).strip():
            return str(value).strip()
    return ""


def pmid_from_accession(value: str) -> str:
    # PubMed identifiers are at most 8 digits today; Embase and Web of Science accession numbers differ.
    value = (value or "").strip()
    return value if value.isdigit() and len(value) <= 8 else ""
