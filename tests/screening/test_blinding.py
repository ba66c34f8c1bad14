"""Blinding: until a record is resolved at a stage, nobody sees another reviewer's vote on any screening
page, in any export, in the HTML source or through any URL. Afterwards the team sees all votes. The
screening URL conf is walked, so a new URL is covered without editing this test."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from screening import services
from screening.models import ScreeningDecision

pytestmark = pytest.mark.django_db
SECRET = "SECRET-NOTE-OF-REVIEWER-ONE"


def screening_urls(review, record) -> list[str]:
    """Every GET-able screening URL, for both stages, with the record in question."""

    def routes(patterns, prefix: str = ""):
        """(route, pattern) of every URL pattern under the screening URL conf's nested include()s."""
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from routes(p.url_patterns, prefix + str(p.pattern))
            else:
                assert isinstance(p, URLPattern)
                yield prefix + str(p.pattern), p

    urls = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) != "screening":
            continue
        for route, p in routes(pattern.url_patterns):
            for stage in ("title_abstract", "full_text"):
                kwargs = {"review_slug": review.slug}
                if "<slug:stage>" in route:
                    kwargs["stage"] = stage
                if "<int:record_id>" in route:
                    kwargs["record_id"] = record.pk
                url = reverse(f"screening:{p.name}", kwargs=kwargs)
                if p.name == "queue":
                    urls += [url, url + f"?record={record.pk}", url + f"?before={record.pk + 1}"]
                else:
                    urls.append(url)
    urls.append(reverse("review:dashboard", args=[review.slug]))
    urls.append(reverse("review:record", args=[review.slug, record.pk]))
    return sorted(set(urls))


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        content = response.data if hasattr(response, "data") else response.content
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def seen_by(client, review, record, exported) -> dict[str, str]:
    """Every screening page the user can open about the record, and the votes exports made for them."""
    pages = {}
    for url in screening_urls(review, record):
        response = client.get(url)
        assert response.status_code in (200, 403, 404, 405), f"{url} gave {response.status_code}"
        if response.status_code == 200:
            pages[url] = text_of(response)
    for file_format in ("csv", "xlsx"):
        download = exported(client, review, "screening.votes", file_format)
        pages[f"votes.{file_format}"] = text_of(download) if file_format == "xlsx" else download.data.decode()
        # The job's own page and progress say nothing about the votes either.
        pages[f"votes.{file_format} page"] = client.get(
            reverse("review:export_job", args=[review.slug, download.job.pk])
        ).content.decode()
    assert len(pages) >= 10, "too few screening pages answered to prove anything"
    return pages


def export_reviewers(client, review, exported) -> set[str]:
    csv = exported(client, review, "screening.votes", "csv").data.decode()
    header, *rows = [line.split(",") for line in csv.strip().splitlines()]
    column = header.index("reviewer")
    return {row[column] for row in rows}


@pytest.fixture
def setting(review, make_records, vote, reviewer):
    record, other = make_records(2)
    vote(record, reviewer, "include", note=SECRET)
    return record, other


def assert_blind(client, review, record, who: str, exported):
    for url, text in seen_by(client, review, record, exported).items():
        assert SECRET not in text, f"{who} saw reviewer one's vote at {url}"


def test_before_the_second_vote_the_other_reviewer_and_the_team_see_nothing(
    review, setting, reviewer2, viewer, adjudicator, client_for, exported
):
    record, other = setting
    for user in (reviewer2, viewer, adjudicator):
        assert_blind(client_for(user), review, record, user.username, exported)
        assert export_reviewers(client_for(user), review, exported) <= {user.username}


def test_in_conflict_the_other_reviewer_and_viewers_still_see_nothing(
    review, setting, reviewer2, viewer, client_for, vote, exported
):
    record, other = setting
    vote(record, reviewer2, "exclude", note="mine")
    assert ScreeningDecision.objects.get(record=record, stage="title_abstract").status == "conflict"
    for user in (reviewer2, viewer):
        client = client_for(user)
        assert_blind(client, review, record, user.username, exported)
        assert export_reviewers(client, review, exported) <= {"reviewer2"}
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
    review, setting, reviewer2, viewer, adjudicator, client_for, vote, exported
):
    record, _ = setting
    vote(record, reviewer2, "exclude", note="mine")
    decision = ScreeningDecision.objects.get(record=record, stage="title_abstract")
    services.resolve_conflict(
        review=review, decision=decision, user=adjudicator, verdict="include", note="ok"
    )
    for user in (reviewer2, viewer):
        client = client_for(user)
        html = client.get(
            reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk])
        ).content
        assert SECRET in html.decode()
        assert export_reviewers(client, review, exported) == {"reviewer", "reviewer2"}
        assert SECRET in text_of(exported(client, review, "screening.votes", "xlsx"))


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


