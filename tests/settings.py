"""The project's settings for the test suite, as deployed (the Content-Security-Policy and log-in throttling
included) but with a fixed secret key: nothing the tests sign is ever served."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "k" * 50)

from config.settings import *  # noqa: E402, F403

# Hashing every persona's password the deployed way costs about a second per test on a busy machine.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
