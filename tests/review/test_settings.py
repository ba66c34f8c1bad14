"""Settings read from the environment: strict about what they accept, and a production set-up that
`check --deploy` finds nothing to warn about."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"

# What README's Production section asks a server to set, beside its own hosts and database.
PRODUCTION = {
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto=https",
}


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Run config/settings.py afresh with only the given variables set (and a throw-away VAR_DIR)."""

    def load(**variables: str) -> dict:
        for name in list(os.environ):
            if name.startswith(("SECRET_KEY", "DEBUG", "SECURE_", "SESSION_", "LOGIN_", "TRUSTED_")):
                monkeypatch.delenv(name)
        for name in ("DATABASE_URL", "ALLOWED_HOSTS", "MAX_UPLOAD_BYTES"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


@pytest.mark.parametrize("spelling", ["ture", "2", "y", "enabled", "off please"])
def test_a_yes_no_setting_refuses_a_spelling_it_does_not_know(load_settings, spelling):
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(SECRET_KEY="k" * 50, SECURE_SSL_REDIRECT=spelling)
    message = str(refused.value)
    assert f"SECURE_SSL_REDIRECT={spelling!r}" in message
    assert "1, true, yes, on" in message and "0, false, no, off" in message


@pytest.mark.parametrize(
    ("spelling", "value"), [("1", True), ("TRUE", True), (" yes ", True), ("0", False), ("Off", False)]
)
def test_a_yes_no_setting_reads_the_usual_spellings(load_settings, spelling, value):
    assert load_settings(SECRET_KEY="k" * 50, SECURE_SSL_REDIRECT=spelling)["SECURE_SSL_REDIRECT"] is value


def test_a_number_setting_refuses_what_is_not_a_whole_number(load_settings):
    with pytest.raises(ImproperlyConfigured, match=r"SESSION_IDLE_TIMEOUT='2h' is not a whole number"):
        load_settings(SECRET_KEY="k" * 50, SESSION_IDLE_TIMEOUT="2h")
    with pytest.raises(
        ImproperlyConfigured, match=r"MAX_UPLOAD_BYTES='0' is not a whole number of at least 1"
    ):
        load_settings(SECRET_KEY="k" * 50, MAX_UPLOAD_BYTES="0")


def test_without_debug_a_missing_secret_key_stops_the_start(load_settings, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        load_settings()
    # Nothing was made up and left behind for the next start either.
    assert not (tmp_path / "var" / "secret_key").exists()


def test_with_debug_a_missing_secret_key_is_kept_in_var(load_settings, tmp_path):
    first = load_settings(DEBUG="1")["SECRET_KEY"]
    assert len(first) >= 50
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first
    assert load_settings(DEBUG="1")["SECRET_KEY"] == first


def test_the_secret_key_may_come_from_a_file(load_settings, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("f" * 60 + "\n")
    assert load_settings(SECRET_KEY_FILE=str(key_file))["SECRET_KEY"] == "f" * 60


def test_https_settings_are_off_unless_asked(load_settings):
    loaded = load_settings(SECRET_KEY="k" * 50)
    assert (
        loaded["SECURE_SSL_REDIRECT"],
        loaded["SECURE_HSTS_SECONDS"],
        loaded["SECURE_PROXY_SSL_HEADER"],
    ) == (
        False,
        0,
        None,
    )
    assert loaded["X_FRAME_OPTIONS"] == "DENY"


def test_production_settings_are_read_as_written(load_settings):
    loaded = load_settings(SECRET_KEY="k" * 50, DATABASE_URL="postgres://u@db.example.org/c", **PRODUCTION)
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert (loaded["SECURE_HSTS_SECONDS"], loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (31536000, True)
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["CSRF_COOKIE_SECURE"]


def test_a_proxy_header_without_its_value_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="HEADER=VALUE, e.g. X-Forwarded-Proto=https"):
        load_settings(SECRET_KEY="k" * 50, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")


def test_idle_timeout_and_log_in_throttling_come_from_the_environment(load_settings):
    defaults = load_settings(SECRET_KEY="k" * 50)
    assert defaults["SESSION_COOKIE_AGE"] == 120 * 60
    assert (defaults["AXES_FAILURE_LIMIT"], defaults["AXES_COOLOFF_TIME"]) == (5, timedelta(minutes=15))
    assert defaults["AXES_LOCKOUT_PARAMETERS"] == ["username", "ip_address"]
    changed = load_settings(
        SECRET_KEY="k" * 50, SESSION_IDLE_TIMEOUT="30", LOGIN_FAILURE_LIMIT="3", LOGIN_COOLOFF_MINUTES="60"
    )
    assert changed["SESSION_COOKIE_AGE"] == 30 * 60
    assert (changed["AXES_FAILURE_LIMIT"], changed["AXES_COOLOFF_TIME"]) == (3, timedelta(hours=1))


def test_behind_proxies_the_address_is_read_from_x_forwarded_for(load_settings):
    assert "AXES_IPWARE_PROXY_COUNT" not in load_settings(SECRET_KEY="k" * 50)  # REMOTE_ADDR alone
    behind_one = load_settings(SECRET_KEY="k" * 50, TRUSTED_PROXY_COUNT="1")
    assert behind_one["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    assert (behind_one["AXES_IPWARE_PROXY_COUNT"], behind_one["IPWARE_STRICT"]) == (0, False)


def _manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (tests/conftest.py), never a server's.
        if not name.startswith(("SECRET_KEY", "DEBUG", "SECURE_", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_settings():
    done = _manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL="postgres://concord@db.example.org:5432/concord",
        **PRODUCTION,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced).", done.stdout + done.stderr
    assert "WARNING" not in done.stderr


def test_a_server_without_a_secret_key_does_not_start():
    done = _manage("check", DEBUG="0", DATABASE_URL="postgres://concord@db.example.org:5432/concord")
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in done.stderr
