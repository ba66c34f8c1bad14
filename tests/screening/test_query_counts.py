"""Every screening list and export costs the same number of queries for a few records and for many: the
pages a member opens (dashboard, queue, agreement, conflicts, a record's votes) and the votes export, which
also reads only the columns it writes."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review.exports.jobs import start_export
from review.models import ExportJob

pytestmark = pytest.mark.django_db


def screened(make_records, vote, reviewer, reviewer2, n: int, seed: int) -> list:
    """n records voted on by both reviewers (some agree, some conflict) and n more not screened yet."""
    rng = random.Random(seed)
    records = make_records(n, raw_entry="TY  - JOUR\nER  - ")
    for i, record in enumerate(records):
        vote(record, reviewer, "include")
        # The first two are always conflicts (the first has a next one), the others as they fall.
        vote(record, reviewer2, "exclude" if i < 2 else rng.choice(["include", "exclude"]), note="why")
    return records + make_records(n)


def queries(action) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        action()
    return [q["sql"] for q in context.captured_queries]


@pytest.mark.parametrize(
    ("who", "name", "args", "headers"),
    [
        ("reviewer", "review:dashboard", [], {}),
        ("adjudicator", "review:dashboard", [], {}),
        ("reviewer", "screening:queue", ["title_abstract"], {}),
        ("reviewer", "screening:queue", ["title_abstract"], {"HTTP_HX_REQUEST": "true"}),
        ("reviewer", "screening:queue", ["full_text"], {}),
        ("adjudicator", "screening:agreement", [], {}),
        ("adjudicator", "screening:conflicts", [], {}),
        ("reviewer", "review:duplicates", [], {}),
    ],
)
def test_a_page_costs_the_same_queries_for_few_and_many_records(
    review, reviewer, reviewer2, adjudicator, make_records, vote, client_for, who, name, args, headers
):
    client = client_for({"reviewer": reviewer, "adjudicator": adjudicator}[who])
    url = reverse(name, args=[review.slug, *args])
    counts = []
    for n in (3, 30):
        screened(make_records, vote, reviewer, reviewer2, n, seed=n)
        for _ in range(2):  # the queue's floor row is made, then raised to the queue's first record
            client.get(url, **headers)
        counts.append(len(queries(lambda: client.get(url, **headers))))
    assert counts[0] == counts[1], counts


def test_a_record_s_votes_page_costs_the_same_queries_for_few_and_many(
    review, reviewer, reviewer2, adjudicator, make_records, vote, client_for
):
    client = client_for(adjudicator)
    counts = []
    for n in (3, 30):
        record = screened(make_records, vote, reviewer, reviewer2, n, seed=n)[0]
        url = reverse("screening:record_votes", args=[review.slug, "title_abstract", record.pk])
        counts.append(len(queries(lambda: client.get(url))))  # noqa: B023 (called at once)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_votes_export_costs_the_same_queries_for_few_and_many_votes(
    review, reviewer, reviewer2, make_records, vote, export_media, file_format
):
    counts, rows = [], []
    for n in (3, 30):
        screened(make_records, vote, reviewer, reviewer2, n, seed=n)
        job = start_export(review=review, user=reviewer, kind="screening.votes", file_format=file_format)
        sql = queries(lambda: ExportJob.run(job.pk))  # noqa: B023 (called at once)
        rows.append(ExportJob.objects.get(pk=job.pk).row_count)
        assert not any('"abstract"' in q or '"raw_entry"' in q for q in sql)
        counts.append(len(sql))
    assert rows[1] > rows[0] >= 3  # her own votes at least
    assert counts[0] == counts[1], counts
