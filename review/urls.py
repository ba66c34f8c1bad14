from __future__ import annotations

from django.urls import include, path

from review import views

app_name = "review"

# Everything under one review: reviews/<slug:review_slug>/…, grouped by section.
team_patterns = [
    path("", views.team, name="team"),
    path("add/", views.team_add, name="team_add"),
    path("restore/", views.team_restore, name="team_restore"),
    path("<int:membership_id>/roles/", views.team_roles, name="team_roles"),
    path("<int:membership_id>/remove/", views.team_remove, name="team_remove"),
]
record_patterns = [
    path("", views.record_list, name="records"),
    path("<int:record_id>/", views.record_detail, name="record"),
    path("<int:record_id>/unmerge/", views.record_unmerge, name="record_unmerge"),
    # The record list's actions and its RIS export.
    path("action/", views.record_action, name="record_action"),
    path("ris/", views.record_list_ris, name="records_ris"),
]
import_patterns = [
    path("", views.imports, name="imports"),
    path("<int:job_id>/", views.import_job, name="import_job"),
    path("<int:job_id>/again/", views.import_again, name="import_again"),
    path("<int:job_id>/index-again/", views.import_index_again, name="import_index_again"),
    path("<int:job_id>/columns/", views.import_columns, name="import_columns"),
]
export_patterns = [
    path("", views.exports, name="exports"),
    path("<int:job_id>/", views.export_job, name="export_job"),
    path("<int:job_id>/download/", views.export_download, name="export_download"),
]
prisma_patterns = [
    path("", views.prisma, name="prisma"),
    path("diagram.svg", views.prisma_diagram, name="prisma_diagram"),
    path("download/<str:file_format>/", views.prisma_download, name="prisma_download"),
]
duplicate_patterns = [
    path("", views.duplicate_queue, name="duplicates"),
    path("<int:pair_id>/", views.duplicate_pair, name="duplicate_pair"),
]
label_patterns = [
    path("", views.labels, name="labels"),
    path("<int:label_id>/", views.label_rename, name="label_rename"),
    path("<int:label_id>/delete/", views.label_delete, name="label_delete"),
]
review_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("reviewer-stats/", views.reviewer_stats_fragment, name="reviewer_stats"),
    path("settings/", views.review_settings, name="settings"),
    path("team/", include(team_patterns)),
    path("records/", include(record_patterns)),
    path("imports/", include(import_patterns)),
    path("exports/", include(export_patterns)),
    path("prisma/", include(prisma_patterns)),
    path("duplicates/", include(duplicate_patterns)),
    path("labels/", include(label_patterns)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/new/", views.review_create, name="create"),
    path("reviews/<slug:review_slug>/", include(review_patterns)),
]
