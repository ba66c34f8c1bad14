"""Extraction's records are shown with their history and never changed here (review/admin.py says why):
forms and their fields, copies, the consensus. Drafts are edited on the form page, which keeps a published
version as it is."""

from __future__ import annotations

from django.contrib import admin

from extraction.models import (
    Consensus,
    ConsensusValue,
    ExtractionCopy,
    ExtractionForm,
    FormField,
    FormVersion,
)
from review.admin import AuditedAdmin, ReadOnly


class FieldInline(ReadOnly, admin.TabularInline):
    model = FormField
    extra = 0


@admin.register(ExtractionForm)
class ExtractionFormAdmin(AuditedAdmin):
    list_display = ["name", "review", "kind", "coders_per_study"]


@admin.register(FormVersion)
class FormVersionAdmin(AuditedAdmin):
    list_display = ["form", "number", "published_at"]
    inlines = [FieldInline]


@admin.register(FormField)
class FormFieldAdmin(AuditedAdmin):
    """Each field with its history: who added or changed it in a draft, and when."""

    list_display = ["key", "label", "version"]
    list_select_related = ["version__form"]


@admin.register(ExtractionCopy)
class ExtractionCopyAdmin(AuditedAdmin):
    list_display = ["study", "reviewer", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(Consensus)
class ConsensusAdmin(AuditedAdmin):
    list_display = ["study", "form", "version", "created_at"]


@admin.register(ConsensusValue)
class ConsensusValueAdmin(AuditedAdmin):
    list_display = ["consensus", "field", "arm_name", "outcome_name", "provenance", "revision"]
    list_filter = ["provenance"]
