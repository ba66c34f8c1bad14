"""The record list: filters, sorting, keyset pages, capped counts, bulk actions and their permissions, the
RIS export of a filter, labels, with query counts that do not grow with the records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from review import curation
from review.constants import RemovalKind
from review.models import DuplicatePair, Label, Record, RecordLabel, RecordRemoval, Search
from screening import services as screening

pytestmark = pytest.mark.django_db

SURNAMES = ["Zhou", "Abbott", "Murrough", "Berman", "Williams", "Tiger", "Jelen", "Daly", "Nagele", "Carhart"]


def make_records(review, n: int, search=None) -> list[Record]:
    search = search or Search.objects.create(review=review, source_name="PubMed")
    return [
        Record.objects.create(
            review=review,
            search=search,
            title=f"{'Ketamine' if i % 2 else 'Esketamine'} trial number {n - i}",
            abstract="Depression scores fell." if i % 3 else "Anxiety in rats.",
            authors=[f"{SURNAMES[i % 10]}, A", "Second, B"],
            year=None if i % 7 == 0 else 1995 + (i * 37) % 30,
        )
        for i in range(n)
    ]


def records_url(review, **params) -> str:
    from urllib.parse import urlencode

    url = reverse("review:records", args=[review.slug])
    return f"{url}?{urlencode(params)}" if params else url


def shown_ids(response) -> list[int]:
    return [r.pk for r in response.context["page"].records]


# Query counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 60])
def test_the_list_and_its_ris_export_take_the_same_queries_at_5_and_60_records(
    review, owner, client_for, django_assert_num_queries, n
):
    records = make_records(review, n)
    label = Label.objects.create(review=review, name="background")
    curation.label_records(review=review, record_ids=[r.pk for r in records], label=label, user=owner)
    curation.remove_records(
        review=review, record_ids=[r.pk for r in records[:3]], user=owner, kind="other", reason="retracted"
    )
    client = client_for(owner)
    # Session, user, membership; the page, its labels and removals, the capped count; the choices of the
    # source, label and action-label selects.
    with django_assert_num_queries(10):
        response = client.get(records_url(review))
    assert response.status_code == 200 and len(shown_ids(response)) == min(n, 50)
    with django_assert_num_queries(11):  # the label filter's label is read once more to validate it
        response = client.get(
            records_url(
                review, q="trial", label=label.pk, removal="kept", title_abstract="not_started", sort="title"
            )
        )
    assert response.status_code == 200 and len(shown_ids(response)) == min(n - 3, 50)
    with django_assert_num_queries(5):  # session, user, membership, the label filter's label, the records
        response = client.get(reverse("review:records_ris", args=[review.slug]) + f"?label={label.pk}")
        body = b"".join(response.streaming_content).decode()
    assert body.count("TY  - JOUR") == n


# Sorting and keyset pages ------------------------------------------------------------------------------


def _walk(client, url: str) -> tuple[list[int], list[int]]:
    """Every id, following Next links from the first page, then Previous links back from the last."""
    forward, response = [], client.get(url)
    while True:
        forward += shown_ids(response)
        page = response.context["page"]
        if not page.has_next:
            break
        response = client.get(f"{url}&after={page.next_cursor}")
    backward, response = [], client.get(f"{url}&last=1")
    while True:
        backward = shown_ids(response) + backward
        page = response.context["page"]
        if not page.has_previous:
            break
        response = client.get(f"{url}&before={page.previous_cursor}")
    return forward, backward


def _expected(records: list[Record], sort: str) -> list[int]:
    # The order each sort promises, computed here in Python from the records themselves.
    keys = {
        "id": lambda r: (r.pk,),
        "year": lambda r: (r.year or 0, r.pk),
        "-year": lambda r: (-(r.year or 0), -r.pk),
        "title": lambda r: (r.title.lower()[:100], r.pk),
        "author": lambda r: (r.authors[0].split(",")[0].lower(), r.pk),
    }
    return [r.pk for r in sorted(records, key=keys[sort])]


@pytest.mark.parametrize("sort", ["id", "year", "-year", "title", "author"])
def test_pages_walk_every_record_once_in_the_sort_order_both_ways(
    review, viewer, client_for, monkeypatch, sort
):
    monkeypatch.setattr("review.records.PAGE_SIZE", 7)
    records = make_records(review, 30)
    forward, backward = _walk(client_for(viewer), records_url(review, sort=sort))
    assert forward == backward == _expected(records, sort)


def test_first_and_last_pages_have_no_link_beyond_them(review, viewer, client_for):
    make_records(review, 55)
    client = client_for(viewer)
    first = client.get(records_url(review)).context["page"]
    last = client.get(records_url(review, last=1)).context["page"]
    assert (first.has_previous, first.has_next, len(first.records)) == (False, True, 50)
    assert (last.has_previous, last.has_next, len(last.records)) == (True, False, 50)
    page = client.get(records_url(review, after=first.next_cursor)).content.decode()
    assert "First</a>" in page and "Next</a>" not in page


@pytest.mark.parametrize("cursor", ["garbage!", "WyJ0aXRsZSIsIngiLDFd", "WzEsMiwzXQ"])
def test_a_damaged_page_link_says_so_and_shows_the_first_page(review, viewer, client_for, cursor):
    make_records(review, 3)
    response = client_for(viewer).get(records_url(review, after=cursor))
    assert response.status_code == 400
    assert "That page link" in response.content.decode() and len(shown_ids(response)) == 3


def test_counts_stop_at_the_cap(review, viewer, client_for, monkeypatch):
    monkeypatch.setattr("review.records.COUNT_CAP", 10)
    make_records(review, 12)
    assert "More than 10 records" in client_for(viewer).get(records_url(review)).content.decode()
    assert "6 records" in client_for(viewer).get(records_url(review, q="ketamine")).content.decode()


# Filters -----------------------------------------------------------------------------------------------


def test_filters_by_source_duplicates_removal_and_label(review, owner, client_for):
    pubmed = Search.objects.create(review=review, source_name="PubMed")
    embase = Search.objects.create(review=review, source_name="Embase")
    a, b = make_records(review, 2, search=pubmed)
    c, d, e = make_records(review, 3, search=embase)
    Record.objects.filter(pk=c.pk).update(duplicate_of=a)
    DuplicatePair.objects.create(review=review, record=d, original=b, reason="similar title", score=91)
    label = Label.objects.create(review=review, name="check PDF")
    curation.label_records(review=review, record_ids=[b.pk, e.pk], label=label, user=owner)
    curation.remove_records(
        review=review, record_ids=[a.pk], user=owner, kind="automation", reason="RobotSearch"
    )
    curation.remove_records(review=review, record_ids=[e.pk], user=owner, kind="other", reason="retracted")
    client = client_for(owner)

    def ids(**params) -> set[int]:
        response = client.get(records_url(review, **params))
        assert response.status_code == 200, response.context["problems"]
        return set(shown_ids(response))

    assert ids(source=embase.pk) == {c.pk, d.pk, e.pk}
    assert ids(show="unique") == {a.pk, b.pk, d.pk, e.pk}
    assert ids(show="duplicates") == {c.pk}
    assert ids(show="waiting") == {b.pk, d.pk}
    assert ids(removal="removed") == {a.pk, e.pk}
    assert ids(removal="kept") == {b.pk, c.pk, d.pk}
    assert ids(removal=RemovalKind.AUTOMATION) == {a.pk}
    assert ids(removal=RemovalKind.OTHER) == {e.pk}
    assert ids(label=label.pk) == {b.pk, e.pk}
    assert ids(label=label.pk, removal="kept", source=pubmed.pk) == {b.pk}


def test_filters_by_screening_status_keep_conflicts_blinded(
    review, reviewer, reviewer2, adjudicator, client_for
):
    agreed, conflict, half, untouched = make_records(review, 4)
    for record, verdicts in ((agreed, ("include", "include")), (conflict, ("include", "exclude"))):
        for user, verdict in zip((reviewer, reviewer2), verdicts, strict=True):
            screening.cast_vote(
                review=review, record=record, stage="title_abstract", reviewer=user, verdict=verdict
            )
    screening.cast_vote(
        review=review, record=half, stage="title_abstract", reviewer=reviewer, verdict="exclude"
    )

    def ids(client, **params) -> set[int]:
        return set(shown_ids(client.get(records_url(review, **params))))

    judge = client_for(adjudicator)
    assert ids(judge, title_abstract="included") == {agreed.pk}
    assert ids(judge, title_abstract="conflict") == {conflict.pk}
    assert ids(judge, title_abstract="pending") == {half.pk}
    assert ids(judge, title_abstract="not_started") == {untouched.pk}
    assert ids(judge, full_text="pending") == {agreed.pk}
    # A reviewer who may not settle conflicts cannot tell one from a record waiting for votes.
    blind = client_for(reviewer)
    assert ids(blind, title_abstract="pending") == {conflict.pk, half.pk}
    response = blind.get(records_url(review, title_abstract="conflict"))
    assert response.status_code == 400
    assert "Title and abstract: Select a valid choice" in response.content.decode()
    assert '<option value="conflict"' not in response.content.decode()


def test_bad_filter_values_are_named_and_the_rest_still_apply(review, viewer, client_for):
    make_records(review, 4)
    response = client_for(viewer).get(records_url(review, label=999, show="everything", q="esketamine"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Label: Select a valid choice" in page and "Duplicates: Select a valid choice" in page
    assert len(shown_ids(response)) == 2


# Bulk actions -------------------------------------------------------------------------------------------


def act(client, review, action: str, records, **data):
    return client.post(
        reverse("review:record_action", args=[review.slug]),
        {
            "action": action,
            "records": [r.pk for r in records],
            "next": records_url(review, show="unique"),
            **data,
        },
    )


def test_owner_removes_and_restores_in_bulk_with_a_reason(review, owner, client_for):
    a, b, c = make_records(review, 3)
    client = client_for(owner)
    response = act(client, review, "remove", [a, b], removal_kind="other", reason="  outside the date range ")
    assert response.status_code == 302 and response["Location"] == records_url(review, show="unique")
    assert set(Record.objects.for_review(review).screenable()) == {c}
    removal = RecordRemoval.objects.get(record=a)
    assert (removal.kind, removal.reason, removal.removed_by) == ("other", "outside the date range", owner)
    assert removal.history.get().history_user == owner
    page = client.get(response["Location"]).content.decode()
    assert "2 records removed before screening (removed for other reasons)." in page
    act(client, review, "restore", [a])
    assert set(Record.objects.for_review(review).screenable()) == {a, c}
    removal.refresh_from_db()
    assert removal.restored_by == owner and removal.history.latest().history_type == "~"


def test_a_removal_without_reason_or_kind_changes_nothing_and_says_why(review, owner, client_for):
    records = make_records(review, 2)
    response = act(client_for(owner), review, "remove", records, removal_kind="", reason=" ")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Removed as: Choose how the records are removed." in messages
    assert "Reason: Say why the records are removed (for example “retracted”)." in messages
    assert not RecordRemoval.objects.exists()
    response = act(client_for(owner), review, "remove", [], removal_kind="other", reason="x")
    assert "Records: Tick at least one record first." in [str(m) for m in response.wsgi_request._messages]


def test_duplicates_and_screened_records_are_left_as_they_were(review, owner, reviewer, client_for):
    a, b, c = make_records(review, 3)
    Record.objects.filter(pk=b.pk).update(duplicate_of=a)
    screening.cast_vote(review=review, record=c, stage="title_abstract", reviewer=reviewer, verdict="include")
    response = act(
        client_for(owner), review, "remove", [a, b, c], removal_kind="automation", reason="classifier"
    )
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 record removed before screening (marked ineligible by automation tools)." in messages
    assert any(f"#{b.pk} duplicates" in m for m in messages)
    assert any(f"#{c.pk} already screened" in m for m in messages)
    assert list(RecordRemoval.objects.values_list("record_id", flat=True)) == [a.pk]


def test_only_owners_remove_reviewers_label_and_viewers_export(review, reviewer, viewer, owner, client_for):
    records = make_records(review, 2)
    label = Label.objects.create(review=review, name="background")
    assert (
        act(client_for(reviewer), review, "remove", records, removal_kind="other", reason="x").status_code
        == 403
    )
    assert act(client_for(viewer), review, "label", records, label=label.pk).status_code == 403
    assert act(client_for(viewer), review, "nonsense", records).status_code == 403
    assert not RecordRemoval.objects.exists() and not RecordLabel.objects.exists()
    assert act(client_for(reviewer), review, "label", records, label=label.pk).status_code == 302
    assert RecordLabel.objects.active().count() == 2
    act(client_for(reviewer), review, "unlabel", records[:1], label=label.pk)
    assert list(RecordLabel.objects.active().values_list("record_id", flat=True)) == [records[1].pk]
    response = act(client_for(viewer), review, "export", records)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-research-info")
    assert b"".join(response.streaming_content).decode().count("TY  - JOUR") == 2


def test_actions_stay_inside_the_review(review, owner, client_for):
    from review import services

    other = services.create_review(slug="other", title="Other", owner=owner)
    theirs = make_records(other, 1)
    label = Label.objects.create(review=other, name="theirs")
    response = act(client_for(owner), review, "label", theirs, label=label.pk)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith("Records: Select a valid choice") for m in messages)
    assert any(m.startswith("Label: Select a valid choice") for m in messages)
    assert not RecordLabel.objects.exists()
    # And the way back never leaves the review's records.
    response = client_for(owner).post(
        reverse("review:record_action", args=[review.slug]),
        {"action": "restore", "records": [], "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("review:records", args=[review.slug])


# Labels ------------------------------------------------------------------------------------------------


def test_labels_are_created_renamed_and_deleted_only_when_unused(review, reviewer, viewer, owner, client_for):
    client = client_for(reviewer)
    url = reverse("review:labels", args=[review.slug])
    assert client.post(url, {"name": " check   PDF "}).status_code == 302
    label = Label.objects.get(review=review)
    assert label.name == "check PDF" and label.created_by == reviewer
    response = client.post(url, {"name": "CHECK pdf"})
    assert (
        response.status_code == 400 and "already has a label called “CHECK pdf”" in response.content.decode()
    )
    assert client_for(viewer).post(url, {"name": "mine"}).status_code == 403
    client.post(reverse("review:label_rename", args=[review.slug, label.pk]), {"name": "Check the PDF"})
    label.refresh_from_db()
    assert label.name == "Check the PDF"
    record = make_records(review, 1)
    curation.label_records(review=review, record_ids=[record[0].pk], label=label, user=owner)
    curation.unlabel_records(review=review, record_ids=[record[0].pk], label=label, user=owner)
    response = client.post(reverse("review:label_delete", args=[review.slug, label.pk]), follow=True)
    assert "has been used on records" in response.content.decode() and Label.objects.exists()
    unused = Label.objects.create(review=review, name="spare")
    client.post(reverse("review:label_delete", args=[review.slug, unused.pk]))
    assert not Label.objects.filter(pk=unused.pk).exists()
    page = client.get(url).content.decode()
    assert f"?label={label.pk}" in page  # each label opens the filtered list


def test_labels_page_lists_them_by_name_with_their_counts(review, reviewer, owner, client_for):
    # The page counts each label's records; a counting query leaves the model's ordering out, so the
    # order has to be asked for (created out of order here on purpose).
    for name in ["zeta", "Alpha", "mu"]:
        Label.objects.create(review=review, name=name)
    record = make_records(review, 1)[0]
    curation.label_records(
        review=review, record_ids=[record.pk], label=Label.objects.get(name="mu"), user=owner
    )
    page = client_for(reviewer).get(reverse("review:labels", args=[review.slug])).content.decode()
    assert page.index(">Alpha</a>") < page.index(">mu</a>") < page.index(">zeta</a>")
