"""A record's history in words, for its page: where it came from, merges and their undoing, edits, its
study, removal before screening and restoring, labels put on and taken off; who, when and why. Read
from the history rows (django-simple-history) and the removal and label rows, in a fixed number of
queries. Screening history (votes, decisions) is the screening app's, shown beside this one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from review.models import Record, RecordLabel, RecordRemoval, Search, Study

# Changes the page describes in their own words; any other changed field is named by its label.
_SPECIAL = {"duplicate_of", "study"}
_UNSHOWN = {"doi_key", "pmid_key", "title_key", "author_key"}  # follow from what was edited
LIMIT = 200


@dataclass
class HistoryEntry:
    when: datetime
    who: str  # a username, or "" for the system (an import, a merge found at import)
    text: str
    why: str = ""


def _username(user) -> str:
    return user.username if user is not None else ""


def _study_names(rows) -> dict[int, str]:
    ids = {r.study_id for r in rows if r.study_id}
    return dict(Study.objects.filter(pk__in=ids).values_list("pk", "label")) if ids else {}


def _describe_change(new, old, studies: dict[int, str]) -> list[str]:
    texts = []
    if new.duplicate_of_id != old.duplicate_of_id:
        if new.duplicate_of_id is None:
            texts.append(f"Merge undone: no longer a duplicate of #{old.duplicate_of_id}")
        elif old.duplicate_of_id is None:
            texts.append(f"Marked as a duplicate of #{new.duplicate_of_id}")
        else:
            texts.append(f"Now a duplicate of #{new.duplicate_of_id} (was #{old.duplicate_of_id})")
    if new.study_id != old.study_id:
        if new.study_id is None:
            texts.append(f"Taken out of study “{studies.get(old.study_id, old.study_id)}”")
        else:
            texts.append(f"Became a report of study “{studies.get(new.study_id, new.study_id)}”")
    changed = [
        Record._meta.get_field(name).verbose_name
        for name in new.diff_against(old, excluded_fields=_SPECIAL | _UNSHOWN).changed_fields
    ]
    if changed:
        texts.append("Edited " + _and_list(changed))
    return texts


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _record_entries(record: Record) -> list[HistoryEntry]:
    rows = list(record.history.select_related("history_user").order_by("history_date", "history_id")[:LIMIT])
    studies = _study_names(rows)
    entries = []
    previous = None
    for row in rows:
        who = _username(row.history_user)
        if row.history_type == "+":
            entries.append(HistoryEntry(row.history_date, who, "Added"))
        elif previous is not None:
            entries += [
                HistoryEntry(row.history_date, who, text) for text in _describe_change(row, previous, studies)
            ]
        else:
            # The first change of a record imported in bulk: there is no earlier row to compare with, but
            # the code that changed it says what it did ("merged into #12").
            reason = row.history_change_reason or "changed"
            entries.append(HistoryEntry(row.history_date, who, reason[:1].upper() + reason[1:]))
        previous = row
    if not any(row.history_type == "+" for row in rows) and record.search_id:
        # Imports write records in bulk, without history rows: the search is their creation record.
        search = Search.objects.select_related("created_by").get(pk=record.search_id)
        file_name = f" (file {search.file_name})" if search.file_name else ""
        entries.append(
            HistoryEntry(
                search.created_at,
                _username(search.created_by),
                f"Imported from {search.source_name}{file_name}",
            )
        )
    return entries


def _removal_entries(record: Record) -> list[HistoryEntry]:
    entries = []
    for removal in RecordRemoval.objects.filter(record=record).select_related("removed_by", "restored_by"):
        entries.append(
            HistoryEntry(
                removal.removed_at,
                _username(removal.removed_by),
                f"Removed before screening: {removal.get_kind_display().lower()}",
                removal.reason,
            )
        )
        if removal.restored_at:
            entries.append(
                HistoryEntry(
                    removal.restored_at,
                    _username(removal.restored_by),
                    "Restored: back among the records to screen",
                )
            )
    return entries


def _label_entries(record: Record) -> list[HistoryEntry]:
    entries = []
    for link in RecordLabel.objects.filter(record=record).select_related("label", "added_by", "removed_by"):
        entries.append(HistoryEntry(link.added_at, _username(link.added_by), f"Labelled “{link.label.name}”"))
        if link.removed_at:
            entries.append(
                HistoryEntry(
                    link.removed_at, _username(link.removed_by), f"Label “{link.label.name}” taken off"
                )
            )
    return entries


def record_history(record: Record) -> list[HistoryEntry]:
    """Everything that happened to the record, newest first."""
    entries = _record_entries(record) + _removal_entries(record) + _label_entries(record)
    return sorted(entries, key=lambda e: e.when, reverse=True)[:LIMIT]
