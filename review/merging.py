"""Merging: a person's decisions on duplicates (confirm or reject a probable pair, undo a merge) and the
side-by-side comparison they decide from. A merge only sets `duplicate_of`; nothing is deleted, and every
change leaves history rows on the record and the pair. Finding the pairs is `duplicate_detection.py`."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst

from review.constants import DuplicateStatus
from review.models import DuplicatePair, Record
from review.signals import records_returned


def _save_with_history(obj, *, user, reason: str, fields: list[str]) -> None:
    obj._history_user = user
    obj._change_reason = reason
    obj.save(update_fields=fields)


def _locked_pair(pair: DuplicatePair) -> tuple[DuplicatePair, Record, Record]:
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    locked = {
        r.pk: r for r in Record.objects.select_for_update().filter(pk__in=[pair.record_id, pair.original_id])
    }
    return pair, locked[pair.record_id], locked[pair.original_id]


def _root(record: Record) -> Record:
    # duplicate_of always points at a record that is not itself a duplicate (see merge), so one step is enough.
    return record.duplicate_of if record.duplicate_of_id else record


def _decide(pair: DuplicatePair, *, user, status: str) -> None:
    pair.status = status
    pair.decided_by = user
    pair.decided_at = timezone.now()
    _save_with_history(pair, user=user, reason=status, fields=["status", "decided_by", "decided_at"])


def _ensure_pending(pair: DuplicatePair) -> None:
    if pair.status != DuplicateStatus.PENDING:
        who = pair.decided_by.username if pair.decided_by else "the import"
        when = f" on {pair.decided_at:%Y-%m-%d %H:%M}" if pair.decided_at else ""
        raise ValidationError(
            f"This pair was already decided ({pair.get_status_display().lower()} by {who}{when})."
        )


@transaction.atomic
def confirm_pair(*, pair: DuplicatePair, user) -> Record:
    """The two records are duplicates: `record` (and any duplicates of its own) now point at the
    original's group. Returns the record kept for screening."""
    pair, record, original = _locked_pair(pair)
    _ensure_pending(pair)
    target = _root(original)
    if record.duplicate_of_id and record.duplicate_of_id != target.pk:
        raise ValidationError(
            f"Record #{record.pk} is already a duplicate of #{record.duplicate_of_id}; undo that merge first."
        )
    if target.pk != record.pk and record.duplicate_of_id != target.pk:
        for child in Record.objects.select_for_update().filter(duplicate_of=record):
            child.duplicate_of = target
            _save_with_history(child, user=user, reason=f"merged into #{target.pk}", fields=["duplicate_of"])
        record.duplicate_of = target
        _save_with_history(record, user=user, reason=f"merged into #{target.pk}", fields=["duplicate_of"])
    _decide(pair, user=user, status=DuplicateStatus.MERGED)
    return target


@transaction.atomic
def reject_pair(*, pair: DuplicatePair, user) -> None:
    """The two records are different reports; both stay in screening."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    _ensure_pending(pair)
    _decide(pair, user=user, status=DuplicateStatus.REJECTED)


@transaction.atomic
def unmerge(*, record: Record, user) -> None:
    """Undo a merge: the record goes back to screening, and the pair that merged it is marked not duplicates."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.duplicate_of_id is None:
        raise ValidationError(f"Record #{record.pk} is not merged into another record.")
    previous = record.duplicate_of_id
    record.duplicate_of = None
    _save_with_history(record, user=user, reason=f"unmerged from #{previous}", fields=["duplicate_of"])
    records_returned.send(sender=Record, review=record.review, record_ids=[record.pk])
    pairs = DuplicatePair.objects.select_for_update().filter(
        Q(record=record, original_id=previous) | Q(record_id=previous, original=record),
        status=DuplicateStatus.MERGED,
    )
    for pair in pairs:
        _decide(pair, user=user, status=DuplicateStatus.REJECTED)


# Comparing two records side by side -------------------------------------------------------------

COMPARED_FIELDS = [
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "abstract",
]
# Identifiers are the same when their match keys are, however each export wrote them
# (`https://doi.org/10.1/X` and `10.1/x`): the page must not mark as different what matched as the same.
KEYED_FIELDS = {"doi": "doi_key", "pmid": "pmid_key"}


def _display(record: Record, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


def _word_diff(left: str, right: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Each side as (text, differs) runs of words, so a template can mark what differs."""
    a, b = left.split(), right.split()
    ours: list[tuple[str, bool]] = []
    theirs: list[tuple[str, bool]] = []
    matcher = SequenceMatcher(None, [w.casefold() for w in a], [w.casefold() for w in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            ours.append((" ".join(a[i1:i2]), op != "equal"))
        if j2 > j1:
            theirs.append((" ".join(b[j1:j2]), op != "equal"))
    return ours, theirs


def compare(record: Record, original: Record) -> list[dict]:
    rows = []
    for name in COMPARED_FIELDS:
        label = capfirst(Record._meta.get_field(name).verbose_name)
        left, right = _display(record, name), _display(original, name)
        if not left and not right:
            continue
        key = KEYED_FIELDS.get(name)
        if key and getattr(record, key) and getattr(record, key) == getattr(original, key):
            rows.append(
                {"label": label, "record": [(left, False)], "original": [(right, False)], "same": True}
            )
            continue
        ours, theirs = _word_diff(left, right)
        rows.append({"label": label, "record": ours, "original": theirs, "same": left == right})
    return rows
