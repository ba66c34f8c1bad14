"""Where a review's inclusion and exclusion keywords occur in a record's text, for highlighting while
screening. A keyword is a word or a phrase; each of its words matches any word of the same English stem
("rat" finds "rats", "depressive disorder" finds "depressive disorders"), and a word ending in `*` matches
every word it begins ("ketamin*" finds "ketamine" and "ketamines"). The words of a phrase may be
separated by spaces or hyphens in the text.

Words are compared after case folding and without accents, so "İnsulin" (which folds to "i̇nsulin",
with a combining dot) still finds "insulin". The record search stems with PostgreSQL's English
dictionary or SQLite's porter tokenizer (review.records); the Snowball English stemmer used here is the
same family, so a word the search finds is highlighted."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

_WORD = re.compile(r"\w+")
# What may stand between two words of a phrase in the text.
_PHRASE_GAP = re.compile(r"[\s\-‐‑–]+")


def _plain(word: str) -> str:
    """The word case-folded and without accents or other combining marks."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Term:
    """One word of a keyword: a stem to equal, or (ending in *) a beginning to start with."""

    text: str
    prefix: bool

    def matches(self, plain: str, stem: str) -> bool:
        return plain.startswith(self.text) if self.prefix else stem == self.text


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    kind: str


class KeywordMatcher:
    """The review's keywords, ready to be found in any number of texts. Not shared between threads: the
    Snowball stemmer keeps state while it stems a word."""

    def __init__(self, include: Iterable[str], exclude: Iterable[str]):
        self._stemmer = snowballstemmer.stemmer("english")
        self._stems: dict[str, str] = {}
        seen: set[tuple[_Term, ...]] = set()
        keywords: list[tuple[tuple[_Term, ...], str]] = []
        for kind, words in (("include", include), ("exclude", exclude)):
            for keyword in words:
                terms = self._terms(keyword)
                # A keyword in both lists is an inclusion keyword, as it always was.
                if terms and terms not in seen:
                    seen.add(terms)
                    keywords.append((terms, kind))
        # Longest first, so that "serotonin 1B" wins over "serotonin" where both could start.
        self._keywords = sorted(keywords, key=lambda k: len(k[0]), reverse=True)

    def _stem(self, plain: str) -> str:
        if plain not in self._stems:
            self._stems[plain] = self._stemmer.stemWord(plain)
        return self._stems[plain]

    def _terms(self, keyword: str) -> tuple[_Term, ...]:
        terms = []
        for piece in keyword.split():
            wildcard = piece.endswith("*")
            for i, word in enumerate(words := _WORD.findall(piece)):
                plain = _plain(word)
                # The * belongs to the last word of its piece ("anti-depress*": "anti", then "depress*").
                if wildcard and i == len(words) - 1:
                    terms.append(_Term(plain, prefix=True))
                else:
                    terms.append(_Term(self._stem(plain), prefix=False))
        return tuple(terms)

    def __bool__(self) -> bool:
        return bool(self._keywords)

    def find(self, text: str) -> list[Match]:
        """The keywords' occurrences in `text`, left to right and never overlapping."""
        if not self._keywords or not text:
            return []
        tokens = [(m.start(), m.end(), _plain(m.group())) for m in _WORD.finditer(text)]
        stems = [self._stem(plain) for _, _, plain in tokens]
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            length, kind = self._longest_at(text, tokens, stems, i)
            if length:
                found.append(Match(tokens[i][0], tokens[i + length - 1][1], kind))
                i += length
            else:
                i += 1
        return found

    def _longest_at(self, text: str, tokens: list, stems: list[str], i: int) -> tuple[int, str]:
        for terms, kind in self._keywords:
            if i + len(terms) > len(tokens):
                continue
            if all(
                term.matches(tokens[i + k][2], stems[i + k])
                and (k == 0 or _PHRASE_GAP.fullmatch(text[tokens[i + k - 1][1] : tokens[i + k][0]]))
                for k, term in enumerate(terms)
            ):
                return len(terms), kind
        return 0, ""
