"""Match keys: a record's DOI, PMID, title and first author normalised so that two exports of one
article compare equal. They are computed from what the export says and stored beside it (Record's
`*_key` columns); the record itself is shown exactly as exported. Finding duplicates with these keys is
`duplicate_detection.py`; a person's merge decisions are `merging.py`."""

from __future__ import annotations

import html
import re
import unicodedata

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_MARKUP = re.compile(r"<[^>]{0,200}>")
_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\s*")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_WORD_ASCII = re.compile(r"[^a-z0-9]+")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")


def doi_key(value: str) -> str:
    """`https://doi.org/10.1038/S41398-020-0844-4.` becomes `10.1038/s41398-020-0844-4`."""
    value = _DOI_PREFIX.sub("", (value or "").strip())
    match = _DOI.search(value)
    if not match:
        return ""
    return match.group(0).rstrip(".,;)]").lower()[:300]


def pmid_key(value: str) -> str:
    value = (value or "").strip()
    value = re.sub(r"^(?:pmid:?\s*)", "", value, flags=re.IGNORECASE)
    return value if value.isdigit() and len(value) <= 20 else ""


def _fold(value: str) -> str:
    # Diacritics off (Müller -> muller), case folded, everything that is not a letter or digit a space.
    # Most titles are ASCII; they skip the Unicode decomposition, which is the slow part.
    if value.isascii():
        return _NOT_WORD_ASCII.sub(" ", value.lower()).strip()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", value.casefold()).split())


def title_key(value: str) -> str:
    """Case, punctuation, diacritics, HTML and LaTeX markup do not count."""
    value = value or ""
    if "<" in value:
        value = _MARKUP.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    if "\\" in value:
        value = _LATEX_COMMAND.sub("", value)
    return _fold(value)


def family_name(author: str) -> str:
    """The family name in the shapes exporters write: `Smith, John`, `Smith J` (MEDLINE AU), `John Smith`."""
    author = (author or "").strip()
    if not author:
        return ""
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    if len(parts) > 1 and _INITIALS.match(parts[-1].replace(".", "")):
        return " ".join(parts[:-1])
    return parts[-1]


def author_key(authors: list[str]) -> str:
    return _fold(family_name(authors[0]))[:200] if authors else ""


def record_match_keys(*, title: str, authors: list[str], doi: str, pmid: str) -> dict[str, str]:
    return {
        "doi_key": doi_key(doi),
        "pmid_key": pmid_key(pmid),
        "title_key": title_key(title),
        "author_key": author_key(authors),
    }
