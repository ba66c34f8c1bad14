"""Blinding of whole reviews: every review URL in the URL conf answers 404 to non-members, and viewers
cannot change anything. The URL conf is walked, not listed by hand, so new views are covered."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from review.models import Membership, Record, Review, Search


def review_url_patterns():
    """(name, route, converters) of every named pattern whose route takes a review slug."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                walk(p.url_patterns, prefix + str(p.pattern), f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if "<slug:review_slug>" in route:
                    found.append((f"{namespace}{p.name}", route, p.pattern.converters))

    walk(get_resolver().url_patterns)
    return found


def url_for(name: str, route: str, review: Review, ids: dict[str, int]) -> str:
    import re

    kwargs = {"review_slug": review.slug}
    for kind, key in re.findall(r"<(\w+):(\w+)>", route):
        if key == "review_slug":
            continue
        kwargs[key] = ids.get(key, 1) if kind == "int" else ids.get(key, "x")
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def object_ids(review, owner):
    """Real ids of objects inside the review, so a view cannot 404 for the wrong reason."""
    search = Search.objects.create(review=review, source_name="PubMed")
    record = Record.objects.create(
        review=review, search=search, title="A trial", authors=["Doe, J"], year=2020
    )
    membership = Membership.objects.get(review=review, user=owner)
    return {
        "record_id": record.pk,
        "membership_id": membership.pk,
        "search_id": search.pk,
        "kind": "extraction",
    }


def test_the_walk_finds_the_review_urls():
    names = {name for name, _, _ in review_url_patterns()}
    assert {"review:dashboard", "review:team", "review:settings", "review:records", "review:record"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_members_get_404_on_every_review_url(review, outsider, client_for, object_ids, method):
    client = client_for(outsider)
    for name, route, _ in review_url_patterns():
        url = url_for(name, route, review, object_ids)
        response = getattr(client, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url} ({name}) gave {response.status_code}"


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(review, client, object_ids):
    for name, route, _ in review_url_patterns():
        url = url_for(name, route, review, object_ids)
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_unknown_review_is_404_even_for_members_of_others(review, reviewer, client_for):
    response = client_for(reviewer).get("/reviews/no-such-review/")
    assert response.status_code == 404


def _snapshot():
    from django.apps import apps

    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"review", "screening", "extraction"}:
            counts[model._meta.label] = model.objects.count()
    return counts


# POST routes a viewer may use: leaving a review is their own business, and asking for an export their role
# allows (the consensus, the votes they may see) only queues a job that computes what they may read.
VIEWER_MAY_POST = {"review:team_remove", "review:exports"}


@pytest.mark.django_db
def test_viewers_cannot_write_anywhere(review, viewer, client_for, object_ids):
    client = client_for(viewer)
    before = _snapshot()
    for name, route, _ in review_url_patterns():
        if name in VIEWER_MAY_POST:
            continue
        url = url_for(name, route, review, object_ids)
        response = client.post(
            url, {"title": "Changed", "verdict": "include", "username": "viewer", "role": "owner"}
        )
        assert response.status_code in (403, 405), f"POST {url} ({name}) gave {response.status_code}"
    assert _snapshot() == before
    review.refresh_from_db()
    assert review.title == "Ketamine for depression"


@pytest.mark.django_db
def test_viewer_cannot_remove_someone_else(review, viewer, owner, client_for):
    membership = Membership.objects.get(review=review, user=owner)
    response = client_for(viewer).post(reverse("review:team_remove", args=[review.slug, membership.pk]))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_a_viewer_may_ask_for_an_export_and_nonsense_is_refused(review, viewer, client_for, export_media):
    from review.models import ExportJob

    client = client_for(viewer)
    url = reverse("review:exports", args=[review.slug])
    assert client.post(url, {"kind": "extraction.consensus-wide", "format": "csv"}).status_code == 302
    job = ExportJob.objects.get()
    assert (job.requested_by, job.kind, job.personal) == (viewer, "extraction.consensus-wide", False)
    # Asking for nonsense changes nothing and says what is wrong.
    response = client.post(url, {"kind": "everything", "format": "csv"})
    assert (
        response.status_code == 400 and "There is no export called “everything”." in response.content.decode()
    )
    response = client.post(url, {"kind": "extraction.consensus-wide", "format": "pdf"})
    assert (
        response.status_code == 400 and "is exported as CSV or XLSX, not “pdf”." in response.content.decode()
    )
    assert ExportJob.objects.count() == 1


@pytest.mark.django_db
def test_home_lists_only_my_reviews(review, outsider, reviewer, client_for):
    assert "Ketamine for depression" in client_for(reviewer).get("/").content.decode()
    assert "Ketamine for depression" not in client_for(outsider).get("/").content.decode()
