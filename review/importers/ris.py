"""RIS, with the tag variants real exporters write. rispy parses; this module maps its fields."""

from __future__ import annotations

import re

import rispy


class ImportFormatError(ValueError):
    pass


def _first(entry: dict, *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return ""


def _year(value: str) -> int | None:
    match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def parse(data: bytes, *, file_name: str) -> list[dict]:
    text = data.decode("utf-8-sig")
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except Exception as error:  # rispy raises plain IOError/ValueError for broken files
        raise ImportFormatError(f"{file_name}: not a readable RIS file ({error}).") from error
    records = []
    for entry in entries:
        authors = entry.get("authors") or entry.get("first_authors") or []
        records.append(
            {
                "title": _first(entry, "title", "primary_title"),
                "abstract": _first(entry, "abstract", "notes_abstract"),
                "authors": [a.strip() for a in authors if a.strip()],
                "year": _year(_first(entry, "year", "publication_year", "date")),
                "journal": _first(entry, "journal_name", "secondary_title", "alternate_title1"),
                "doi": _first(entry, "doi"),
                "keywords": [k.strip() for k in entry.get("keywords", []) if k.strip()],
                "raw_entry": rispy.dumps([entry]).strip(),
            }
        )
    return records
