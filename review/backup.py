"""A whole review in one file, and back: `backup_review` and `restore_review` (management commands), and the
owner's download from the review's settings.

What is kept is found, not listed: every model of this project's apps that reaches Review through foreign
keys (`covered_models`), with its django-simple-history rows, unless EXCLUDED names it with a reason. A new
app's models are backed up the day they exist; tests/review/test_backup.py fails for a model that is
neither kept nor excluded.

The file is a ZIP: `manifest.json` (format, version, the review's slug, the usernames it needs, and per
member its row count and SHA-256), one `data/<app.model>.jsonl` per model (one JSON object a row, in
primary-key order, foreign keys as the ids of the backup, people by username, files by their SHA-256) and
`files/<sha256>` for each uploaded file (search exports, full-text PDFs). Rows are read and written in
chunks, so memory does not grow with the review beyond one id map per model at restore.

Restore reads it into this or another instance in one transaction, under a new slug: the ids are new, the
rows, their history and the files the same. A file that is not such a ZIP, whose manifest is missing or
of another format or version, or whose any member's checksum differs, is refused before anything is
written. People are matched by username; missing ones are named and the restore refused, unless
`create_missing_users` makes them (inactive, without a password, so an administrator decides who they
are). History rows that point at objects deleted before the backup keep their old ids (they point at
nothing in either instance)."""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from itertools import batched
from pathlib import Path
from typing import BinaryIO

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_model_for_model

from review.exports import Exporter
from review.models import Review
from review.signals import review_restored

FORMAT = "concord-review-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000
# Models that reach a review but are not part of it, and why.
EXCLUDED = {
    "review.ImportJob": "a finished import's job; its search and records are kept",
    "review.ExportJob": "a file made for one person at one time; asked for again after a restore",
    "review.SearchIndexJob": "the search index of an import's records; restored records are indexed as written",
    "review.RecordTally": "counts the database keeps by triggers; rebuilt as the restore writes records",
    "screening.QueueFloor": "a cache of record ids where each queue starts; rebuilt by the next walk",
    # Its voters are user ids of the instance that made the backup, not foreign keys the restore could map.
    "screening.ScreeningTally": "counts of votes and decisions; recounted from them after the restore",
}


# Columns that say how far this instance's search index has got, not what the review holds: left out, so
# the restore's rows take the database's defaults (indexed, by its triggers, as they are written).
NOT_KEPT = {
    "review.Record": {"search_indexed"},
    "review.Review": {"records_awaiting_search_index"},
}


def _kept_fields(model) -> list[models.Field]:
    left_out = NOT_KEPT.get(model._meta.label, set())
    return [field for field in model._meta.concrete_fields if field.name not in left_out]


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder drops what is below the millisecond)."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """Why a backup cannot be read or restored, in words for the person who runs the command."""


# Which models, in which order ------------------------------------------------------------------------------


def project_models() -> list[type[models.Model]]:
    """The models of this project's own apps (not Django's or libraries'), history models left out."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and ".venv" not in Path(config.path).parts
        for model in config.get_models()
        if not issubclass(model, HistoricalChanges)
    ]


def path_to_review(model: type[models.Model]) -> str | None:
    """The shortest chain of required foreign keys from `model` to Review, as a filter (“decision__review”);
    "pk" for Review itself; None when it reaches no review."""
    if model is Review:
        return "pk"
    queue: deque[tuple[type[models.Model], str]] = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        for field in current._meta.concrete_fields:
            if not field.is_relation or field.null:
                continue
            target, step = field.related_model, f"{path}{field.name}"
            if target is Review:
                return step
            if target not in seen:
                seen.add(target)
                queue.append((target, f"{step}__"))
    return None


def covered_models() -> list[type[models.Model]]:
    """The models a backup keeps, each after the models it points at (a model pointing at itself, like a
    duplicate at its original, is restored in two passes)."""
    found = [m for m in project_models() if m._meta.label not in EXCLUDED and path_to_review(m) is not None]
    after: dict[type, set[type]] = {
        model: {
            f.related_model
            for f in _relations(model)
            if f.related_model in found and f.related_model is not model
        }
        for model in found
    }
    ordered: list[type[models.Model]] = []
    while after:
        ready = [model for model, needs in after.items() if not needs - set(ordered)]
        if not ready:
            raise BackupError(
                f"These models point at each other in a circle: {sorted(m._meta.label for m in after)}"
            )
        for model in ready:
            ordered.append(model)
            del after[model]
    return ordered


