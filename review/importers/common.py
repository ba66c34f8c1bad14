"""What every format shares: turning bytes into text, the text every parser reads (`ExportText`), the
shape of a parsed entry, and errors and warnings that name the file, the line or entry, and what is
wrong."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


LINES_NAMED = 10  # a warning names this many lines, then says how many more

Progress = Callable[[str, int], None]


def no_progress(stage: str, percent: int) -> None:
    return None


class ImportFormatError(ValueError):
    """Bad input. The message is for the person who uploaded the file."""


@dataclass
class ExportText:
    """A search export as every parser reads it: `parse(export) -> entries` (a list, or given one by one)."""

    text: str
    file_name: str
    column_mapping: dict[str, str] | None = None  # CSV only: record field -> column name
    progress: Progress = no_progress


@dataclass(frozen=True)
class DecodedText:
    text: str
    warnings: list[str] = field(default_factory=list)  # for the person who uploaded the file


def decode_text(data: bytes, *, file_name: str) -> DecodedText:
    """Text from an export in UTF-8 (with or without a byte-order mark), UTF-16 or a legacy 8-bit code
    page. A UTF-8 file with a few broken bytes stays UTF-8, with a warning naming their lines."""
    _refuse_non_text(data, file_name=file_name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            decoded = DecodedText(data.decode("utf-16"))
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                f"{file_name}: the file says it is UTF-16 but is not ({error})."
            ) from None
    else:
        try:
            decoded = DecodedText(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            decoded = _mostly_utf8(data, file_name=file_name) or DecodedText(
                _legacy_code_page(data, file_name=file_name)
            )
    if _CONTROL.search(decoded.text[:100_000]):
        raise ImportFormatError(f"{file_name}: the file holds binary data (control bytes), not text.")
    return decoded


def decode_head(data: bytes, *, file_name: str) -> str:
    """The start of a file, read to tell its format and columns before the whole file is read: decoded
    as `decode_text` decodes the whole, less a character the slice cut in two."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data[: len(data) // 2 * 2]
    else:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data":
                data = data[: error.start]
    return decode_text(data, file_name=file_name).text


def _refuse_non_text(data: bytes, *, file_name: str) -> None:
    if not data.strip():
        raise ImportFormatError(f"{file_name}: the file is empty.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ImportFormatError(f"{file_name}: this is {what}, not a text export of records.")


def _mostly_utf8(data: bytes, *, file_name: str) -> DecodedText | None:
    """A UTF-8 file with a few bytes that are not (an entry pasted from elsewhere, a cut character):
    decoding all of it as Windows-1252 would turn every “é” into “Ã©”, so the file stays UTF-8, the bad
    bytes become “\ufffd”, and the warning names their lines. None when the file is mostly not UTF-8."""
    text = data.decode("utf-8-sig", errors="replace")
    replaced = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii - replaced < replaced:  # fewer good UTF-8 characters than bad bytes: a legacy code page
        return None
    lines = []
    position = text.find("\ufffd")
    line, counted_to = 1, 0
    while position != -1:
        line += text.count("\n", counted_to, position)
        counted_to = position
        if not lines or lines[-1] != line:
            lines.append(line)
        position = text.find("\ufffd", position + 1)
    return DecodedText(
        text,
        [
            f"{file_name}, {lines_named(lines)}: bytes that are not UTF-8 (the rest of the file is) were "
            "replaced by “\ufffd”; check the records there, or export the file again."
        ],
    )


def lines_named(lines: list[int]) -> str:
    """“line 4”, “lines 4, 9”, “lines 4, 9 … and 3 more”."""
    shown = ", ".join(str(n) for n in lines[:LINES_NAMED])
    more = f" and {len(lines) - LINES_NAMED} more" if len(lines) > LINES_NAMED else ""
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}{more}"


# Stored names are cut to this many bytes (the name as uploaded is kept whole in `file_name`): a file
# system takes 255 bytes a name, and storage adds “_” and 7 characters when the name is taken.
STORED_NAME_BYTES = 120


def stored_name(file_name: str) -> str:
    """A name for storage that stays within the file system's limit even with storage's suffix."""
    path = Path(Path(file_name).name or "export")
    suffix = path.suffix if len(path.suffix.encode()) <= 16 else ""
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    budget = STORED_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:budget].decode("utf-8", errors="ignore") or "export"
    return stem + suffix


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
    return [text for text in (str(v).strip() for v in values) if text]  # type: ignore[union-attr]


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
        value = str(fields[name] or "")
        # White space folded to single spaces; most values have nothing to fold (cheaper to check).
        if not value.isprintable() or "  " in value or value != value.strip():
            value = " ".join(value.split())
        fields[name] = value[:limit]
    fields["line"] = line
    return fields


def first(mapping: dict, *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if not value:
            continue
        if isinstance(value, list):
            value = value[0]
        if value and (text := str(value).strip()):
            return text
    return ""


def pmid_from_accession(value: str) -> str:
    # PubMed identifiers are at most 8 digits today; Embase and Web of Science accession numbers differ.
    value = (value or "").strip()
    return value if value.isdigit() and len(value) <= 8 else ""