def test_a_votes_export_is_computed_when_it_runs_and_is_its_requesters_alone(
    review, setting, reviewer, reviewer2, adjudicator, client_for, vote, export_media
):
    """Asked for while the record is blinded and run after it is resolved, the file holds what the
    requester may see when it is made; nobody else can open or download it."""
    from review.models import ExportJob

    record, _ = setting
    client = client_for(reviewer2)
    client.post(reverse("review:exports", args=[review.slug]), {"kind": "screening.votes", "format": "csv"})
    job = ExportJob.objects.get()
    vote(record, reviewer2, "include")  # agreed: resolved, so everybody's votes may be seen
    ExportJob.run(job.pk)
    download = client.get(reverse("review:export_download", args=[review.slug, job.pk]))
    assert SECRET in b"".join(download.streaming_content).decode()
    for user in (reviewer, adjudicator):
        other = client_for(user)
        assert other.get(reverse("review:export_download", args=[review.slug, job.pk])).status_code == 404
        assert other.get(reverse("review:export_job", args=[review.slug, job.pk])).status_code == 404


def test_export_costs_a_fixed_number_of_queries(
    review, make_records, vote, reviewer, reviewer2, export_media
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from review.exports.jobs import start_export
    from review.models import ExportJob

    def queries(file_format: str) -> int:
        job = start_export(review=review, user=reviewer2, kind="screening.votes", file_format=file_format)
        with CaptureQueriesContext(connection) as context:
            assert ExportJob.run(job.pk)["status"] == "done"
        return len(context.captured_queries)

    for r in make_records(3):
        vote(r, reviewer, "include")
        vote(r, reviewer2, "include")
    small = {fmt: queries(fmt) for fmt in ("csv", "xlsx")}
    for r in make_records(30):
        vote(r, reviewer, "exclude")
        vote(r, reviewer2, "exclude")
    assert {fmt: queries(fmt) for fmt in ("csv", "xlsx")} == small


# Blinding by difference: one reviewer's view with the other's vote missing or opposite ------------------


def _seen(client, urls) -> list[str]:
    from tests.blinding import normalise

    return [normalise(client.get(url, **headers).content.decode()) for url, headers in urls]


def test_a_reviewers_record_page_and_fragment_are_the_same_whether_the_other_did_not_vote_or_disagreed(
    review, make_records, vote, reviewer, reviewer2, client_for
):
    (record,) = make_records(1)
    vote(record, reviewer, "include", note="mine")
    queue = reverse("screening:queue", args=[review.slug, "title_abstract"]) + f"?record={record.pk}"
    urls = [
        (reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk]), {}),
        (queue, {}),
        (queue, {"HTTP_HX_REQUEST": "true"}),
    ]
    client = client_for(reviewer)
    before = _seen(client, urls)
    vote(record, reviewer2, "exclude")
    assert _seen(client, urls) == before
    assert "Status: <strong data-status>Open</strong>" in before[0]
    # Whether her vote may still change says nothing either: it may, in both cases.
    assert "You may change it until the record is resolved" in before[1]


@pytest.mark.parametrize("voter", ["reviewer", "owner"])
def test_dashboard_counts_do_not_move_when_the_other_reviewer_disagrees(
    review, make_records, vote, owner, reviewer, reviewer2, client_for, voter
):
    """An owner who also screens may settle conflicts, but not one she voted in: it must not show."""
    from review import services as review_services

    review_services.add_member(review=review, user=owner, role="reviewer")
    member = {"reviewer": reviewer, "owner": owner}[voter]
    voted, _ = make_records(2)
    vote(voted, member, "include")
    client = client_for(member)
    dashboard = [(reverse("review:dashboard", args=[review.slug]), {})]
    before = _seen(client, dashboard)
    vote(voted, reviewer2, "exclude")
    assert _seen(client, dashboard) == before
    assert 'data-stat="title_abstract-pending">1<' in before[0]


def test_dashboard_counts_do_not_tell_whether_someone_voted_before_her(
    review, make_records, vote, reviewer, reviewer2, client_for
):
    """Her counts after her vote are the same whether the other reviewer had voted the other way on the
    record before her, or not at all."""
    from django.db import transaction

    (record,) = make_records(1)
    client = client_for(reviewer)
    dashboard = [(reverse("review:dashboard", args=[review.slug]), {})]

    def seen_after_her_vote(earlier: str | None) -> list[str]:
        with transaction.atomic():
            if earlier:
                vote(record, reviewer2, earlier)
            pages = _seen(client, dashboard)
            vote(record, reviewer, "include")
            pages += _seen(client, dashboard)
            transaction.set_rollback(True)
        return pages

    assert seen_after_her_vote("exclude") == seen_after_her_vote(None)


def test_resolving_says_the_same_whether_the_record_waits_for_votes_or_is_a_conflict(
    review, make_records, vote, reviewer, reviewer2, client_for
):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    client = client_for(reviewer)
    url = reverse("screening:resolve", args=[review.slug, "title_abstract", record.pk])

    def answer() -> str:
        from tests.blinding import normalise

        return normalise(
            client.post(url, {"decision": "exclude", "note": "mine"}, follow=True).content.decode()
        )

    before = answer()
    vote(record, reviewer2, "exclude")
    assert answer() == before
    assert "You may not settle this conflict (or there is none to settle)." in before
    assert ScreeningDecision.objects.get(record=record, stage="title_abstract").status == "conflict"
