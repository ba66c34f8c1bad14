"""A whole review to one file and back: round trip, damaged or foreign files refused, every model covered."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from review import backup
from review.demo import load_demo
from review.models import Record, Review
from screening.models import FullText, ScreeningTally, Vote

pytestmark = pytest.mark.django_db

# Every model of the project that belongs to no review, and why it is not in a backup.
NOT_OF_A_REVIEW: dict[str, str] = {}


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    review, _created = load_demo()
    record = Record.objects.for_review(review).unique().filter(title__icontains="PET study").first()
    FullText.objects.update_or_create(
        record=record, defaults={"pdf": ContentFile(b"%PDF-1.4 trial", "pet.pdf")}
    )
    return review


def _backup(review) -> bytes:
    out = io.BytesIO()
    backup.write_backup(review, out)
    return out.getvalue()


def _comparable(data: bytes) -> dict:
    """The backup's rows with every id replaced by its place in its table (ids differ between instances),
    files by their checksum, and without the slug and the time the backup was made."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = {f"data/{model._meta.label}.jsonl": (model, owner) for model, owner in backup._members()}
    tables = {
        name: [json.loads(line) for line in archive.read(name).splitlines() if line]
        for name in json.loads(archive.read("manifest.json"))["members"]
    }
    rank = {
        members[name][0]: {row[members[name][0]._meta.pk.attname]: i for i, row in enumerate(rows)}
        for name, rows in tables.items()
    }
    result = {}
    for name, rows in tables.items():
        model, owner = members[name]
        history = model is not owner
        for row in rows:
            row.pop(model._meta.pk.attname)
            for field in model._meta.concrete_fields:
                value = row.get(field.attname)
                if field.is_relation and not backup._is_user(field) and value is not None:
                    row[field.attname] = ("ref", rank.get(field.related_model, {}).get(value, value))
                elif isinstance(value, dict) and "sha256" in value:
                    row[field.attname] = value["sha256"]
            if history:
                row["id"] = ("ref", rank[owner].get(row["id"], row["id"]))
            if model is Review:
                row.pop("slug")
        result[name] = rows
    return result


def test_a_backup_restored_and_backed_up_again_is_the_same(demo):
    original = _backup(demo)
    restored = backup.restore_backup(backup.open_backup(io.BytesIO(original)), slug="ketamine-copy")
    assert restored.pk != demo.pk
    assert Record.objects.for_review(restored).count() == Record.objects.for_review(demo).count()
    assert (
        Vote.objects.filter(record__review=restored).count()
        == Vote.objects.filter(record__review=demo).count()
    )
    assert _comparable(_backup(restored)) == _comparable(original)
    copied_pdf = FullText.objects.get(record__review=restored).pdf
    assert copied_pdf.read() == b"%PDF-1.4 trial"


def test_restore_takes_new_ids_and_keeps_links_files_and_their_absence(demo):
    """The restore writes rows under ids it takes itself: never one a deleted row had (SQLite's
    AUTOINCREMENT remembers it), duplicates still point at their originals, a search without a file
    stays without one."""
    demo.searches.create(source_name="Hand search of reference lists", kind="other")
    gone = Record.objects.create(review=demo, title="Deleted before the backup").pk
    Record.objects.filter(pk=gone).delete()
    original = _backup(demo)
    restored = backup.restore_backup(backup.open_backup(io.BytesIO(original)), slug="ketamine-ids")
    restored_records = Record.objects.for_review(restored)
    assert min(restored_records.values_list("pk", flat=True)) > gone
    duplicates = restored_records.filter(duplicate_of__isnull=False)
    assert (
        duplicates.count() == Record.objects.for_review(demo).filter(duplicate_of__isnull=False).count() > 0
    )
    assert not duplicates.exclude(duplicate_of__review=restored).exists()
    assert restored.searches.get(source_name="Hand search of reference lists").file.name == ""
    assert _comparable(_backup(restored)) == _comparable(original)


def test_the_commands_write_and_restore(demo, tmp_path):
    path = tmp_path / "ketamine.zip"
    call_command("backup_review", demo.slug, str(path))
    call_command("restore_review", str(path), "--slug", "ketamine-restored")
    assert Review.objects.get(slug="ketamine-restored").title == demo.title


def _refused(data: bytes, message: str, tmp_path) -> None:
    before = {model: model._base_manager.count() for model, _owner in backup._members()}
    path = tmp_path / "backup.zip"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=message):
        call_command("restore_review", str(path), "--slug", "restored")
    assert {model: model._base_manager.count() for model, _owner in backup._members()} == before


