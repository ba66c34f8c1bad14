"""BibTeX as Zotero, Mendeley, JabRef and Google Scholar write it. bibtexparser 2 parses and decodes
LaTeX (M{\\"u}ller becomes Müller); fields relied on: title, author, year (else date), journal (else
booktitle), volume, number, pages, doi, pmid, abstract, keywords, url, language."""

from __future__ import annotations

import re
from collections.abc import Iterable

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

from review.importers.common import ExportText, ImportFormatError, entry, year_from


def parse(export: ExportText) -> Iterable[dict]:
    file_name = export.file_name
    library = bibtexparser.parse_string(
        export.text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()]
    )
    entries: list[Entry] = list(library.entries)
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            # Two entries with one citation key are two records all the same.
            entries.append(block.ignore_error_block)
            continue
        reason = getattr(block, "error", None)
        raise ImportFormatError(
            f"{file_name}, line {block.start_line + 1}: this BibTeX entry cannot be read"
            f"{f' ({reason})' if reason else ''}; the file may be truncated."
        )
    if not entries:
        raise ImportFormatError(f"{file_name}: no BibTeX entries (@article{{…}}) found.")
    entries.sort(key=lambda e: e.start_line)
    records = []
    for item in entries:
        fields = {f.key.lower(): f.value for f in item.fields}

        def text_of(*names: str, fields=fields) -> str:
            for name in names:
                value = fields.get(name)
                if value:
                    return " ".join(str(value).replace("{", "").replace("}", "").split())
            return ""

        authors = fields.get("author") or []
        if isinstance(authors, str):
            authors = [a.strip() for a in re.split(r"\s+and\s+", authors)]
        keywords = [k.strip() for k in re.split(r"[;,]", text_of("keywords")) if k.strip()]
        records.append(
            entry(
                line=item.start_line + 1,
                title=text_of("title"),
                abstract=text_of("abstract"),
                authors=[a.replace("{", "").replace("}", "") for a in authors],
                year=year_from(text_of("year", "date")),
                journal=text_of("journal", "journaltitle", "booktitle"),
                volume=text_of("volume"),
                issue=text_of("number", "issue"),
                pages=text_of("pages").replace("--", "-"),
                doi=text_of("doi"),
                pmid=text_of("pmid"),
                keywords=keywords,
                url=text_of("url"),
                language=text_of("language", "langid"),
                raw_entry=item.raw or "",
            )
        )
    return records
