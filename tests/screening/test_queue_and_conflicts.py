"""The screener's and adjudicator's pages: the queue's live counter and bar, optional reasons at title and
abstract, the conflict view (the whole record, the votes, a decision form with nothing chosen, errors at the
field, the next conflict) and "My decisions"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from review.models import Record
from screening.models import ScreeningDecision, Vote

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TA, FT = "title_abstract", "full_text"


def queue_url(review, stage=TA):
    return reverse("screening:queue", args=[review.slug, stage])


def vote_url(review, record, stage=TA):
    return reverse("screening:vote", args=[review.slug, stage, record.pk])


def conflict_url(review, record, stage=TA):
    return reverse("screening:record_votes", args=[review.slug, stage, record.pk])


def resolve_url(review, record, stage=TA):
    return reverse("screening:resolve", args=[review.slug, stage, record.pk])


def counter(html: str) -> tuple[int, int, str]:
    """(records left, records voted, the bar's value) as the queue shows them."""
    left = int(re.search(r'data-stat="left">(\d+)<', html).group(1))
    done = int(re.search(r'data-stat="done">(\d+)<', html).group(1))
    bar = re.search(r'role="progressbar" aria-label="Your votes[^>]*aria-valuenow="(\d+)"', html).group(1)
    return left, done, bar


# The queue's counter and bar -----------------------------------------------------------------------------


def test_every_answer_carries_the_counter_and_the_bar(review, reviewer, client_for, make_records):
    first, second, third, fourth = make_records(4)
    client = client_for(reviewer)
    page = client.get(queue_url(review)).content.decode()
    assert counter(page) == (4, 0, "0")
    assert "4</span> records left for you · <span" in page and "0</span> of 4 voted (0%)" in page
    answer = client.post(vote_url(review, first), {"verdict": "include"}, **HX).content.decode()
    assert answer.lstrip().startswith('<div id="screen"')  # inside the swapped fragment
    assert counter(answer) == (3, 1, "25")
    answer = client.post(vote_url(review, second), {"verdict": "exclude"}, **HX).content.decode()
    assert counter(answer) == (2, 2, "50")
    # Changing a vote moves nothing; undo moves the counter back.
    answer = client.post(vote_url(review, second), {"verdict": "maybe"}, **HX).content.decode()
    assert counter(answer) == (2, 2, "50")
    answer = client.post(reverse("screening:undo", args=[review.slug, TA]), **HX).content.decode()
    assert counter(answer) == (3, 1, "25")
    # Moving through the queue (j, k) and an error keep it too.
    assert counter(client.get(queue_url(review) + f"?after={third.pk}", **HX).content.decode()) == (
        3,
        1,
        "25",
    )
    answer = client.post(vote_url(review, fourth), {"verdict": "perhaps"}, **HX).content.decode()
    assert "Unknown verdict" in answer and counter(answer) == (3, 1, "25")


def test_the_counter_is_a_reviewers_own_and_the_others_votes_do_not_move_it(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    a, b = make_records(2)
    vote(a, reviewer, "include")
    client = client_for(reviewer)
    before = counter(client.get(queue_url(review)).content.decode())
    vote(a, reviewer2, "exclude")  # a conflict she may not see
    vote(b, reviewer2, "include")
    assert counter(client.get(queue_url(review)).content.decode()) == before == (1, 1, "50")


def test_the_full_text_counter_counts_the_records_that_reached_full_text(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    a, b, c = make_records(3)
    for record in (a, b):
        vote(record, reviewer, "include")
        vote(record, reviewer2, "include")
    client = client_for(reviewer)
    assert counter(client.get(queue_url(review, FT)).content.decode()) == (2, 0, "0")
    reason = review.exclusion_reasons.first()
    answer = client.post(
        vote_url(review, a, FT), {"verdict": "exclude", "reason": reason.pk}, **HX
    ).content.decode()
    assert counter(answer) == (1, 1, "50")


# Reasons at title and abstract --------------------------------------------------------------------------


def test_an_exclusion_reason_is_optional_at_title_and_abstract(review, reviewer, client_for, make_records):
    a, b = make_records(2)
    client = client_for(reviewer)
    page = client.get(queue_url(review)).content.decode()
    assert f'<label for="reason-{a.pk}">Exclusion reason <span class="muted">(optional)</span>' in page
    assert "data-required" not in page.split("<template")[0]
    reason = review.exclusion_reasons.first()
    client.post(vote_url(review, a), {"verdict": "exclude", "reason": reason.pk}, **HX)
    client.post(vote_url(review, b), {"verdict": "exclude"}, **HX)
    assert Vote.objects.get(record=a).reason == reason
    assert Vote.objects.get(record=b).reason is None
    # Shown again with the vote, so it may be changed.
    page = client.get(queue_url(review) + f"?record={a.pk}").content.decode()
    assert f'<option value="{reason.pk}" selected>' in page


def test_at_full_text_the_reason_is_still_required(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    (record,) = make_records(1)
    vote(record, reviewer, "include")
    vote(record, reviewer2, "include")
    client = client_for(reviewer)
    page = client.get(queue_url(review, FT)).content.decode()
    assert "data-reason data-required" in page and "(needed to exclude)" in page
    answer = client.post(vote_url(review, record, FT), {"verdict": "exclude"}, **HX).content.decode()
    assert "Excluding a full text needs a reason" in answer
    assert not Vote.objects.filter(stage=FT).exists()


# The conflict view ---------------------------------------------------------------------------------------


@pytest.fixture
def conflicts(review, reviewer, reviewer2, make_records, vote):
    """Three records in conflict at title and abstract, in id order; the first with a full record."""
    records = make_records(3)
    first = records[0]
    first.title, first.journal = "Ketamine in rats with depressive disorders", "J Psychopharmacol"
    first.abstract = "Rats were given ketamine. <b>bold</b>"
    first.keywords = ["ketamine", "animal model"]
    first.save()
    review.inclusion_keywords, review.exclusion_keywords = "depressive disorder\nketamin*", "rat"
    review.save()
    reason = review.exclusion_reasons.first()
    for r in records:
        vote(r, reviewer, "include", note=f"include note {r.pk}")
        vote(r, reviewer2, "exclude", note=f"exclude note {r.pk}", reason=reason)
    return records


def test_the_conflict_view_shows_the_whole_record_and_every_vote(
    review, conflicts, adjudicator, client_for, django_assert_max_num_queries
):
    first = conflicts[0]
    client = client_for(adjudicator)
    with django_assert_max_num_queries(14):
        html = client.get(conflict_url(review, first)).content.decode()
    assert '<mark class="include">Ketamine</mark> in <mark class="exclude">rats</mark> with ' in html
    assert '<mark class="include">depressive disorders</mark>' in html
    assert (
        'id="abstract"><mark class="exclude">Rats</mark> were given <mark class="include">ketamine</mark>. &lt;b&gt;bold&lt;/b&gt;'
        in html
    )
    assert "<em>J Psychopharmacol</em> 2020" in html and "Author0, A" in html
    assert '<strong>Keywords:</strong> <mark class="include">ketamine</mark>; animal model' in html
    reason = review.exclusion_reasons.first().label
    for text in (f"include note {first.pk}", f"exclude note {first.pk}", f"Reason: {reason}"):
        assert text in html
    assert html.count('data-voter="reviewer') == 2


def test_the_decision_form_chooses_nothing_and_offers_reasons_only_at_full_text(
    review, conflicts, adjudicator, reviewer, reviewer2, client_for, vote
):
    client = client_for(adjudicator)
    html = client.get(conflict_url(review, conflicts[0])).content.decode()
    form = html.split('id="decision-form"')[1].split("</form>")[0]
    assert '<option value="" selected>Choose include or exclude</option>' in form
    assert form.count(" selected") == 1 and 'name="reason"' not in form
    # At full text: the reasons, none chosen.
    full = Record.objects.create(review=review, title="Full text", year=2020)
    for user in (reviewer, reviewer2):
        vote(full, user, "include")
    vote(full, reviewer, "include", stage=FT)
    vote(full, reviewer2, "exclude", stage=FT, reason=review.exclusion_reasons.first())
    form = client.get(conflict_url(review, full, FT)).content.decode().split('id="decision-form"')[1]
    assert 'name="reason"' in form and '<option value="" selected>(none)</option>' in form


def test_a_refused_decision_comes_back_with_its_error_at_the_field(
    review, conflicts, adjudicator, client_for
):
    client = client_for(adjudicator)
    response = client.post(resolve_url(review, conflicts[0]), {"decision": "exclude", "note": " "}, **HX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<form method="post"') and 'id="decision-form"' in html  # the form only
    note = html.split('for="id_note"')[1]
    assert "Give a reason for the decision (a note, or an exclusion reason)." in note.split("<textarea")[0]
    assert 'aria-invalid="true"' in note
    assert '<option value="exclude" selected>' in html  # what she chose is kept
    assert ScreeningDecision.objects.get(record=conflicts[0], stage=TA).status == "conflict"


def test_resolving_goes_on_to_the_next_conflict_and_then_to_the_list(
    review, conflicts, adjudicator, client_for
):
    client = client_for(adjudicator)
    first, second, third = conflicts
    response = client.post(resolve_url(review, second), {"decision": "include", "note": "RCT"}, **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == conflict_url(review, third)
    response = client.post(resolve_url(review, third), {"decision": "exclude", "note": "Rats"})
    assert response.status_code == 302 and response["Location"] == conflict_url(review, first)  # wraps round
    response = client.post(resolve_url(review, first), {"decision": "exclude", "note": "Rats"}, follow=True)
    assert (
        response.redirect_chain[-1][0]
        == reverse("screening:conflicts", args=[review.slug]) + "?stage=title_abstract"
    )
    assert "Conflict on Author0 2020 resolved." in response.content.decode()


def test_next_conflict_is_the_next_the_user_may_settle_at_that_stage(
    review, conflicts, adjudicator, reviewer, viewer, client_for
):
    first, second, third = conflicts
    client = client_for(adjudicator)

    def next_link(record) -> str | None:
        html = client.get(conflict_url(review, record)).content.decode()
        found = re.search(r'href="([^"]+)" class="button" id="next-conflict"', html)
        return found and found.group(1)

    assert next_link(first) == conflict_url(review, second)
    assert next_link(third) == conflict_url(review, first)
    client.post(resolve_url(review, second), {"decision": "include", "note": "ok"})
    assert next_link(first) == conflict_url(review, third)
    assert next_link(second) == conflict_url(review, third)  # from a settled record too
    # A reviewer in the conflicts (who may not settle them) and a viewer are offered none.
    for user in (reviewer, viewer):
        html = client_for(user).get(conflict_url(review, first)).content.decode()
        assert "next-conflict" not in html and 'id="decision-form"' not in html


def test_the_conflict_view_is_closed_to_outsiders_and_viewers_cannot_decide(
    review, conflicts, outsider, viewer, client_for
):
    assert client_for(outsider).get(conflict_url(review, conflicts[0])).status_code == 404
    assert client_for(outsider).post(resolve_url(review, conflicts[0]), {}).status_code == 404
    response = client_for(viewer).post(
        resolve_url(review, conflicts[0]), {"decision": "include", "note": "x"}
    )
    assert response.status_code == 403
    assert ScreeningDecision.objects.get(record=conflicts[0], stage=TA).status == "conflict"


def test_the_conflict_list_links_to_the_conflict_view(review, conflicts, adjudicator, client_for):
    html = client_for(adjudicator).get(reverse("screening:conflicts", args=[review.slug])).content.decode()
    for record in conflicts:
        assert f'href="{conflict_url(review, record)}"' in html


# My decisions --------------------------------------------------------------------------------------------


def my_url(review, stage=TA, query=""):
    return reverse("screening:my_decisions", args=[review.slug, stage]) + query


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-record="(\d+)">', html)]


def test_my_decisions_lists_her_own_votes_newest_first_with_links_back(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    a, b, c, d = make_records(4)
    vote(a, reviewer, "include")
    vote(b, reviewer, "exclude", note="not an RCT")
    vote(c, reviewer, "include")
    vote(d, reviewer2, "include")  # someone else's
    vote(a, reviewer2, "include")  # agreed: decided
    vote(c, reviewer2, "exclude")  # conflict: open for her
    vote(b, reviewer, "maybe", note="changed")  # changed last: first
    client = client_for(reviewer)
    html = client.get(my_url(review)).content.decode()
    assert rows(html) == [b.pk, c.pk, a.pk]
    assert "Maybe" in html and "“changed”" in html
    queue = reverse("screening:queue", args=[review.slug, TA])
    assert f'href="{queue}?record={b.pk}">Revisit' in html and f'href="{queue}?record={c.pk}">Revisit' in html
    assert f'href="{conflict_url(review, a)}">Decision' in html
    # Blinded: the conflict on c reads "Open", as on every other page of hers.
    assert "Conflict" not in html.split('<main id="main">')[1]
    assert rows(client.get(my_url(review, query="?show=open")).content.decode()) == [b.pk, c.pk]
    assert rows(client.get(my_url(review, query="?show=decided")).content.decode()) == [a.pk]
    assert rows(client.get(my_url(review, FT)).content.decode()) == []
    # An open vote revisited from the list is on screen with her vote, to change.
    page = client.get(f"{queue}?record={c.pk}").content.decode().split("<template")[0]
    assert f'data-record="{c.pk}"' in page and "Your vote: <strong data-my-vote>Include" in page


def test_my_decisions_is_paginated_at_a_fixed_number_of_queries(
    review, reviewer, client_for, make_records, vote
):
    from screening import views

    client = client_for(reviewer)
    counts = []
    for n in (3, views.MY_DECISIONS_PER_PAGE + 5):
        for record in make_records(n):
            vote(record, reviewer, "include")
        client.get(my_url(review))  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            html = client.get(my_url(review)).content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert len(rows(html)) == views.MY_DECISIONS_PER_PAGE and 'rel="next">Older' in html
    second = client.get(my_url(review, query="?page=2")).content.decode()
    assert len(rows(second)) == 3 + 5 and 'rel="prev">Newer' in second


def test_my_decisions_is_for_reviewers_only(review, outsider, viewer, client_for):
    assert client_for(outsider).get(my_url(review)).status_code == 404
    assert client_for(viewer).get(my_url(review)).status_code == 403
    assert client_for(viewer).get(my_url(review, stage="elsewhere")).status_code == 403
