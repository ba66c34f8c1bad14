"""EndNote XML (File > Export > XML). Elements relied on: record/titles/title, titles/secondary-title or
periodical/full-title, contributors/authors/author, dates/year, abstract, electronic-resource-num (DOI),
accession-num, keywords/keyword, volume, number, pages, urls/related-urls/url, language. EndNote wraps
text in <style> elements, so values are read with itertext(). Entity expansion and network access stay off."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from review.importers.common import ExportText, ImportFormatError, entry, pmid_from_accession, year_from

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _text(node, path: str) -> str:
    found = node.find(path)
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def _texts(node, path: str) -> list[str]:
    return [" ".join("".join(n.itertext()).split()) for n in node.findall(path)]


def parse(export: ExportText) -> Iterable[dict]:
    text, file_name = export.text, export.file_name
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(_DECLARATION.sub("", text, count=1).encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or "?"
        raise ImportFormatError(
            f"{file_name}, line {line}: not well-formed XML ({error.msg}); the file may be truncated."
        ) from None
    records_found = root.findall(".//record")
    if not records_found:
        raise ImportFormatError(f"{file_name}: no EndNote <record> elements found.")
    records = []
    for node in records_found:
        database = _text(node, "remote-database-name").lower()
        accession = _text(node, "accession-num")
        pmid = pmid_from_accession(accession) if ("pubmed" in database or "medline" in database) else ""
        urls = _texts(node, "urls/related-urls/url")
        records.append(
            entry(
                line=node.sourceline or 0,
                title=_text(node, "titles/title"),
                abstract=_text(node, "abstract"),
                authors=_texts(node, "contributors/authors/author"),
                year=year_from(_text(node, "dates/year")),
                journal=_text(node, "titles/secondary-title") or _text(node, "periodical/full-title"),
                volume=_text(node, "volume"),
                issue=_text(node, "number"),
                pages=_text(node, "pages"),
                doi=_text(node, "electronic-resource-num"),
                pmid=pmid,
                keywords=_texts(node, "keywords/keyword"),
                url=urls[0] if urls else "",
                language=_text(node, "language"),
                raw_entry=etree.tostring(node, encoding="unicode"),
            )
        )
    return records
