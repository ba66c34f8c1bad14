"""PubMed MEDLINE text, as PubMed's "Save, format PubMed" writes it (.nbib/.txt). Bio.Medline parses;
the tags relied on: PMID, TI, AB, FAU (else AU), DP, JT (else TA), VI, IP, PG, LID/AID ("… [doi]"),
OT and MH (keywords), LA. PubMed ends every record with SO, so a record that does not end as the
others do is a file cut short, and is refused rather than imported with half a title."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from Bio import Medline

from review.importers.common import ExportText, ImportFormatError, entry, first, year_from

_PMID = re.compile(r"^PMID-", re.MULTILINE)
_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ")
LAST_PUBMED_TAG = "SO"


_DOI = re.compile(r"(10\.\S+)\s*\[doi\]")


def _doi(item: dict) -> str:
    # LID and AID may repeat ("159" then "10.1038/… [doi]"); Bio.Medline joins repeated LIDs with a space.
    for value in (item.get("LID"), item.get("AID")):
        for text in value if isinstance(value, list) else [value or ""]:
            if match := _DOI.search(text):
                return match.group(1)
    return ""


def _last_field(lines: list[str], start: int, end: int) -> tuple[str, int]:
    """(tag, line number) of the last field of the record on lines start..end (1-based, inclusive)."""
    for number in range(end, start - 1, -1):
        if match := _TAG.match(lines[number - 1]):
            return match.group(1), number
    return "", start


def _refuse_a_cut_last_record(
    export: ExportText, lines: list[str], starts: list[int], ends: list[int]
) -> None:
    closing = {_last_field(lines, start, end)[0] for start, end in zip(starts[:-1], ends[:-1], strict=True)}
    tag, number = _last_field(lines, starts[-1], ends[-1])
    if len(closing) == 1:
        expected = closing.pop()
        if tag == expected:
            return
        reason = f"before the {expected} line that ends every other record"
    elif export.text.endswith("\n") or tag == LAST_PUBMED_TAG:
        return
    else:
        reason = "in the middle of a line"
    shown = " ".join(lines[number - 1].split())[:60]
    raise ImportFormatError(
        f"{export.file_name}, line {number}: the file ends inside the record that starts on line "
        f"{starts[-1]}, in its {tag or 'first'} field (“{shown}”), {reason}; the file looks truncated. "
        "Export it again."
    )


def parse(export: ExportText) -> Iterable[dict]:
    text, file_name = export.text, export.file_name
    starts = [text.count("\n", 0, m.start()) + 1 for m in _PMID.finditer(text)]
    if not starts:
        raise ImportFormatError(f"{file_name}: no MEDLINE entries (lines starting “PMID- ”) found.")
    try:
        items = list(Medline.parse(io.StringIO(text)))
    except Exception as error:
        raise ImportFormatError(f"{file_name}: not a readable MEDLINE file ({error}).") from error
    items = [item for item in items if item.get("PMID")]
    if len(items) != len(starts):
        raise ImportFormatError(
            f"{file_name}: found {len(starts)} PMID lines but could read {len(items)} entries."
        )
    lines = text.splitlines()
    ends = [*(s - 1 for s in starts[1:]), len(lines)]
    _refuse_a_cut_last_record(export, lines, starts, ends)
    records = []
    for start, end, item in zip(starts, ends, items, strict=True):
        keywords = list(item.get("OT") or []) or list(item.get("MH") or [])
        records.append(
            entry(
                line=start,
                title=first(item, "TI", "BTI"),
                abstract=first(item, "AB"),
                authors=item.get("FAU") or item.get("AU") or [],
                year=year_from(first(item, "DP", "DEP")),
                journal=first(item, "JT", "TA"),
                volume=first(item, "VI"),
                issue=first(item, "IP"),
                pages=first(item, "PG"),
                doi=_doi(item),
                pmid=first(item, "PMID"),
                keywords=keywords,
                url=f"https://pubmed.ncbi.nlm.nih.gov/{first(item, 'PMID')}/",
                language=first(item, "LA"),
                raw_entry="\n".join(lines[start - 1 : end]).strip(),
            )
        )
    return records
