"""Finding duplicates among a review's records and a new file's records.

Exact first: the same DOI or PMID is a sure duplicate. Then fuzzy: records are grouped into blocks that
share a title prefix or a first author and year, and titles are compared only inside a block with
`rapidfuzz.process.cdist`, so the cost grows with the number of records, not its square. A record always
points to the earliest record of its group (records already in the review come first, then the file in
order), so the first copy imported stays the one that is screened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

TITLE_BLOCK_CHARS = 30
CANDIDATE_SCORE = 85.0  # title similarity worth a look at all
SURE_SCORE = 95.0  # with year (±1) and first author agreeing: merged without asking
SURE_MIN_TITLE = 20  # shorter titles ("Editorial", "Reply") are never merged without a person
AUTHOR_SCORE = 75.0


@dataclass(frozen=True, slots=True)
class Keys:
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


def judge(a: Keys, b: Keys, score: float) -> tuple[bool, bool, str]:
    """(is a candidate, is sure, reason) for two records whose titles are `score` alike."""
    if score < CANDIDATE_SCORE:
        return False, False, ""
    year = _year_agrees(a.year, b.year)
    author = _author_agrees(a.author, b.author)
    conflicting_ids = (a.doi and b.doi and a.doi != b.doi) or (a.pmid and b.pmid and a.pmid != b.pmid)
    if year is False and score < SURE_SCORE:
        return False, False, ""
    reason = f"similar title ({score:.0f}%)"
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


def find_duplicates(
    keys: Sequence[Keys], *, first_new: int, roots: Sequence[int] | None = None
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

    # 2. Fuzzy title within blocks: a title prefix, or a first author and year.
    blocks: dict[object, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k.title:
            blocks[k.title[:TITLE_BLOCK_CHARS]].append(i)
            if k.author:
                blocks[(k.author, k.year)].append(i)
    candidates: dict[int, dict[int, float]] = defaultdict(dict)
    for members in blocks.values():
        if len(members) < 2 or members[-1] < first_new:
            continue
        new = [i for i in members if i >= first_new and not merged[i]]
        if not new:
            continue
        if len(members) == 2:
            a, b = members
            if b < first_new or merged[b]:
                continue
            scores = [[fuzz.ratio(keys[b].title, keys[a].title)]]
            new, members = [b], [a]
        else:
            scores = process.cdist(
                [keys[i].title for i in new],
                [keys[j].title for j in members],
                scorer=fuzz.ratio,
                score_cutoff=CANDIDATE_SCORE,
            )
        for row, i in enumerate(new):
            for col, j in enumerate(members):
                if j < i and scores[row][col] >= CANDIDATE_SCORE:
                    candidates[i][j] = float(scores[row][col])

    for i in sorted(candidates):
        if merged[i]:
            continue
        judged = []
        for j, score in candidates[i].items():
            is_candidate, sure, reason = judge(keys[i], keys[j], score)
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
