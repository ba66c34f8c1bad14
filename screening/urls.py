from django.urls import path

from screening import views

app_name = "screening"

urlpatterns = [
    path("reviews/<slug:review_slug>/screening/conflicts/", views.conflicts, name="conflicts"),
    path("reviews/<slug:review_slug>/screening/agreement/", views.agreement, name="agreement"),
    path(
        "reviews/<slug:review_slug>/screening/full-text/<int:record_id>/upload/",
        views.full_text_upload,
        name="full_text_upload",
    ),
    path(
        "reviews/<slug:review_slug>/screening/full-text/<int:record_id>/pdf/",
        views.full_text_pdf,
        name="full_text_pdf",
    ),
    path("reviews/<slug:review_slug>/screening/<slug:stage>/", views.queue, name="queue"),
    path("reviews/<slug:review_slug>/screening/<slug:stage>/undo/", views.undo, name="undo"),
    path("reviews/<slug:review_slug>/screening/<slug:stage>/mine/", views.my_decisions, name="my_decisions"),
    path("reviews/<slug:review_slug>/screening/<slug:stage>/<int:record_id>/vote/", views.vote, name="vote"),
    path(
        "reviews/<slug:review_slug>/screening/<slug:stage>/<int:record_id>/",
        views.record_votes,
        name="record_votes",
    ),
    path(
        "reviews/<slug:review_slug>/screening/<slug:stage>/<int:record_id>/resolve/",
        views.resolve,
        name="resolve",
    ),
]
