"""Settings for the benchmarks: the project's own, plus a bare view (the floor) and plain static files."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
