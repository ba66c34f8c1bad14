"""Log-in: repeated failures lock out the username and the address for a while (django-axes), with a
page that says so; sessions end after a stretch without requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.middleware import LAST_ACTIVE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(username: str, password: str, *, address: str = "192.0.2.1", client: Client | None = None):
    client = client or Client()
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )
    response.client = client
    return response


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_a_few_failures_then_the_right_password_logs_in_and_starts_counting_again(reviewer):
    for _ in range(4):
        assert log_in("reviewer", "wrong").status_code == 200
    assert logged_in(log_in("reviewer", PASSWORD))
    for _ in range(4):
        log_in("reviewer", "wrong")
    assert logged_in(log_in("reviewer", PASSWORD))


def test_five_failures_for_one_username_lock_it_from_every_address(reviewer):
    for n in range(5):
        log_in("reviewer", "wrong", address=f"192.0.2.{n + 10}")
    # Even the right password, from an address that never failed, is refused until the cool-off ends.
    response = log_in("reviewer", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429 and not logged_in(response)
    html = response.content.decode()
    assert "Log-in paused" in html
    assert "Too many failed log-ins for this username or from your address" in html
    assert "paused for 15 minutes" in html
    retry_at = timezone.localtime(timezone.now() + timedelta(minutes=15))
    assert "Try again after <strong><time datetime=" in html
    assert retry_at.strftime("%H:%M") in html or (retry_at + timedelta(minutes=1)).strftime("%H:%M") in html
    # The page is the site's own, in its frame.
    assert 'class="site-header"' in html and reverse("login") in html


def test_five_failures_from_one_address_lock_that_address_for_every_username(reviewer, reviewer2):
    for n in range(5):
        log_in(f"someone{n}", "guess", address="203.0.113.9")
    assert log_in("reviewer", PASSWORD, address="203.0.113.9").status_code == 429
    # The account itself is not locked: its owner logs in from elsewhere.
    assert logged_in(log_in("reviewer", PASSWORD, address="198.51.100.7"))


def test_the_lockout_ends_after_the_cool_off(reviewer):
    for _ in range(5):
        log_in("reviewer", "wrong")
    assert log_in("reviewer", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert logged_in(log_in("reviewer", PASSWORD))


def test_a_locked_out_log_in_leaves_no_session(reviewer):
    for _ in range(5):
        log_in("reviewer", "wrong")
    response = log_in("reviewer", PASSWORD)
    assert response.status_code == 429
    assert response.client.get(reverse("review:home")).status_code == 302  # to the log-in page


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings, reviewer):
    # What TRUSTED_PROXY_COUNT=1 sets (test_settings.py): the one proxy appends the address it saw;
    # anything before it is the client's to invent, so a new X-Forwarded-For each time dodges nothing.
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.IPWARE_STRICT = False
    for n in range(5):
        Client().post(
            reverse("login"),
            {"username": f"someone{n}", "password": "guess"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = Client().post(
        reverse("login"),
        {"username": "reviewer", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert locked.status_code == 429


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_request_within_a_minute_of_the_last_writes_no_session(reviewer):
    client = log_in("reviewer", PASSWORD).client
    expiry = _session(client).expire_date
    response = client.get(reverse("review:home"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert _session(client).expire_date == expiry


def test_working_pushes_the_idle_expiry_on(reviewer, settings):
    client = log_in("reviewer", PASSWORD).client
    # The last request was two minutes ago.
    session = client.session
    session[LAST_ACTIVE] -= 120
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
    )
    response = client.get(reverse("review:home"))
    assert response.status_code == 200
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE == 120 * 60
    left = _session(client).expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)
        < left
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def test_an_idle_session_has_ended(reviewer):
    client = log_in("reviewer", PASSWORD).client
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("review:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
