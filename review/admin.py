from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from review.models import (
    DuplicatePair,
    ExclusionReason,
    ExportJob,
    ImportJob,
    Membership,
    Record,
    Review,
    Search,
    Study,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Record)
class RecordAdmin(SimpleHistoryAdmin):
    list_display = ["id", "review", "title", "year", "doi", "pmid", "duplicate_of"]
    list_filter = ["review"]
    search_fields = ["title", "doi", "pmid"]
    raw_id_fields = ["duplicate_of", "study", "search"]


@admin.register(Search)
class SearchAdmin(SimpleHistoryAdmin):
    list_display = ["source_name", "kind", "review", "date_searched", "created_at"]
    list_filter = ["kind"]


admin.site.register(Study, SimpleHistoryAdmin)
admin.site.register(ExclusionReason, SimpleHistoryAdmin)
admin.site.register(Membership, SimpleHistoryAdmin)


@admin.register(DuplicatePair)
class DuplicatePairAdmin(SimpleHistoryAdmin):
    list_display = ["id", "review", "record", "original", "status", "reason", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["record", "original", "search"]
    # Decisions go through the duplicates pages, which lock, check and keep history.
    readonly_fields = ["status", "decided_by", "decided_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "review", "file_name", "source_name", "status", "progress", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["search"]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "review", "kind", "file_format", "requested_by", "status", "progress", "created_at"]
    list_filter = ["status", "file_format"]
    # The file was computed for its requester (blinding); the admin shows the job, not a way to change it.
    readonly_fields = [f.name for f in ExportJob._meta.fields]
