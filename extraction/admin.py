"""The admin reads extraction's audited records; it changes none of them behind the workflow's back. A
published form version and its fields are read-only (drafts are edited on the form page or here), and
copies and the consensus are shown, never edited or deleted: every change to them goes through the
workflow, which keeps provenance, revisions and history."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from extraction.models import (
    Consensus,
    ConsensusValue,
    ExtractionCopy,
    ExtractionForm,
    FormField,
    FormVersion,
)


def _is_draft(version: FormVersion | None) -> bool:
    return version is None or not version.is_published


class FieldInline(admin.TabularInline):
    model = FormField
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExtractionForm)
class ExtractionFormAdmin(SimpleHistoryAdmin):
    list_display = ["name", "review", "kind", "coders_per_study"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # it would take every version, copy and consensus with it


@admin.register(FormVersion)
class FormVersionAdmin(SimpleHistoryAdmin):
    list_display = ["form", "number", "published_at"]
    inlines = [FieldInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(FormField)
class FormFieldAdmin(SimpleHistoryAdmin):
    list_display = ["key", "label", "version"]
    list_select_related = ["version__form"]

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or _is_draft(obj.version)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or _is_draft(obj.version)) and super().has_delete_permission(request, obj)


@admin.register(ExtractionCopy)
class ExtractionCopyAdmin(ReadOnlyAdmin):
    list_display = ["study", "reviewer", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    list_display = ["study", "form", "version", "created_at"]


@admin.register(ConsensusValue)
class ConsensusValueAdmin(ReadOnlyAdmin):
    list_display = ["consensus", "field", "arm_name", "outcome_name", "provenance", "revision"]
    list_filter = ["provenance"]
