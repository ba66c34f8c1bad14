"""A review's forms, one per kind, and their versions. A published version never changes: editing opens a new
draft holding a copy of it, and every value keeps the field it was entered against."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from extraction import definitions
from extraction.kinds import FormKind
from extraction.models import ExtractionForm, FormField, FormVersion
from review.models import Review


def get_form(*, review: Review, kind: FormKind) -> ExtractionForm | None:
    return ExtractionForm.objects.filter(review=review, kind=kind.slug).first()


def published_version(form: ExtractionForm | None) -> FormVersion | None:
    if form is None:
        return None
    return form.versions.filter(published_at__isnull=False).order_by("-number").first()


def draft_version(form: ExtractionForm | None) -> FormVersion | None:
    if form is None:
        return None
    return form.versions.filter(published_at__isnull=True).order_by("-number").first()


def _lock_form(*, review: Review, kind: FormKind, name: str = "") -> ExtractionForm:
    form, _ = ExtractionForm.objects.get_or_create(
        review=review,
        kind=kind.slug,
        defaults={"name": name or kind.label, "coders_per_study": kind.default_coders},
    )
    return ExtractionForm.objects.select_for_update().get(pk=form.pk)


def _new_draft(form: ExtractionForm, user) -> FormVersion:
    number = (form.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return FormVersion.objects.create(form=form, number=number, created_by=user)


def _add_fields(fields: list[FormField], user) -> None:
    # Fields keep their history from the first one (the admin shows who changed what, and when).
    bulk_create_with_history(fields, FormField, default_user=user)


@transaction.atomic
def import_definition(
    *, review: Review, kind: FormKind, data: Any, user, publish: bool = False
) -> FormVersion:
    """Make the JSON definition the form's draft (replacing an unpublished draft), and publish it if asked.
    A definition that does not validate raises ValidationError and changes nothing."""
    fields = definitions.validate_definition(data)
    form = _lock_form(review=review, kind=kind, name=data["name"])
    if form.name != data["name"].strip():
        form.name = data["name"].strip()
        form.save(update_fields=["name"])
    draft = draft_version(form) or _new_draft(form, user)
    draft.fields.all().delete()
    _add_fields([FormField(version=draft, **f) for f in fields], user)
    if publish:
        draft = publish_version(version=draft, user=user)
    return draft


@transaction.atomic
def set_coders_per_study(*, review: Review, kind: FormKind, coders: int) -> ExtractionForm:
    """How many people code each study independently. Studies already assigned keep their coders."""
    form = _lock_form(review=review, kind=kind)
    form.coders_per_study = coders
    form.full_clean()
    form.save(update_fields=["coders_per_study"])
    return form


@transaction.atomic
def start_draft(*, form: ExtractionForm, user) -> FormVersion:
    """A new draft holding a copy of the latest published version; editing happens there, never in place."""
    form = ExtractionForm.objects.select_for_update().get(pk=form.pk)
    if existing := draft_version(form):
        return existing
    source = published_version(form)
    draft = _new_draft(form, user)
    if source is not None:
        copied = [f.name for f in FormField._meta.concrete_fields if f.name not in ("id", "version")]
        _add_fields(
            [
                FormField(version=draft, **{name: getattr(field, name) for name in copied})
                for field in source.fields.all()
            ],
            user,
        )
    return draft


def _editable(version: FormVersion) -> FormVersion:
    version = FormVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(
            f"Version {version.number} is published and cannot change; start a new draft to edit the form."
        )
    return version


FIELD_EDIT_ATTRIBUTES = (
    "key",
    "label",
    "section",
    "position",
    "field_type",
    "level",
    "help_text",
    "required",
    "min_value",
    "max_value",
    "unit",
    "choices",
)


@transaction.atomic
def save_field(*, version: FormVersion, data: dict, field: FormField | None = None) -> FormField:
    """Add a field to a draft, or change one of its fields. The result must still validate as a form."""
    version = _editable(version)
    current = list(version.fields.in_order())
    if field is not None and field.version_id != version.pk:
        raise ValidationError("That field belongs to another version.")
    target = field or FormField(version=version)
    for attr in FIELD_EDIT_ATTRIBUTES:
        if attr in data:
            setattr(target, attr, data[attr])
    others = [f for f in current if f.pk != target.pk]
    candidate = sorted([*others, target], key=lambda f: (f.position, f.pk or 10**12))
    definitions.validate_definition(definitions.export_definition(name=version.form.name, fields=candidate))
    target.save()
    return target


@transaction.atomic
def remove_field(*, field: FormField) -> None:
    _editable(field.version)
    field.delete()


@transaction.atomic
def publish_version(*, version: FormVersion, user) -> FormVersion:
    version = _editable(version)
    if not version.fields.exists():
        raise ValidationError("A form needs at least one field before it is published.")
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def version_changes(version: FormVersion) -> dict | None:
    """What changed from the previous version to this one (None for the first)."""
    previous = version.form.versions.filter(number__lt=version.number).order_by("-number").first()
    if previous is None:
        return None
    result = definitions.diff_fields(list(previous.fields.in_order()), list(version.fields.in_order()))
    result["previous"] = previous
    return result
