"""Duplicate detection: which of a new file's records duplicate a review's records or each other, from
their match keys (`match_keys.py`). A person's decisions on the pairs found are `merging.py`.

Exact first: the same DOI or PMID is a sure duplicate. Then fuzzy: records are grouped into blocks, and
titles are compared only inside a block, so the cost grows with the number of records, not its square.
A pair needs to share only one block, so each kind of damage an export does is covered by a block that
survives it:

- the first 30 characters of the title (the first author written another way, a year off);
- the first author and year (a title changed near its start);
- each of the title's three rarest words (a letter changed anywhere *and* another first author, as
  "Antidepressant effects of ketamine…" (Berman 2000) came from two databases). A word that no other
  record has (a misspelt one) is skipped, so a typo costs the block of that word only.

A block bigger than BLOCK_CAP is compared as a sorted neighbourhood (each record against the records
next to it in title order) instead of all against all, which keeps a common word or author from making
the cost quadratic. All pairs are then scored at once with `rapidfuzz.process.cpdist`.

A record always points to the earliest record of its group (records already in the review come first,
then the file in order), so the first copy imported stays the one that is screened."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

TITLE_BLOCK_CHARS = 30
RARE_WORDS = 3  # blocks per title on its rarest words
MIN_WORD_CHARS = 3  # "of", "in", "a" say nothing about a title
BLOCK_CAP = 200  # all-against-all up to this many records in a block
NEIGHBOURS = 20  # in a bigger block, each record is compared with this many on each side in title order
CANDIDATE_SCORE = 85.0  # title similarity worth a look at all
SURE_SCORE = 95.0  # with year (±1) and first author agreeing: merged without asking
SURE_MIN_TITLE = 20  # shorter titles ("Editorial", "Reply") are never merged without a person
AUTHOR_SCORE = 75.0
MIN_MAIN_TITLE_WORDS = 4  # "Ketamine: …" without its subtitle is too little to go on


@dataclass(frozen=True, slots=True)
class MatchKeys:
    doi: str
    pmid: str
    title: str
    author: str
    year: int | None


@dataclass(frozen=True, slots=True)
class Match:
    record: int  # index of the later record
    original: int  # index of the earliest record of the group it joins
    reason: str
    score: float
    sure: bool


def _year_agrees(a: int | None, b: int | None) -> bool | None:
    if a is None and b is None:
        return True
    if a is None or b is None:
        return None
    return abs(a - b) <= 1


def _author_agrees(a: str, b: str) -> bool | None:
    if a == b:
        return True
    if not a or not b:
        return None
    return fuzz.ratio(a, b) >= AUTHOR_SCORE or a.startswith(b) or b.startswith(a)


def subtitle_dropped(a: str, b: str) -> bool:
    """One title key is the other without what followed it (a subtitle an export left out)."""
    shorter, longer = sorted((a, b), key=len)
    return (
        len(shorter) >= TITLE_BLOCK_CHARS
        and len(shorter) < len(longer)
        and longer.startswith(shorter)
        and longer[len(shorter)] == " "
        and shorter.count(" ") + 1 >= MIN_MAIN_TITLE_WORDS
    )


def judge(a: MatchKeys, b: MatchKeys, score: float, *, subtitle: bool = False) -> tuple[bool, bool, str]:
    """(is a candidate, is sure, reason) for two records whose titles are `score` alike, or of which one
    is the other without its subtitle. A title without its subtitle is never merged without a person."""
    if score < CANDIDATE_SCORE and not subtitle:
        return False, False, ""
    year = _year_agrees(a.year, b.year)
    author = _author_agrees(a.author, b.author)
    conflicting_ids = (a.doi and b.doi and a.doi != b.doi) or (a.pmid and b.pmid and a.pmid != b.pmid)
    if year is False and (subtitle or score < SURE_SCORE):
        return False, False, ""
    if score >= CANDIDATE_SCORE:
        reason = f"similar title ({score:.0f}%)"
    else:
        reason = "one title is the other without its subtitle"
    if year is not True:
        reason += ", year differs" if year is False else ", a year is missing"
    if author is not True:
        reason += ", first author differs" if author is False else ", an author is missing"
    if conflicting_ids:
        reason += ", different DOI or PMID"
    sure = (
        score >= SURE_SCORE
        and year is True
        and author is True
        and not conflicting_ids
        and len(a.title) >= SURE_MIN_TITLE
    )
    return True, sure, reason


class _Groups:
    """Union-find whose root is always the smallest index: the earliest record of the group."""

    def __init__(self, parents: list[int]):
        self.parent = parents

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i


def _blocks(keys: Sequence[MatchKeys]) -> dict[object, list[int]]:
    """Block key -> indexes of its records, in index order."""
    words = [{w for w in k.title.split() if len(w) >= MIN_WORD_CHARS} for k in keys]
    frequency: Counter[str] = Counter()
    for title_words in words:
        frequency.update(title_words)
    blocks: dict[object, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if not k.title:
            continue
        blocks[k.title[:TITLE_BLOCK_CHARS]].append(i)
        if k.author:
            blocks[(k.author, k.year)].append(i)
        shared = [w for w in words[i] if frequency[w] > 1]
        shared.sort(key=lambda w: (frequency[w], w))
        for word in shared[:RARE_WORDS]:
            blocks[("word", word)].append(i)
    return blocks


def _pairs_in_block(
    members: list[int], keys: Sequence[MatchKeys], is_new: list[bool]
) -> list[tuple[int, int]]:
    """(later, earlier) pairs worth scoring in one block: all of them, or a sorted neighbourhood."""
    if len(members) <= BLOCK_CAP:
        return [(i, j) for n, i in enumerate(members) if is_new[i] for j in members[:n]]
    ordered = sorted(members, key=lambda i: keys[i].title)
    pairs = []
    for n, i in enumerate(ordered):
        for j in ordered[n + 1 : n + 1 + NEIGHBOURS]:
            later, earlier = (i, j) if i > j else (j, i)
            if is_new[later]:
                pairs.append((later, earlier))
    return pairs


def _candidates(
    keys: Sequence[MatchKeys], *, first_new: int, merged: list[bool]
) -> dict[int, list[tuple[int, float, bool]]]:
    """Later record -> [(earlier record, title score, subtitle dropped)] worth judging."""
    is_new = [i >= first_new and not merged[i] for i in range(len(keys))]
    pairs: set[tuple[int, int]] = set()
    for members in _blocks(keys).values():
        if len(members) > 1 and members[-1] >= first_new:  # the file's records come last
            pairs.update(_pairs_in_block(members, keys, is_new))
    if not pairs:
        return {}
    later, earlier = zip(*pairs, strict=True)
    scores = process.cpdist(
        [keys[i].title for i in later], [keys[j].title for j in earlier], scorer=fuzz.ratio
    )
    candidates: dict[int, list[tuple[int, float, bool]]] = defaultdict(list)
    for n in np.flatnonzero(scores >= CANDIDATE_SCORE):
        candidates[later[n]].append((earlier[n], float(scores[n]), False))
    # A title without its subtitle keeps the first characters of the title, so it shares that block.
    for n in np.flatnonzero(scores < CANDIDATE_SCORE):
        i, j = later[n], earlier[n]
        if keys[i].title[:TITLE_BLOCK_CHARS] == keys[j].title[:TITLE_BLOCK_CHARS] and subtitle_dropped(
            keys[i].title, keys[j].title
        ):
            candidates[i].append((j, float(scores[n]), True))
    return candidates


def find_duplicates(
    keys: Sequence[MatchKeys], *, first_new: int, roots: Sequence[int] | None = None
) -> list[Match]:
    """Matches for the records from `first_new` on (the new file) against every earlier record.

    `keys[:first_new]` are the review's records; `roots[i]` is the index of the record that record i
    already duplicates (or i itself)."""
    n = len(keys)
    groups = _Groups(list(roots) + list(range(first_new, n)) if roots is not None else list(range(n)))
    matches: list[Match] = []
    merged = [False] * n

    # 1. Exact identifiers.
    seen: dict[tuple[str, str], int] = {}
    for i, k in enumerate(keys):
        for kind, value in (("DOI", k.doi), ("PMID", k.pmid)):
            if not value:
                continue
            earlier = seen.get((kind, value))
            if earlier is None:
                seen[(kind, value)] = i
            elif i >= first_new and not merged[i]:
                target = groups.root(earlier)
                if target != groups.root(i):
                    groups.parent[i] = target
                    merged[i] = True
                    matches.append(Match(i, target, f"same {kind}", 100.0, True))

    # 2. Fuzzy title within blocks.
    candidates = _candidates(keys, first_new=first_new, merged=merged)
    for i in sorted(candidates):
        judged = []
        for j, score, subtitle in candidates[i]:
            is_candidate, sure, reason = judge(keys[i], keys[j], score, subtitle=subtitle)
            if is_candidate:
                judged.append((sure, score, j, reason))
        judged.sort(reverse=True)
        for sure, score, j, reason in judged:
            if sure:
                target = groups.root(j)
                if target != groups.root(i):
                    groups.parent[i] = target
                    merged[i] = True
                    matches.append(Match(i, target, reason, score, True))
                break
        if merged[i]:
            continue
        queued: set[int] = set()
        for _sure, score, j, reason in judged:
            target = groups.root(j)
            if target != groups.root(i) and target not in queued:
                queued.add(target)
                matches.append(Match(i, target, reason, score, False))
    return matches
