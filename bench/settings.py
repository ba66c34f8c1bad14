"""Settings for the benchmarks: the project's own, plus a bare view (the floor) and plain static files."""

import os

# A throw-away database signs nothing that outlives the run.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)

from config.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
