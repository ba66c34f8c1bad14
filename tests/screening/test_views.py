from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.models import Record
from screening.models import FullText, ScreeningDecision, Vote

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def queue_url(review, stage="title_abstract"):
    return reverse("screening:queue", args=[review.slug, stage])


def vote_url(review, record, stage="title_abstract"):
    return reverse("screening:vote", args=[review.slug, stage, record.pk])


def test_queue_shows_one_record_and_prefetches_the_next(review, reviewer, client_for, make_records):
    first, second, _ = make_records(3)
    html = client_for(reviewer).get(queue_url(review)).content.decode()
    assert f'data-record="{first.pk}"' in html
    assert '<template id="prefetched">' in html and f'data-record="{second.pk}"' in html
    assert "<kbd>i</kbd> include" in html and 'data-stat="left">3<' in html


def test_vote_answers_with_the_next_record(review, reviewer, client_for, make_records):
    first, second, third = make_records(3)
    response = client_for(reviewer).post(vote_url(review, first), {"verdict": "include", "note": "RCT"}, **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="screen"')  # the partial only
    assert f'data-record="{second.pk}"' in html and f'data-record="{third.pk}"' in html
    vote = Vote.objects.get(record=first)
    assert (vote.verdict, vote.note, vote.reviewer) == ("include", "RCT", reviewer)


def test_a_bad_vote_says_why_and_changes_nothing(review, reviewer, client_for, make_records):
    (record,) = make_records(1)
    response = client_for(reviewer).post(vote_url(review, record), {"verdict": "perhaps"}, **HX)
    assert "Unknown verdict" in response.content.decode()
    assert not Vote.objects.exists()


def test_undo_puts_the_record_back(review, reviewer, client_for, make_records):
    first, _ = make_records(2)
    client = client_for(reviewer)
    client.post(vote_url(review, first), {"verdict": "exclude"}, **HX)
    html = client.post(reverse("screening:undo", args=[review.slug, "title_abstract"]), **HX).content.decode()
    assert f'data-record="{first.pk}"' in html.split("<template")[0]
    assert not Vote.objects.exists()


def test_j_and_k_move_through_the_queue(review, reviewer, client_for, make_records):
    first, second, third = make_records(3)
    client = client_for(reviewer)
    client.post(vote_url(review, first), {"verdict": "exclude"}, **HX)
    html = client.get(queue_url(review) + f"?after={second.pk}", **HX).content.decode()
    assert html.split("<template")[0].count(f'data-record="{third.pk}"') == 1
    html = client.get(queue_url(review) + f"?before={second.pk}", **HX).content.decode()
    head = html.split("<template")[0]
    assert f'data-record="{first.pk}"' in head and "Your vote: <strong data-my-vote>Exclude" in head


def test_keywords_are_highlighted_after_escaping(review, reviewer, client_for):
    review.inclusion_keywords = "ketamine\namp"
    review.exclusion_keywords = "rats"
    review.save()
    Record.objects.create(review=review, title="<b>Ketamine</b> & rats", abstract="")
    html = client_for(reviewer).get(queue_url(review)).content.decode()
    assert (
        '&lt;b&gt;<mark class="include">Ketamine</mark>&lt;/b&gt; &amp; <mark class="exclude">rats</mark>'
        in html
    )


def _vote_and_next(client, review, record):
    return client.post(vote_url(review, record), {"verdict": "include"}, **HX)


@pytest.mark.parametrize("stage", ["title_abstract", "full_text"])
def test_vote_and_next_costs_the_same_queries_at_any_size(
    review, reviewer, reviewer2, client_for, make_records, django_assert_num_queries, stage
):
    from screening import services

    client = client_for(reviewer)
    counts = []
    for size in (5, 60):
        records = make_records(size)
        if stage == "full_text":
            for r in records:
                for user in (reviewer, reviewer2):
                    services.cast_vote(
                        review=review, record=r, stage="title_abstract", reviewer=user, verdict="include"
                    )
        _vote_and_next(client, review, records[0])  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = _vote_and_next(client, review, records[1])
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        _vote_and_next(client, review, records[2])


def test_full_text_upload_checks_the_pdf(review, reviewer, client_for, make_records, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (record,) = make_records(1)
    url = reverse("screening:full_text_upload", args=[review.slug, record.pk])
    client = client_for(reviewer)
    response = client.post(url, {"pdf": SimpleUploadedFile("paper.pdf", b"GIF89a not a pdf")}, follow=True)
    assert "“paper.pdf” is not a PDF" in response.content.decode()
    assert not FullText.objects.exists()
    client.post(url, {"pdf": SimpleUploadedFile("paper.pdf", b"%PDF-1.4\n%%EOF\n")})
    full_text = FullText.objects.get(record=record)
    assert full_text.file_name == "paper.pdf"
    pdf = client.get(reverse("screening:full_text_pdf", args=[review.slug, record.pk]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_full_text_pdf_size_limit(review, reviewer, make_records, monkeypatch):
    from django.core.exceptions import ValidationError

    from screening import services

    monkeypatch.setattr(services, "MAX_PDF_BYTES", 10)
    (record,) = make_records(1)
    with pytest.raises(ValidationError, match="at most"):
        services.attach_full_text(
            review=review,
            record=record,
            user=reviewer,
            pdf=SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"x" * 20),
        )


def test_conflict_list_and_resolution(
    review, reviewer, reviewer2, adjudicator, client_for, make_records, vote, django_assert_max_num_queries
):
    records = make_records(4)
    for r in records:
        vote(r, reviewer, "include")
        vote(r, reviewer2, "exclude", note=f"note {r.pk}")
    client = client_for(adjudicator)
    with django_assert_max_num_queries(8):
        html = client.get(
            reverse("screening:conflicts", args=[review.slug]) + "?stage=title_abstract"
        ).content.decode()
    assert all(f"note {r.pk}" in html for r in records)
    html = client.get(
        reverse("screening:conflicts", args=[review.slug]) + "?stage=full_text"
    ).content.decode()
    assert "No open conflicts" in html
    url = reverse("screening:resolve", args=[review.slug, "title_abstract", records[0].pk])
    response = client.post(url, {"decision": "exclude", "note": "Not ketamine"})
    assert response.status_code == 302
    decision = ScreeningDecision.objects.get(record=records[0], stage="title_abstract")
    assert (decision.status, decision.resolved_by) == ("excluded", adjudicator)
    # A reviewer in the conflict may not settle it (the review setting is off).
    response = client_for(reviewer).post(
        reverse("screening:resolve", args=[review.slug, "title_abstract", records[1].pk]),
        {"decision": "include", "note": "mine"},
        follow=True,
    )
    assert "You may not settle this conflict" in response.content.decode()


def test_dashboard_shows_stages_progress_and_my_work(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    a, b, c = make_records(3)
    vote(a, reviewer, "include")
    vote(a, reviewer2, "include")
    vote(b, reviewer, "exclude")
    html = client_for(reviewer).get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert 'data-stat="title_abstract-included">1<' in html
    assert 'data-stat="full_text-pending">1<' in html
    assert "Title and abstract: records left for you" in html
    assert 'aria-valuenow="67"' in html  # reviewer: 2 of 3 done


def test_a_title_that_case_folds_to_more_letters_is_highlighted(review, reviewer, client_for):
    """ "İnsulin" matches the keyword "insulin" without regard to case, but folds to "i̇nsulin" (a letter
    more): the page once failed on it, and on the record before it, which prefetches it."""
    review.inclusion_keywords = "insulin"
    review.save()
    before = Record.objects.create(review=review, title="Glucose clamps in depression", abstract="")
    insulin = Record.objects.create(review=review, title="İnsulin and ketamine", abstract="İNSULIN levels")
    client = client_for(reviewer)
    for query in (f"?record={before.pk}", f"?record={insulin.pk}"):
        response = client.get(queue_url(review) + query)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<mark class="include">İnsulin</mark> and ketamine' in html
        assert '<mark class="include">İNSULIN</mark> levels' in html


def test_vote_form_errors_are_shown_and_change_nothing(review, reviewer, client_for, make_records):
    (record,) = make_records(1)
    client = client_for(reviewer)
    for data, message in (
        ({}, "Choose include, exclude or maybe."),
        (
            {"verdict": "exclude", "reason": "nine"},
            "That exclusion reason is not in this review&#x27;s list.",
        ),
    ):
        html = client.post(vote_url(review, record), data, **HX).content.decode()
        assert f'<p class="error" role="alert">{message}</p>' in html
        assert f'data-record="{record.pk}"' in html.split("<template")[0]  # still on screen
    response = client.post(vote_url(review, record), {"verdict": "maybe"}, follow=True)
    assert response.status_code == 200 and Vote.objects.get().verdict == "maybe"
    page = client.post(vote_url(review, record), {"verdict": "no"}, follow=True).content.decode()
    assert "Unknown verdict “no”; use include, exclude or maybe." in page
    assert Vote.objects.get().verdict == "maybe"


def test_screens_that_answer_htmx_with_a_fragment_vary_on_it(review, reviewer, client_for, make_records):
    (record,) = make_records(1)
    client = client_for(reviewer)
    for response in (
        client.get(queue_url(review)),
        client.get(queue_url(review), **HX),
        client.post(vote_url(review, record), {"verdict": "include"}, **HX),
        client.post(reverse("screening:undo", args=[review.slug, "title_abstract"]), **HX),
    ):
        assert "HX-Request" in response["Vary"]


def test_a_refused_decision_shows_its_errors_at_the_form(
    review, reviewer, reviewer2, adjudicator, client_for, make_records, vote
):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "exclude")
    url = reverse("screening:resolve", args=[review.slug, "title_abstract", record.pk])
    client = client_for(adjudicator)
    html = client.post(url, {"note": "no decision"}).content.decode()
    assert 'aria-label="Resolve the conflict"' in html and "This field is required." in html
    assert "no decision" in html  # what she typed is kept
    html = client.post(url, {"decision": "include"}).content.decode()
    assert "Give a reason for the decision" in html
    assert ScreeningDecision.objects.get(record=record, stage="title_abstract").status == "conflict"
