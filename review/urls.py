from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/new/", views.review_create, name="create"),
    path("reviews/<slug:review_slug>/", views.dashboard, name="dashboard"),
    path("reviews/<slug:review_slug>/reviewer-stats/", views.reviewer_stats_fragment, name="reviewer_stats"),
    path("reviews/<slug:review_slug>/settings/", views.review_settings, name="settings"),
    path("reviews/<slug:review_slug>/team/", views.team, name="team"),
    path("reviews/<slug:review_slug>/team/add/", views.team_add, name="team_add"),
    path("reviews/<slug:review_slug>/team/restore/", views.team_restore, name="team_restore"),
    path("reviews/<slug:review_slug>/team/<int:membership_id>/roles/", views.team_roles, name="team_roles"),
    path(
        "reviews/<slug:review_slug>/team/<int:membership_id>/remove/", views.team_remove, name="team_remove"
    ),
    path("reviews/<slug:review_slug>/records/", views.record_list, name="records"),
    path("reviews/<slug:review_slug>/records/<int:record_id>/", views.record_detail, name="record"),
    path("reviews/<slug:review_slug>/imports/", views.imports, name="imports"),
    path("reviews/<slug:review_slug>/imports/<int:job_id>/", views.import_job, name="import_job"),
    path("reviews/<slug:review_slug>/imports/<int:job_id>/again/", views.import_again, name="import_again"),
    path(
        "reviews/<slug:review_slug>/imports/<int:job_id>/columns/",
        views.import_columns,
        name="import_columns",
    ),
    path("reviews/<slug:review_slug>/exports/", views.exports, name="exports"),
    path("reviews/<slug:review_slug>/exports/<int:job_id>/", views.export_job, name="export_job"),
    path(
        "reviews/<slug:review_slug>/exports/<int:job_id>/download/",
        views.export_download,
        name="export_download",
    ),
    path("reviews/<slug:review_slug>/prisma/", views.prisma, name="prisma"),
    path("reviews/<slug:review_slug>/prisma/diagram.svg", views.prisma_diagram, name="prisma_diagram"),
    path(
        "reviews/<slug:review_slug>/prisma/download/<str:file_format>/",
        views.prisma_download,
        name="prisma_download",
    ),
    path("reviews/<slug:review_slug>/duplicates/", views.duplicate_queue, name="duplicates"),
    path("reviews/<slug:review_slug>/duplicates/<int:pair_id>/", views.duplicate_pair, name="duplicate_pair"),
    path(
        "reviews/<slug:review_slug>/records/<int:record_id>/unmerge/",
        views.record_unmerge,
        name="record_unmerge",
    ),
    # The record list's actions, its RIS export and the review's labels.
    path("reviews/<slug:review_slug>/records/action/", views.record_action, name="record_action"),
    path("reviews/<slug:review_slug>/records/ris/", views.record_list_ris, name="records_ris"),
    path("reviews/<slug:review_slug>/labels/", views.labels, name="labels"),
    path("reviews/<slug:review_slug>/labels/<int:label_id>/", views.label_rename, name="label_rename"),
    path("reviews/<slug:review_slug>/labels/<int:label_id>/delete/", views.label_delete, name="label_delete"),
]
