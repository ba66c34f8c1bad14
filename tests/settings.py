"""The project's settings for the test suite, as deployed (the Content-Security-Policy and log-in throttling
included) but with a fixed secret key: nothing the tests sign is ever served."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "k" * 50)

from config.settings import *  # noqa: E402, F403

# Hashing every persona's password the deployed way costs about a second per test on a busy machine.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# On SQLite the test database is a file, not memory: with an in-memory database Django's live server
# hands every request thread the test's one connection, so a page and its frame or images answered at the
# same moment share a transaction, and a browser test now and then finds itself logged out.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
