"""Duplicate detection: which of a new file's records duplicate a review's records or each other, from
their match keys (`match_keys.py`). A person's decisions on the pairs found are `merging.py`.

Exact first: the same DOI or PMID is a sure duplicate. Then fuzzy: records are grouped into blocks, and
titles are compared only inside a block, so the cost grows with the number of records, not its square.
A pair needs to share only one block, so each kind of damage an export does is covered by a block that
survives it:

- the first 30 characters of the title (the first author written another way, a year off, the
  subtitle left out);
- the first author and year (a title changed near its start);
- the title's rarest words, every three of its four rarest (a letter changed anywhere *and* another
  first author, as "Antidepressant effects of ketamine…" (Berman 2000) came from two databases). A
  word no other title has (a misspelt one) is not ranked at all, so both copies rank the words they
  share alike, and leaving each of the four out in turn survives one more word that differs.

A block bigger than BLOCK_CAP is compared as a sorted neighbourhood (each record against the NEIGHBOURS
next to it in title order) instead of all against all, so that a common author or word cannot make the
cost quadratic. Blocks are formed and paired with numpy, and all pairs are scored in one call of
`rapidfuzz.process.cpdist`.

A record always points to the earliest record of its group (records already in the review come first,
then the file in order), so the first copy imported stays the one that is screened."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, combinations

import numpy as np
from rapidfuzz import fuzz, process

TITLE_BLOCK_CHARS = 30
RARE_WORDS = 4  # a title's rarest words; every three of them make a block
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


def _rare_word_ranks(titles: list[set[str]]) -> dict[str, int]:
    """Each word that more than one title has (and is not a short one like "of"), numbered rarest
    first, ties in alphabetical order: two copies of a title rank the words they share alike. A word
    no other title has (a misspelt one) has no rank, since it would block with nobody."""
    frequency = Counter(chain.from_iterable(titles))
    shared = sorted((count, word) for word, count in frequency.items() if count > 1 and len(word) >= 3)
    return {word: rank for rank, (_count, word) in enumerate(shared, 1)}  # from 1: a rank is never falsy


def _block_rows(keys: Sequence[MatchKeys]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(block, record, is a title-start block) rows: each block a record is in. Blocks are named by a
    hash; two blocks sharing one only add pairs to score, never lose one."""
    titled = [i for i, k in enumerate(keys) if k.title]
    with_author = [i for i in titled if keys[i].author]
    words = [set(k.title.split()) for k in keys]
    rank = _rare_word_ranks(words)
    rare = [sorted(filter(None, map(rank.get, title)))[:RARE_WORDS] for title in words]
    word_blocks = [
        (hash(combination), i)
        for i, ranks in enumerate(rare)
        if len(ranks) > 1
        for combination in combinations(ranks, max(2, len(ranks) - 1))
    ]
    block = [
        *(hash(keys[i].title[:TITLE_BLOCK_CHARS]) for i in titled),
        *(hash((keys[i].author, keys[i].year)) for i in with_author),
        *(key for key, _i in word_blocks),
    ]
    record = [*titled, *with_author, *(i for _key, i in word_blocks)]
    is_start = np.zeros(len(block), dtype=bool)
    is_start[: len(titled)] = True
    return np.array(block, dtype=np.int64), np.array(record, dtype=np.int64), is_start


def _pairs(keys: Sequence[MatchKeys], *, is_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pair codes later * n + earlier to score, codes of the pairs from title-start blocks), each once."""
    n = len(keys)
    block, record, is_start = _block_rows(keys)
    title_order = np.empty(n, dtype=np.int64)
    titles = [k.title for k in keys]
    title_order[sorted(range(n), key=titles.__getitem__)] = np.arange(n)
    order = np.lexsort((title_order[record], block))  # by block, then by title within a block
    block, record, is_start = block[order], record[order], is_start[order]
    first_rows = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    sizes = np.diff(np.r_[first_rows, len(block)])
    size = np.repeat(sizes, sizes)
    codes, start_codes = [], []
    distance = 1
    while distance < len(block):
        # Rows `distance` apart in one block: all of a small block, the neighbourhood of a big one.
        same = (block[distance:] == block[:-distance]) & (
            (size[distance:] <= BLOCK_CAP) | (distance <= NEIGHBOURS)
        )
        if not same.any():
            break
        a, b = record[:-distance][same], record[distance:][same]
        later, earlier = np.maximum(a, b), np.minimum(a, b)
        keep = is_new[later] & (later != earlier)
        code = later[keep] * n + earlier[keep]
        codes.append(code)
        start_codes.append(code[is_start[:-distance][same][keep]])
        distance += 1
    if not codes:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(codes)), np.unique(np.concatenate(start_codes))


def _candidates(
    keys: Sequence[MatchKeys], *, first_new: int, merged: list[bool]
) -> dict[int, list[tuple[int, float, bool]]]:
    """Later record -> [(earlier record, title score, subtitle dropped)] worth judging."""
    n = len(keys)
    is_new = np.arange(n) >= first_new
    is_new[np.flatnonzero(merged)] = False
    codes, start_codes = _pairs(keys, is_new=is_new)
    titles = [k.title for k in keys]
    candidates: dict[int, list[tuple[int, float, bool]]] = defaultdict(list)
    if len(codes):
        later, earlier = (a.tolist() for a in np.divmod(codes, n))
        scores = process.cpdist([titles[i] for i in later], [titles[j] for j in earlier], scorer=fuzz.ratio)
        for index in np.flatnonzero(scores >= CANDIDATE_SCORE).tolist():
            candidates[later[index]].append((earlier[index], float(scores[index]), False))
    # A title without its subtitle still starts as the full title does, so the pair shares that block.
    for code in start_codes.tolist():
        i, j = divmod(code, n)
        if subtitle_dropped(titles[i], titles[j]):
            score = fuzz.ratio(titles[i], titles[j])
            if score < CANDIDATE_SCORE:
                candidates[i].append((j, score, True))
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