def _relations(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation]


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    try:
        return get_history_model_for_model(model)
    except Exception:  # simple_history raises NotHistoricalModelError for a model without history
        return None


def _members() -> list[tuple[type[models.Model], type[models.Model]]]:
    """(model whose rows are kept, model whose ids they are) in restore order: rows, then history rows."""
    kept = covered_models()
    histories = [(history, model) for model in kept if (history := _history_model(model))]
    return [(model, model) for model in kept] + histories


# Writing ---------------------------------------------------------------------------------------------------


def _is_user(field: models.Field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def _file_digest(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_backup(review: Review, out: BinaryIO, progress=None) -> dict:
    """Write `review` to `out` (a ZIP); return its manifest. `progress(stage, percent)` hears each table."""
    manifest: dict = {
        "format": FORMAT,
        "version": VERSION,
        "review": review.slug,
        "created_at": timezone.now().isoformat(),
        "members": {},
        "users": [],
    }
    usernames: set[str] = set()
    User = get_user_model()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        files_written: set[str] = set()
        pending_files: dict = {}
        members = _members()
        for place, (model, _owner) in enumerate(members):
            if progress:
                progress(f"Writing {model._meta.verbose_name_plural}", 10 + 85 * place // len(members))
            fields = _kept_fields(model)
            users = {f.attname for f in fields if _is_user(f)}
            file_fields = [f for f in fields if isinstance(f, models.FileField)]
            path = path_to_review(_owner)
            if path == "pk" and model is not _owner:
                path = "id"  # the review's own history rows: their "id" is the review's
            rows = model._base_manager.filter(**{path: review.pk}).order_by("pk")
            name = f"data/{model._meta.label}.jsonl"
            digest, count = hashlib.sha256(), 0
            user_names = dict(User._base_manager.values_list("pk", User.USERNAME_FIELD))
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in batched(rows.iterator(CHUNK), CHUNK):
                    lines = []
                    for obj in chunk:
                        row = {f.attname: f.value_from_object(obj) for f in fields}
                        for attname in users:
                            row[attname] = user_names.get(row[attname])
                            if row[attname] is not None:
                                usernames.add(row[attname])
                        for field in file_fields:
                            row[field.attname] = _note_file(pending_files, getattr(obj, field.name))
                        lines.append(json.dumps(row, cls=_Encoder, sort_keys=True, ensure_ascii=False))
                    data = ("\n".join(lines) + "\n").encode()
                    member.write(data)
                    digest.update(data)
                    count += len(chunk)
            manifest["members"][name] = {"rows": count, "sha256": digest.hexdigest()}
            # A ZIP takes one member at a time: the files go in once their table is written.
            for file_digest, field_file in pending_files.items():
                if file_digest not in files_written:
                    _copy_file(archive, file_digest, field_file)
                    files_written.add(file_digest)
            pending_files.clear()
        manifest["users"] = sorted(usernames)
        manifest["files"] = sorted(files_written)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
    return manifest


def _note_file(pending: dict, field_file) -> dict | None:
    if not field_file:
        return None
    digest = _file_digest(field_file)
    pending[digest] = field_file
    return {"name": field_file.name, "sha256": digest}


def _copy_file(archive: zipfile.ZipFile, digest: str, field_file) -> None:
    with field_file.open("rb") as content, archive.open(f"files/{digest}", "w", force_zip64=True) as member:
        for block in iter(lambda: content.read(1 << 20), b""):
            member.write(block)


# Reading ---------------------------------------------------------------------------------------------------


@dataclass
class Backup:
    """An opened, verified backup."""

    archive: zipfile.ZipFile
    manifest: dict

    def rows(self, member: str) -> Iterator[dict]:
        with self.archive.open(member) as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def open_backup(source: str | Path | BinaryIO) -> Backup:
    """Open and check a backup before anything is written: its format, version and every checksum."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise BackupError(
            "This is not a Concord review backup (not a ZIP file), or it is truncated."
        ) from None
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError("This ZIP file is not a Concord review backup: it has no manifest.json.") from None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(f"The backup's manifest cannot be read ({error}): the file is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This ZIP file is not a Concord review backup (its manifest names another format).")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"This backup is in format version {manifest.get('version')}; this Concord reads version {VERSION}."
        )
    expected = {name: facts["sha256"] for name, facts in manifest["members"].items()}
    expected |= {f"files/{digest}": digest for digest in manifest.get("files", [])}
    for name, digest in expected.items():
        if _digest(archive, name) != digest:
            raise BackupError(f"The backup is damaged: {name} is missing or does not match its checksum.")
    return Backup(archive=archive, manifest=manifest)


def _digest(archive: zipfile.ZipFile, name: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            for block in iter(lambda: member.read(1 << 20), b""):
                digest.update(block)
    except KeyError:
        return None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):  # a CRC error, a truncated or garbled member
        return "damaged"
    return digest.hexdigest()


def missing_users(backup: Backup) -> list[str]:
    User = get_user_model()
    present = set(
        User._base_manager.filter(**{f"{User.USERNAME_FIELD}__in": backup.manifest["users"]}).values_list(
            User.USERNAME_FIELD, flat=True
        )
    )
    return [name for name in backup.manifest["users"] if name not in present]


def restore_backup(backup: Backup, *, slug: str, create_missing_users: bool = False) -> Review:
    """Restore a verified backup as a new review named `slug`, all in one transaction."""
    try:
        Review._meta.get_field("slug").run_validators(slug)
    except ValidationError as error:
        raise BackupError(f"“{slug}” cannot name a review: {' '.join(error.messages)}") from None
    if Review.objects.filter(slug=slug).exists():
        raise BackupError(f"A review with the address “{slug}” exists already; choose another --slug.")
    missing = missing_users(backup)
    if missing and not create_missing_users:
        raise BackupError(
            "These people are not on this instance: "
            + ", ".join(missing)
            + ". Create them first, or restore with --create-missing-users (made inactive, without a password)."
        )
    members = _members()
    unknown = set(backup.manifest["members"]) - {f"data/{m._meta.label}.jsonl" for m, _ in members}
    if unknown:
        raise BackupError(
            f"This backup holds tables this Concord does not know: {', '.join(sorted(unknown))}."
        )
    User = get_user_model()
    with transaction.atomic():
        for username in missing:
            user = User(**{User.USERNAME_FIELD: username}, is_active=False)
            user.set_unusable_password()
            user.save()
        user_ids = dict(
            User._base_manager.filter(**{f"{User.USERNAME_FIELD}__in": backup.manifest["users"]}).values_list(
                User.USERNAME_FIELD, "pk"
            )
        )
        ids: dict[type, dict[int, int]] = defaultdict(dict)
        for model, owner in members:
            name = f"data/{model._meta.label}.jsonl"
            if name in backup.manifest["members"]:
                _restore_rows(backup, name, model, owner, ids=ids, user_ids=user_ids, slug=slug)
        review = Review.objects.get(slug=slug)
        review_restored.send(sender=Review, review=review)
        return review


# How each column is read back (worked out once per table, not per row): "as is" for what JSON keeps
# (text, numbers, yes/no), "convert" for times, dates and decimals, "json" for JSON columns.
AS_IS, CONVERT, JSON, USER, LINK, SELF_LINK, FILE = range(7)
CONVERTED = (models.DateTimeField, models.DateField, models.TimeField, models.DecimalField, models.UUIDField)


def _plan(model, *, history: bool) -> list[tuple[str, int, models.Field]]:
    plan = []
    for field in _kept_fields(model):
        if field.primary_key:
            continue
        if field.is_relation:
            how = (
                USER
                if _is_user(field)
                else SELF_LINK
                if field.related_model is model and not history
                else LINK
            )
        elif isinstance(field, models.FileField):
            how = FILE
        elif isinstance(field, models.JSONField):
            how = JSON
        else:
            how = (
                CONVERT
                if isinstance(field, CONVERTED) or field.get_internal_type() == "DurationField"
                else AS_IS
            )
        plan.append((field.attname, how, field))
    return plan


def _restore_rows(backup, name, model, owner, *, ids, user_ids, slug) -> None:
    """Insert one table's rows as plain tuples under ids taken from the table's own sequence: model
    instances and bulk_create's SQL compiler cost five times the insert itself (cProfile of the 100,000
    records of bench/dataset.py), and the rows are complete already (times as saved, no signals wanted:
    the history rows come from the backup)."""
    pk_name = model._meta.pk.attname
    history = model is not owner
    plan = _plan(model, history=history)
    columns = [model._meta.pk.column] + [field.column for _attname, _how, field in plan]
    # Only the columns that need work are visited per row; the rest are taken as JSON gave them.
    work = [(place, how, field) for place, (_attname, how, field) in enumerate(plan, 1) if how != AS_IS]
    attnames = [attname for attname, _how, _field in plan]
    owner_place = attnames.index("id") + 1 if history else None
    slug_place = attnames.index("slug") + 1 if model is Review else None
    later: list[tuple[int, int]] = []  # (new pk, old pk it points at): set once all rows exist
    self_link = next((field for _place, how, field in work if how == SELF_LINK), None)
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: `connection` is a proxy, slow per value
    with db.cursor() as cursor:
        for chunk in batched(backup.rows(name), CHUNK):
            new_pks = _new_ids(cursor, model, len(chunk))
            tuples = []
            for row, new_pk in zip(chunk, new_pks, strict=True):
                values = [new_pk, *map(row.get, attnames)]
                for place, how, field in work:
                    value = values[place]
                    if how == JSON:
                        values[place] = field.get_db_prep_save(value, db)
                    elif how == FILE:  # no file is an empty name, as the model stores it
                        values[place] = _restore_file(backup, field, value) if value else ""
                    elif value is None:
                        continue
                    elif how == CONVERT:
                        values[place] = field.get_db_prep_save(field.to_python(value), db)
                    elif how == USER:
                        values[place] = user_ids[value]
                    elif how == LINK:
                        values[place] = ids[field.related_model].get(value, value if history else None)
                    else:  # SELF_LINK
                        later.append((new_pk, value))
                        values[place] = None
                if owner_place:
                    values[owner_place] = ids[owner].get(row["id"], row["id"])
                if slug_place:
                    values[slug_place] = slug
                tuples.append(values)
            _insert(cursor, model, columns, tuples)
            ids[model].update(zip((row[pk_name] for row in chunk), new_pks, strict=True))
        if later:
            table, column = model._meta.db_table, self_link.column
            cursor.executemany(
                f"UPDATE {_quote(table)} SET {_quote(column)} = %s WHERE {_quote(model._meta.pk.column)} = %s",
                [(ids[model].get(old_target), new_pk) for new_pk, old_target in later],
            )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _new_ids(cursor, model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`'s table, as an insert would take them. The restore's
    transaction holds the write lock on SQLite (IMMEDIATE), so nobody takes the same ones meanwhile; on
    PostgreSQL they come from the table's sequence, which other sessions share safely."""
    table, column = model._meta.db_table, model._meta.pk.column
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [_quote(table), column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
    # AUTOINCREMENT never reuses an id, even of a deleted row: start above what sqlite_sequence says.
    cursor.execute(
        f"SELECT max(coalesce((SELECT max({_quote(column)}) FROM {_quote(table)}), 0), "
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
        [table],
    )
    last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


def _insert(cursor, model: type[models.Model], columns: list[str], rows: list[list]) -> None:
    """Rows as tuples: COPY on PostgreSQL, one prepared INSERT run for all of them on SQLite."""
    table, names = _quote(model._meta.db_table), ", ".join(map(_quote, columns))
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _restore_file(backup: Backup, field: models.FileField, kept: dict) -> str:
    try:
        content = backup.archive.read(f"files/{kept['sha256']}")
    except KeyError:
        raise BackupError(f"The backup is damaged: the file {kept['name']} is missing.") from None
    if hashlib.sha256(content).hexdigest() != kept["sha256"]:
        raise BackupError(f"The backup is damaged: the file {kept['name']} does not match its checksum.")
    return field.storage.save(kept["name"], ContentFile(content))


def backup_file(*, review: Review, out: BinaryIO, progress) -> int:
    """The owners' download (an export job's work): the backup, and how many rows it holds."""
    manifest = write_backup(review, out, progress)
    return sum(member["rows"] for member in manifest["members"].values())


BACKUP = Exporter(
    kind="review.backup",
    label="Backup of the whole review (restore it with restore_review)",
    file_stem="backup",
    tables=lambda **kwargs: [],
    formats=("zip",),
    perm="review.change_review",  # owners: it holds every vote and copy, unblinded
    write_file=backup_file,
)
