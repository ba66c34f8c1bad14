"""Blinding: until a record is resolved at a stage, nobody sees another reviewer's vote on any screening
page, in any export, in the HTML source or through any URL. Afterwards the team sees all votes. The
screening URL conf is walked, so a new URL is covered without editing this test."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import URLPattern, get_resolver, reverse

from screening import services
from screening.models import RecordStage

pytestmark = pytest.mark.django_db
SECRET = "SECRET-NOTE-OF-REVIEWER-ONE"


def screening_urls(review, record) -> list[str]:
    """Every GET-able screening URL, for both stages, with the record in question."""
    resolver = get_resolver()
    urls = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "screening":
            continue
        for p in pattern.url_patterns:
            assert isinstance(p, URLPattern)
            route = str(p.pattern)
            for stage in ("title_abstract", "full_text"):
                kwargs = {"review_slug": review.slug}
                if "<slug:stage>" in route:
                    kwargs["stage"] = stage
                if "<int:record_id>" in route:
                    kwargs["record_id"] = record.pk
                url = reverse(f"screening:{p.name}", kwargs=kwargs)
                if p.name == "votes_export":
                    urls += [url + "?format=csv", url + "?format=xlsx"]
                elif p.name == "queue":
                    urls += [url, url + f"?record={record.pk}", url + f"?before={record.pk + 1}"]
                else:
                    urls.append(url)
    urls.append(reverse("review:dashboard", args=[review.slug]))
    urls.append(reverse("review:record", args=[review.slug, record.pk]))
    return sorted(set(urls))


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def seen_by(client, review, record) -> dict[str, str]:
    pages = {}
    for url in screening_urls(review, record):
        response = client.get(url)
        assert response.status_code in (200, 403, 404, 405), f"{url} gave {response.status_code}"
        if response.status_code == 200:
            pages[url] = text_of(response)
    assert len(pages) >= 8, "too few screening pages answered to prove anything"
    return pages


def export_reviewers(client, review) -> set[str]:
    csv = client.get(reverse("screening:votes_export", args=[review.slug]) + "?format=csv").content.decode()
    header, *rows = [line.split(",") for line in csv.strip().splitlines()]
    column = header.index("reviewer")
    return {row[column] for row in rows}


@pytest.fixture
def setting(review, make_records, vote, reviewer):
    record, other = make_records(2)
    vote(record, reviewer, "include", note=SECRET)
    return record, other


def assert_blind(client, review, record, who: str):
    for url, text in seen_by(client, review, record).items():
        assert SECRET not in text, f"{who} saw reviewer one's vote at {url}"


def test_before_the_second_vote_the_other_reviewer_and_the_team_see_nothing(
    review, setting, reviewer2, viewer, adjudicator, client_for
):
    record, other = setting
    for user in (reviewer2, viewer, adjudicator):
        assert_blind(client_for(user), review, record, user.username)
        assert export_reviewers(client_for(user), review) <= {user.username}


def test_in_conflict_the_other_reviewer_and_viewers_still_see_nothing(
    review, setting, reviewer2, viewer, client_for, vote
):
    record, other = setting
    vote(record, reviewer2, "exclude", note="mine")
    assert RecordStage.objects.get(record=record, stage="title_abstract").status == "conflict"
    for user in (reviewer2, viewer):
        client = client_for(user)
        assert_blind(client, review, record, user.username)
        assert export_reviewers(client, review) <= {"reviewer2"}
        # Even the page of the record does not say it is in conflict.
        html = client.get(
            reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk])
        ).content
        assert b"Conflict" not in html.split(b'<main id="main">')[1]
    # POST answers (the next record after a vote, undo) carry only the voter's own votes.
    client = client_for(reviewer2)
    html = client.post(
        reverse("screening:vote", args=[review.slug, "title_abstract", other.pk]),
        {"verdict": "maybe"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    html += client.post(
        reverse("screening:undo", args=[review.slug, "title_abstract"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert SECRET not in html


def test_the_dashboard_shows_conflict_counts_only_to_who_may_settle_them(
    review, setting, reviewer, reviewer2, adjudicator, client_for, vote
):
    record, other = setting
    vote(record, reviewer2, "exclude")
    dashboard = reverse("review:dashboard", args=[review.slug])
    conflicts = 'data-stat="title_abstract-conflict"'
    for user in (reviewer, reviewer2):
        html = client_for(user).get(dashboard).content.decode()
        assert conflicts not in html and 'data-stat="title_abstract-pending">1<' in html
    assert f"{conflicts}>1<" in client_for(adjudicator).get(dashboard).content.decode()
    review.reviewers_resolve_conflicts = True
    review.save()
    assert f"{conflicts}>1<" in client_for(reviewer).get(dashboard).content.decode()


def test_adjudicator_sees_the_conflict_side_by_side(
    review, setting, reviewer2, adjudicator, client_for, vote
):
    record, _ = setting
    vote(record, reviewer2, "exclude", note="mine")
    html = client_for(adjudicator).get(reverse("screening:conflicts", args=[review.slug])).content.decode()
    assert SECRET in html and "mine" in html


def test_after_resolution_the_team_sees_every_vote(
    review, setting, reviewer2, viewer, adjudicator, client_for, vote
):
    record, _ = setting
    vote(record, reviewer2, "exclude", note="mine")
    outcome = RecordStage.objects.get(record=record, stage="title_abstract")
    services.resolve_conflict(review=review, outcome=outcome, user=adjudicator, decision="include", note="ok")
    for user in (reviewer2, viewer):
        client = client_for(user)
        html = client.get(
            reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk])
        ).content
        assert SECRET in html.decode()
        assert export_reviewers(client, review) == {"reviewer", "reviewer2"}
        xlsx = client.get(reverse("screening:votes_export", args=[review.slug]) + "?format=xlsx")
        assert SECRET in text_of(xlsx)


def test_agreed_records_are_visible_once_resolved_without_adjudication(
    review, setting, reviewer2, client_for, vote
):
    record, _ = setting
    vote(record, reviewer2, "include")
    html = client_for(reviewer2).get(
        reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk])
    )
    assert SECRET in html.content.decode()
    assert re.search(r"data-status>Included<", html.content.decode())


def test_export_costs_a_fixed_number_of_queries(
    review, make_records, vote, reviewer, reviewer2, client_for, django_assert_num_queries
):
    client = client_for(reviewer2)
    url = reverse("screening:votes_export", args=[review.slug]) + "?format=csv"
    for r in make_records(3):
        vote(r, reviewer, "include")
        vote(r, reviewer2, "include")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for r in make_records(30):
        vote(r, reviewer, "exclude")
        vote(r, reviewer2, "exclude")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)
