"""PubMed MEDLINE text, as PubMed's "Save, format PubMed" writes it (.nbib/.txt). Bio.Medline parses;
the tags relied on: PMID, TI, AB, FAU (else AU), DP, JT (else TA), VI, IP, PG, LID/AID ("… [doi]"),
OT and MH (keywords), LA."""

from __future__ import annotations

import io
import re

from Bio import Medline

from review.importers.common import ImportFormatError, entry, first, year_from

_PMID = re.compile(r"^PMID-", re.MULTILINE)


_DOI = re.compile(r"(10\.\S+)\s*\[doi\]")


def _doi(item: dict) -> str:
    # LID and AID may repeat ("159" then "10.1038/… [doi]"); Bio.Medline joins repeated LIDs with a space.
    for value in (item.get("LID"), item.get("AID")):
        for text in value if isinstance(value, list) else [value or ""]:
            if match := _DOI.search(text):
                return match.group(1)
    return ""


def parse(text: str, *, file_name: str) -> list[dict]:
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
