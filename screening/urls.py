from __future__ import annotations

from django.urls import include, path

from screening import views

app_name = "screening"

# Under reviews/<slug:review_slug>/screening/<slug:stage>/: a stage's queue and one record's votes there.
stage_patterns = [
    path("", views.queue, name="queue"),
    path("undo/", views.undo, name="undo"),
    path("mine/", views.my_decisions, name="my_decisions"),
    path("<int:record_id>/", views.record_votes, name="record_votes"),
    path("<int:record_id>/vote/", views.vote, name="vote"),
    path("<int:record_id>/resolve/", views.resolve, name="resolve"),
]
# Under reviews/<slug:review_slug>/screening/.
screening_patterns = [
    path("conflicts/", views.conflicts, name="conflicts"),
    path("agreement/", views.agreement, name="agreement"),
    path("full-text/<int:record_id>/upload/", views.full_text_upload, name="full_text_upload"),
    path("full-text/<int:record_id>/pdf/", views.full_text_pdf, name="full_text_pdf"),
    path("<slug:stage>/", include(stage_patterns)),
]

urlpatterns = [
    path("reviews/<slug:review_slug>/screening/", include(screening_patterns)),
]
