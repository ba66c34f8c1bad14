from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from review import services
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

User = get_user_model()


class ReadOnly:
    """Shown, with its history, but never added, changed or deleted here. The app changes these through
    rules that check, lock and record: a vote deleted here would leave its decision counting it, a field of
    a published form edited here would change what answers already given mean, and a record deleted here
    takes its raw entry, which has no history, with it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedAdmin(ReadOnly, SimpleHistoryAdmin):
    pass


class MembershipInline(ReadOnly, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Record)
class RecordAdmin(AuditedAdmin):
    list_display = ["id", "review", "title", "year", "doi", "pmid", "duplicate_of"]
    list_filter = ["review"]
    search_fields = ["title", "doi", "pmid"]
    raw_id_fields = ["duplicate_of", "study", "search"]


@admin.register(Search)
class SearchAdmin(AuditedAdmin):
    list_display = ["source_name", "kind", "review", "date_searched", "created_at"]
    list_filter = ["kind"]


admin.site.register(Study, AuditedAdmin)
admin.site.register(ExclusionReason, AuditedAdmin)
admin.site.register(Membership, AuditedAdmin)


@admin.register(DuplicatePair)
class DuplicatePairAdmin(AuditedAdmin):
    list_display = ["id", "review", "record", "original", "status", "reason", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["record", "original", "search"]


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


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin, except that a user whose name is on any work is deactivated, never deleted."""

    actions = ["deactivate"]

    @admin.action(
        description="Deactivate selected users (they can no longer log in; their work keeps their name)"
    )
    def deactivate(self, request, queryset) -> None:
        count = services.deactivate_users(users=queryset)
        self.message_user(request, f"{count} user{'s' if count != 1 else ''} deactivated.", messages.SUCCESS)

    def get_deleted_objects(self, objs, request):
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The delete page and the "delete selected" action both refuse, listing why, instead of going on
        # to the pre_delete guard's error.
        refusals = [
            f"{user.get_username()} has work in reviews ({', '.join(work)}): deactivate the account instead, "
            "with the “Deactivate selected users” action or by unticking Active on its page."
            for user in objs
            if (work := services.work_of(user))
        ]
        if refusals:
            return to_delete, counts, set(), refusals
        # A user who never acted takes their memberships with them (the membership history keeps them),
        # although memberships are not deletable on their own here.
        return to_delete, counts, perms_needed - {str(Membership._meta.verbose_name)}, protected
