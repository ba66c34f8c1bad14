from __future__ import annotations

from django.contrib import admin

from review.admin import AuditedAdmin
from screening.models import FullText, ScreeningDecision, Vote


@admin.register(Vote)
class VoteAdmin(AuditedAdmin):
    list_display = ["record", "stage", "reviewer", "verdict", "reason", "created_at"]
    list_filter = ["stage", "verdict", "decision__review"]
    raw_id_fields = ["decision", "record", "reviewer", "reason"]


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(AuditedAdmin):
    list_display = ["record", "stage", "status", "votes_count", "verdict", "resolved_by"]
    list_filter = ["stage", "status", "review"]
    raw_id_fields = ["record", "reason", "resolved_by", "review"]


@admin.register(FullText)
class FullTextAdmin(AuditedAdmin):
    list_display = ["record", "file_name", "not_retrieved", "updated_at"]
    raw_id_fields = ["record", "updated_by"]
