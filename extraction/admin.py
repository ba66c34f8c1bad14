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


class FieldInline(admin.TabularInline):
    model = FormField
    extra = 0


@admin.register(ExtractionForm)
class ExtractionFormAdmin(SimpleHistoryAdmin):
    list_display = ["name", "review", "kind"]


@admin.register(FormVersion)
class FormVersionAdmin(SimpleHistoryAdmin):
    list_display = ["form", "number", "published_at"]
    inlines = [FieldInline]


@admin.register(ExtractionCopy)
class ExtractionCopyAdmin(SimpleHistoryAdmin):
    list_display = ["study", "reviewer", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(Consensus)
class ConsensusAdmin(SimpleHistoryAdmin):
    list_display = ["study", "form", "version", "created_at"]


@admin.register(ConsensusValue)
class ConsensusValueAdmin(SimpleHistoryAdmin):
    list_display = ["consensus", "field", "arm_name", "outcome_name", "provenance", "revision"]
    list_filter = ["provenance"]
