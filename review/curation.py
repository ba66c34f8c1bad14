"""Curating the record set before screening: owners remove records with a reason (PRISMA 2020's "marked
as ineligible by automation tools" and "removed for other reasons") and restore them; reviewers and
owners label records. Every change is a row that stays (restoring or taking a label off stamps it) and
a history row naming who did it, written in bulk so that a page of records costs a few queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from review.constants import RemovalKind
from review.models import Label, Record, RecordLabel, RecordRemoval, Review
from review.records import records_in_screening
from review.signals import records_returned


@dataclass
class RemovalResult:
    removed: list[int] = field(default_factory=list)
    already_removed: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    in_screening: list[int] = field(default_factory=list)

    def left_alone(self) -> list[str]:
        """Why some records were left as they were, in words."""
        reasons = []
        if self.already_removed:
            reasons.append(f"{_ids(self.already_removed)} already removed")
        if self.duplicates:
            reasons.append(f"{_ids(self.duplicates)} duplicates (PRISMA counts them as duplicates removed)")
        if self.in_screening:
            reasons.append(f"{_ids(self.in_screening)} already screened: exclude them at screening instead")
        return reasons


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:10])
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def _locked_records(review: Review, record_ids: Iterable[int]) -> list[Record]:
    # Locking the records serialises two owners acting on the same records at once.
    return list(
        Record.objects.for_review(review)
        .filter(pk__in=list(record_ids))
        .select_for_update()
        .only("id", "duplicate_of_id")
        .order_by("id")
    )


@transaction.atomic
def remove_records(
    *, review: Review, record_ids: Iterable[int], user, kind: str, reason: str
) -> RemovalResult:
    """Remove records before screening. Records that are duplicates, already removed or already in
    screening are left as they were and named in the result."""
    if kind not in RemovalKind.values:
        raise ValidationError("Choose why the records are removed: automation tools or other reasons.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Say why the records are removed (for example “retracted”).")
    records = _locked_records(review, record_ids)
    ids = [r.pk for r in records]
    removed_now = set(
        RecordRemoval.objects.active().filter(record_id__in=ids).values_list("record_id", flat=True)
    )
    screened = records_in_screening(Record.objects.filter(pk__in=ids))
    result = RemovalResult()
    to_remove = []
    for record in records:
        if record.pk in removed_now:
            result.already_removed.append(record.pk)
        elif record.duplicate_of_id is not None:
            result.duplicates.append(record.pk)
        elif record.pk in screened:
            result.in_screening.append(record.pk)
        else:
            to_remove.append(record)
            result.removed.append(record.pk)
    now = timezone.now()
    bulk_create_with_history(
        [
            RecordRemoval(review=review, record=r, kind=kind, reason=reason, removed_by=user, removed_at=now)
            for r in to_remove
        ],
        RecordRemoval,
        default_user=user,
        default_change_reason=reason,
        default_date=now,
    )
    return result


@transaction.atomic
def restore_records(*, review: Review, record_ids: Iterable[int], user) -> list[int]:
    """Put removed records back among the records to screen. Returns the ids restored."""
    ids = [r.pk for r in _locked_records(review, record_ids)]
    removals = list(
        RecordRemoval.objects.for_review(review).active().filter(record_id__in=ids).order_by("id")
    )
    restored = _close(removals, RecordRemoval, "restored", user=user)
    records_returned.send(sender=RecordRemoval, review=review, record_ids=restored)
    return restored


def _close(rows: list, model, stamp: str, *, user) -> list[int]:
    """Stamp the rows `<stamp>_by` and `<stamp>_at` (restored, taken off) and write their history rows, in
    bulk. The rows stay. Returns their record ids."""
    now = timezone.now()
    for row in rows:
        setattr(row, f"{stamp}_by", user)
        setattr(row, f"{stamp}_at", now)
    bulk_update_with_history(rows, model, [f"{stamp}_by", f"{stamp}_at"], default_user=user, default_date=now)
    return [row.record_id for row in rows]


def _locked_label(review: Review, label: Label) -> Label:
    # One labelling of a label at a time, so two people adding it to the same record cannot both insert.
    found = Label.objects.for_review(review).select_for_update().filter(pk=label.pk).first()
    if found is None:
        raise ValidationError("That label is not in this review.")
    return found


@transaction.atomic
def label_records(*, review: Review, record_ids: Iterable[int], label: Label, user) -> list[int]:
    """Put the label on the records that do not carry it yet. Returns the ids newly labelled."""
    label = _locked_label(review, label)
    ids = list(Record.objects.for_review(review).filter(pk__in=list(record_ids)).values_list("pk", flat=True))
    carrying = set(
        RecordLabel.objects.active()
        .filter(label=label, record_id__in=ids)
        .values_list("record_id", flat=True)
    )
    now = timezone.now()
    new = [i for i in sorted(ids) if i not in carrying]
    bulk_create_with_history(
        [RecordLabel(record_id=i, label=label, added_by=user, added_at=now) for i in new],
        RecordLabel,
        default_user=user,
        default_date=now,
    )
    return new


@transaction.atomic
def unlabel_records(*, review: Review, record_ids: Iterable[int], label: Label, user) -> list[int]:
    """Take the label off the records. Returns the ids it was taken off."""
    label = _locked_label(review, label)
    links = list(
        RecordLabel.objects.active().filter(label=label, record_id__in=list(record_ids)).order_by("id")
    )
    return _close(links, RecordLabel, "removed", user=user)


def delete_label(*, label: Label, user) -> None:
    """A label that was never used may go; one that was stays, because records' histories name it."""
    if RecordLabel.objects.filter(label=label).exists():
        raise ValidationError(
            f"“{label.name}” has been used on records, and their history names it; it cannot be deleted. "
            "Rename it instead."
        )
    label._history_user = user  # type: ignore[attr-defined]
    label.delete()