def test_a_truncated_backup_is_refused_and_changes_nothing(demo, tmp_path):
    data = _backup(demo)
    _refused(data[: len(data) // 2], "not a ZIP file\\), or it is truncated", tmp_path)


def test_a_damaged_backup_is_refused_and_changes_nothing(demo, tmp_path):
    data = bytearray(_backup(demo))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("data/screening.Vote.jsonl")
    data[info.header_offset + 60 + len(info.filename)] ^= 0xFF  # a byte inside the votes
    _refused(bytes(data), "damaged: data/screening.Vote.jsonl", tmp_path)


def test_a_backup_with_a_changed_row_is_refused(demo, tmp_path):
    source = zipfile.ZipFile(io.BytesIO(_backup(demo)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as changed:
        for name in source.namelist():
            content = source.read(name)
            if name == "data/screening.Vote.jsonl":
                content = content.replace(b'"include"', b'"exclude"', 1)
            changed.writestr(name, content)
    _refused(out.getvalue(), "does not match its checksum", tmp_path)


def test_a_foreign_file_is_refused(demo, tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as other:
        other.writestr("manifest.json", json.dumps({"format": "something-else"}))
    _refused(out.getvalue(), "not a Concord review backup", tmp_path)
    _refused(b"just text", "not a ZIP file", tmp_path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as other:
        other.writestr("readme.txt", "hello")
    _refused(out.getvalue(), "no manifest.json", tmp_path)


def test_missing_people_are_named_or_made_inactive(demo, tmp_path):
    data = _backup(demo)
    for name in ("rita", "raj"):  # as on another instance, where they have other names
        get_user_model().objects.filter(username=name).update(username=f"{name}-elsewhere")
    _refused(data, "not on this instance: raj, rita", tmp_path)
    restored = backup.restore_backup(
        backup.open_backup(io.BytesIO(data)), slug="again", create_missing_users=True
    )
    rita = get_user_model().objects.get(username="rita")
    assert not rita.is_active and not rita.has_usable_password()
    assert Vote.objects.filter(record__review=restored, reviewer=rita).exists()


def test_a_taken_slug_is_refused(demo):
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.restore_backup(backup.open_backup(io.BytesIO(_backup(demo))), slug=demo.slug)


def test_every_model_is_backed_up_or_excluded_with_a_reason():
    """A new model that belongs to a review must be kept by the backup or excluded with a reason."""
    kept = {model._meta.label for model in backup.covered_models()}
    for model in backup.project_models():
        label = model._meta.label
        assert label in kept or label in backup.EXCLUDED or label in NOT_OF_A_REVIEW, (
            f"{label} is neither in backups nor excluded (review.backup.EXCLUDED) with a reason"
        )
        assert not (label in kept and label in backup.EXCLUDED)
    assert all(reason for reason in backup.EXCLUDED.values())
    assert {"review.Review", "review.Record", "screening.Vote", "extraction.ConsensusValue"} <= kept


def test_owners_download_the_backup_from_the_settings_page(demo, client_for, exported, tmp_path):
    from django.urls import reverse

    owner, rita = (get_user_model().objects.get(username=name) for name in ("olivia", "rita"))
    page = client_for(owner).get(reverse("review:settings", args=[demo.slug]))
    assert b'value="review.backup"' in page.content
    assert (
        b'value="review.backup"'
        not in client_for(rita).get(reverse("review:settings", args=[demo.slug])).content
    )
    refused = client_for(rita).post(
        reverse("review:exports", args=[demo.slug]), {"kind": "review.backup", "format": "zip"}
    )
    assert refused.status_code == 403
    response = exported(client_for(owner), demo, "review.backup", "zip")
    assert response.job.file_name == f"{demo.slug}-backup.zip"
    restored = backup.restore_backup(backup.open_backup(io.BytesIO(response.data)), slug="from-the-page")
    assert Record.objects.for_review(restored).count() == Record.objects.for_review(demo).count()


def test_the_screening_tallies_are_recounted_not_copied(demo):
    """The tallies name voters by user id, which another instance does not share: the backup leaves them
    out and the restore counts them from the restored votes (the same figures, under the same people)."""
    original = _backup(demo)
    assert (
        "data/screening.ScreeningTally.jsonl"
        not in json.loads(zipfile.ZipFile(io.BytesIO(original)).read("manifest.json"))["members"]
    )
    restored = backup.restore_backup(backup.open_backup(io.BytesIO(original)), slug="ketamine-tallies")

    def tallies(review):
        return sorted(
            ScreeningTally.objects.filter(review=review, count__gt=0).values_list(
                "stage", "status", "voter", "partner", "voted", "count"
            )
        )

    assert tallies(restored) == tallies(demo) != []
