"""CSV and tab-delimited exports, read through a column mapping (record field -> column name).
Presets follow the vendors' own headers: PubMed "Save, CSV"; Scopus "Export, CSV"; Web of Science
"Export, Tab delimited file" (two-letter field tags). Without a mapping, common column names map by
themselves."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from review.importers.common import ExportText, ImportFormatError, entry, year_from

csv.field_size_limit(2**31 - 1)  # abstracts are long

FIELDS = [
    ("title", "Title"),
    ("abstract", "Abstract"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("keywords", "Keywords"),
    ("url", "URL"),
    ("language", "Language"),
]

PRESETS: dict[str, dict] = {
    "pubmed_csv": {
        "label": "PubMed CSV",
        "signature": {"PMID", "Title", "Citation", "Journal/Book"},
        "mapping": {
            "pmid": "PMID",
            "title": "Title",
            "authors": "Authors",
            "journal": "Journal/Book",
            "year": "Publication Year",
            "doi": "DOI",
        },
    },
    "scopus_csv": {
        "label": "Scopus CSV",
        "signature": {"Source title", "EID"},
        "mapping": {
            "title": "Title",
            "authors": "Authors",
            "year": "Year",
            "journal": "Source title",
            "volume": "Volume",
            "issue": "Issue",
            "pages": "Page start",
            "doi": "DOI",
            "url": "Link",
            "abstract": "Abstract",
            "keywords": "Author Keywords",
            "pmid": "PubMed ID",
            "language": "Language of Original Document",
        },
    },
    "wos_tab": {
        "label": "Web of Science tab-delimited",
        "signature": {"PT", "AU", "TI", "UT"},
        "mapping": {
            "title": "TI",
            "authors": "AF",
            "abstract": "AB",
            "year": "PY",
            "journal": "SO",
            "volume": "VL",
            "issue": "IS",
            "pages": "BP",
            "doi": "DI",
            "pmid": "PM",
            "keywords": "DE",
            "language": "LA",
        },
    },
}

SYNONYMS = {
    "title": ["title", "article title", "document title", "primary title", "ti"],
    "abstract": ["abstract", "ab", "summary"],
    "authors": ["authors", "author", "author(s)", "author full names", "au", "af"],
    "year": ["year", "publication year", "pub year", "py", "date"],
    "journal": [
        "journal",
        "source title",
        "journal/book",
        "publication title",
        "journal title",
        "source",
        "so",
    ],
    "volume": ["volume", "vl"],
    "issue": ["issue", "number", "is"],
    "pages": ["pages", "page start", "bp"],
    "doi": ["doi", "di"],
    "pmid": ["pmid", "pubmed id", "pm"],
    "keywords": ["keywords", "author keywords", "de"],
    "url": ["url", "link"],
    "language": ["language", "language of original document", "la"],
}

_PUBMED_AUTHORS = re.compile(r"^[^,;]+ [A-Z]{1,3}(, [^,;]+ [A-Z]{1,3})*\.?$")


def _delimiter(header_line: str) -> str:
    if "\t" in header_line:
        return "\t"
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_header(text: str) -> list[str]:
    first_line = text.split("\n", 1)[0].lstrip("\ufeff")
    return [c.strip() for c in next(csv.reader([first_line], delimiter=_delimiter(first_line)), [])]


def propose_mapping(columns: list[str]) -> tuple[str, dict[str, str]]:
    """(preset name or "", mapping) for a header: a vendor preset when its columns are all there, else
    columns whose names say what they hold."""
    present = set(columns)
    for name, preset in PRESETS.items():
        if preset["signature"] <= present:
            return name, {f: c for f, c in preset["mapping"].items() if c in present}
    by_name = {c.casefold(): c for c in columns}
    mapping = {}
    for field, names in SYNONYMS.items():
        for name in names:
            if name in by_name:
                mapping[field] = by_name[name]
                break
    return "", mapping


def _split_authors(value: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    elif _PUBMED_AUTHORS.match(value):  # PubMed CSV: "Tiger M, Lundberg J."
        parts = value.rstrip(".").split(",")
    else:
        parts = [value]
    return [p.strip() for p in parts if p.strip()]


def parse(export: ExportText) -> Iterable[dict]:
    text, file_name, mapping = export.text, export.file_name, export.column_mapping
    header_line = text.split("\n", 1)[0].lstrip("\ufeff")
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        columns = [c.strip() for c in next(reader)]
    except StopIteration:
        raise ImportFormatError(f"{file_name}: the file is empty.") from None
    if not mapping:
        _preset, mapping = propose_mapping(columns)
    mapping = {f: c for f, c in mapping.items() if c}
    if "title" not in mapping:
        raise ImportFormatError(
            f"{file_name}, line 1: no column holds the title (columns found: {', '.join(columns) or 'none'}). "
            "Map a column to Title."
        )
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise ImportFormatError(f"{file_name}, line 1: no column called {', '.join(map(repr, missing))}.")
    index = {field: columns.index(column) for field, column in mapping.items()}
    records = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(columns) // 2:
                raise ImportFormatError(
                    f"{file_name}, line {reader.line_num}: {len(row)} values where the header has "
                    f"{len(columns)} columns; the file may be truncated."
                )

            def get(field: str, row=row) -> str:
                i = index.get(field)
                return row[i].strip() if i is not None and i < len(row) else ""

            records.append(
                entry(
                    line=reader.line_num,
                    title=get("title"),
                    abstract=get("abstract"),
                    authors=_split_authors(get("authors")),
                    year=year_from(get("year")),
                    journal=get("journal"),
                    volume=get("volume"),
                    issue=get("issue"),
                    pages=get("pages"),
                    doi=get("doi"),
                    pmid=get("pmid"),
                    keywords=[k.strip() for k in get("keywords").split(";")],
                    url=get("url"),
                    language=get("language"),
                    raw_entry=delimiter.join(row),
                )
            )
    except csv.Error as error:
        raise ImportFormatError(f"{file_name}, line {reader.line_num}: {error}.") from None
    if not records:
        raise ImportFormatError(f"{file_name}: a header but no rows of records.")
    return records


def sample_rows(text: str, *, limit: int) -> list[list[str]]:
    """The first rows after the header, cut short, to help choose columns."""
    header_line = text.split("\n", 1)[0].lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=_delimiter(header_line))
    next(reader, None)
    rows = []
    for row in reader:
        if len(rows) >= limit:
            break
        rows.append([cell[:80] for cell in row])
    return rows
