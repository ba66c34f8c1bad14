"""Shared personas: an owner, two reviewers, an adjudicator, a viewer and an outsider, around one review."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    from django.conf import settings

    # The manifest storage needs collectstatic; tests and live_server serve the source files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, **extra):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)

    return make


def persona(username: str, **extra):
    """A fixture named `username` giving that user (the review fixture gives each a role)."""

    @pytest.fixture(name=username)
    def fixture(make_user):
        return make_user(username, **extra)

    return fixture


owner = persona("owner", first_name="Olive", last_name="Owner")
reviewer = persona("reviewer")
reviewer2 = persona("reviewer2")
adjudicator = persona("adjudicator")
viewer = persona("viewer")
outsider = persona("outsider")


@pytest.fixture
def review(owner, reviewer, reviewer2, adjudicator, viewer):
    from review import services

    review = services.create_review(slug="ketamine", title="Ketamine for depression", owner=owner)
    services.add_member(review=review, user=reviewer, role="reviewer")
    services.add_member(review=review, user=reviewer2, role="reviewer")
    services.add_member(review=review, user=adjudicator, role="adjudicator")
    services.add_member(review=review, user=viewer, role="viewer")
    return review


@pytest.fixture
def client_for(client):
    """A fresh logged-in test client for a user: `client_for(reviewer)`."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def export_media(settings, tmp_path):
    """Export files go to a throw-away media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def exported(export_media):
    """Ask for an export as the page does (a POST), run its job as the worker would, and download the file
    as the same person: `exported(client, review, "extraction.raw-copies", "csv")` gives the download's
    response (the job is `response.job`)."""
    from django.urls import reverse

    from review.models import ExportJob

    def run(client, review, kind: str, file_format: str):
        started = client.post(
            reverse("review:exports", args=[review.slug]), {"kind": kind, "format": file_format}
        )
        assert started.status_code == 302, started.content.decode()[:500]
        job = ExportJob.objects.latest("id")
        ExportJob.run(job.pk)
        job.refresh_from_db()
        assert job.status == "done", job.error
        response = client.get(reverse("review:export_download", args=[review.slug, job.pk]))
        assert response.status_code == 200
        response.job = job
        response.data = b"".join(response.streaming_content)
        return response

    return run
