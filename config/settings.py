"""One settings module, read from the environment; the defaults run at once (SQLite, DEBUG off).

Every setting read here is listed in README.md (Production). A value that cannot be read (a yes/no
setting spelled "ture", a number with a unit) stops the start with a message naming the variable, rather
than being taken as a default."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env(name: str, default: str | None = None) -> str | None:
    """An environment value, or the contents of the file named by NAME_FILE (for secrets)."""
    if (path := os.environ.get(f"{name}_FILE")) is not None:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting; unset or empty means `default`, and any other spelling is refused."""
    value = (env(name) or "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={env(name)!r} is not a yes/no value: use one of {', '.join(TRUE_WORDS)} "
        f"or {', '.join(FALSE_WORDS)}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole-number setting; unset or empty means `default`."""
    value = (env(name) or "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number of at least {minimum}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated setting, blanks dropped."""
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # A key made once per checkout, so that a developer's DEBUG run needs no configuration and sessions
    # survive restarts. Never outside DEBUG: a server that forgot its key must not start with one of its own.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _proxy_ssl_header(value: str | None) -> tuple[str, str] | None:
    """ "X-Forwarded-Proto=https" (the header the proxy sets, and its value on HTTPS) as Django wants it."""
    if not value:
        return None
    header, sep, expected = value.partition("=")
    if not sep or not header.strip() or not expected.strip():
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={value!r} should read HEADER=VALUE, e.g. X-Forwarded-Proto=https."
        )
    return "HTTP_" + header.strip().upper().replace("-", "_"), expected.strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = env("SECRET_KEY") or (_local_secret_key() if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. On a server set SECRET_KEY (or SECRET_KEY_FILE) to 50 or more random "
        "characters; on a development machine run with DEBUG=1 (which keeps a key in var/secret_key), or "
        "with SECRET_KEY_FILE=var/secret_key as make demo and make test do."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "import_export",
    "django_tasks_db",
    "axes",
    "review",
    "screening",
    "extraction",
    "extraction.risk_of_bias",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.idle_timeout",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # request.htmx: which requests come from htmx (views answer those with a fragment).
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in the audit history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the page that says so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the background worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review:home"
LOGOUT_REDIRECT_URL = "login"

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": [],
    }
}
# A running background job's worker beats this often; a job with no beat for JOB_STALE_AFTER_SECONDS lost
# its worker and is failed by the sweep that `manage.py worker` runs (review/jobs.py).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15, minimum=1)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 120, minimum=1)

LANGUAGE_CODE = "en-gb"
# Dates and times are written one way everywhere (config/formats/en_GB/formats.py): with localisation on,
# the language's format module wins over DATE_FORMAT and friends, so those are set there, not here.
FORMAT_MODULE_PATH = ["config.formats"]
# Every form's labels without a suffix (config/forms.py).
FORM_RENDERER = "config.forms.FormRenderer"
TIME_ZONE = env("TIME_ZONE") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env("STATICFILES_BACKEND") or "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: search exports and full-text PDFs. Larger files are refused with a message, not a crash.
# A 100,000-record export with abstracts is about 250 MB. Uploads bigger than FILE_UPLOAD_MAX_MEMORY_SIZE
# stream to a temporary file (Django's TemporaryFileUploadHandler) and are moved into storage, never read whole.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 1024**3, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Sessions end after SESSION_IDLE_TIMEOUT minutes without a request (config/middleware.py pushes the
# expiry on as the user works).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 120, minimum=1) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG and bool(env("DATABASE_URL")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS. Off by default: each one is only right once the site is served over HTTPS (and HSTS cannot be
# taken back for SECURE_HSTS_SECONDS), so production turns them on (README, Production).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
# Behind a proxy that ends TLS: the header it sets and its value on HTTPS. Only when the proxy always sets
# (or strips) it, or anyone could claim HTTPS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env("SECURE_PROXY_SSL_HEADER"))
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page is framed, except a full-text PDF by the screening page (its view says so).
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files: no inline script, handler or style attribute runs,
# so injected markup could do nothing. htmx's own indicator styles are off (base.html) and in app.css.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Log-in throttling (django-axes): LOGIN_FAILURE_LIMIT failed log-ins for one username, or from one
# address, lock that username or address out for LOGIN_COOLOFF_MINUTES after the last failure.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies that each append to
# X-Forwarded-For, the entry the outermost one wrote (earlier entries are whatever the client sent).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    IPWARE_STRICT = False  # a client's extra entries must not push the choice back to the proxy's address

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "WARNING"},
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = True
