# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Django 6.1 needs Python 3.12+. Take the newest python3.13/python3.12 that runs, including
# pyenv installs whose shims are not active.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12; do \
	  if $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then command -v $$p; exit; fi; done; \
	  for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  if $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$p; exit; fi; done)

.PHONY: demo test install chromium migrate serve prod lint clean

# The demo and the tests run without DEBUG, which needs a secret key: one made once per checkout, kept in
# var/ (production sets its own, see README). A SECRET_KEY or SECRET_KEY_FILE already set wins.
LOCAL_KEY := $(CURDIR)/var/secret_key
ifeq ($(SECRET_KEY)$(SECRET_KEY_FILE),)
migrate demo test: export SECRET_KEY_FILE = $(LOCAL_KEY)
migrate demo test: $(LOCAL_KEY)
endif

$(LOCAL_KEY): | $(VENV)/.installed
	@mkdir -p $(dir $@)
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed (Django 6.1). Install python3.12 or python3.13, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# Sets everything up, loads the demo review (idempotent) and serves it with its background worker.
demo: migrate
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py worker & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Production: gunicorn + PostgreSQL. Needs DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS in the environment.
prod: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (postgres://user:password@host:5432/dbname)" >&2; exit 1; }
	@test -n "$$SECRET_KEY$$SECRET_KEY_FILE" || { echo "Set SECRET_KEY or SECRET_KEY_FILE" >&2; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py worker & \
	  $(VENV)/bin/gunicorn config.wsgi --bind $${BIND:-0.0.0.0:8000} --workers $${WEB_CONCURRENCY:-3} --access-logfile -

# Browser tests drive Debian's Chromium; install it when missing and we may.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu), or set CHROMIUM=/path/to/chromium." >&2; exit 1; \
	  fi; \
	fi

test: install chromium
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
