from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView, PasswordChangeDoneView, PasswordChangeView
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("review.urls")),
    path("", include("screening.urls")),
    path("", include("extraction.urls")),
    path("", include("extraction.risk_of_bias.urls")),
]

# Errors inside the site's frame, with the sentence the view gave (400 and 500 use Django's own views with
# templates/400.html and 500.html).
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
