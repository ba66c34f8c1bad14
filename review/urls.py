from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/new/", views.review_create, name="create"),
    path("reviews/<slug:review_slug>/", views.dashboard, name="dashboard"),
    path("reviews/<slug:review_slug>/settings/", views.review_settings, name="settings"),
    path("reviews/<slug:review_slug>/team/", views.team, name="team"),
    path("reviews/<slug:review_slug>/team/add/", views.team_add, name="team_add"),
    path("reviews/<slug:review_slug>/team/<int:membership_id>/roles/", views.team_roles, name="team_roles"),
    path(
        "reviews/<slug:review_slug>/team/<int:membership_id>/remove/", views.team_remove, name="team_remove"
    ),
    path("reviews/<slug:review_slug>/records/", views.record_list, name="records"),
    path("reviews/<slug:review_slug>/records/<int:record_id>/", views.record_detail, name="record"),
]
