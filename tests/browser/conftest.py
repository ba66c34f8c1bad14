"""Playwright drives Debian's Chromium; it cannot download a browser of its own here."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.fail(
            "Browser tests need Chromium: run 'apt-get install chromium' or set CHROMIUM=/path/to/chromium."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# Reports every Content-Security-Policy violation to the console, where csp_violations collects it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `in ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture(autouse=True)
def csp_violations(monkeypatch):
    """Every browser test runs under the site's Content-Security-Policy (settings.SECURE_CSP) and fails if a
    page breaks it: an inline script, handler or style that the browser refused is a feature that silently
    stopped working. Covers the `context` fixture and contexts a test opens itself."""
    from playwright.sync_api import Browser

    violations: list[str] = []
    new_context = Browser.new_context

    def watched_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text or message.text.startswith("CSP violation")
                else None
            ),
        )
        return context

    monkeypatch.setattr(Browser, "new_context", watched_context)
    yield violations
    assert not violations, "\n".join(violations)


@pytest.fixture
def demo(transactional_db):
    """The demo review, loaded through the same path as `make demo`."""
    from review.demo import load_demo

    review, _ = load_demo()
    return review


@pytest.fixture
def login(live_server):
    def do(page, username: str, password: str = "ketamine-demo"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return do


@pytest.fixture
def run_worker(transactional_db):
    """Start django-tasks-db's own worker in a thread against the test database; it runs the queued tasks
    and stops when none is left. Returns the thread: `run_worker().join(timeout=10)`."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    def start() -> threading.Thread:
        def work() -> None:
            try:
                Worker(
                    queue_names=["*"],
                    interval=0.2,
                    batch=True,
                    backend_name="default",
                    startup_delay=False,
                    max_tasks=None,
                    worker_id="browser-test",
                    excluded_queue_names=[],
                ).run()
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        return thread

    return start


@pytest.fixture
def watch_job(run_worker):
    """Follow a job the page just queued: its progress bar (named `progress`) waits at 0 until a worker
    runs it, then reaches 100 and the status says `done`. Returns the worker's thread, to join."""
    from playwright.sync_api import expect

    def watch(page, *, progress: str, done: str) -> threading.Thread:
        bar = page.get_by_role("progressbar", name=progress)
        expect(bar).to_have_attribute("aria-valuenow", "0")
        expect(page.get_by_text("Waiting for the worker")).to_be_visible()
        worker = run_worker()
        expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
        expect(page.locator("[data-status]")).to_have_text(done)
        return worker

    return watch
