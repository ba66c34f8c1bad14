"""The PRISMA 2020 boxes counted from a review's records: one review counted by hand, the boxes' sums on
random reviews in progress, and a number of queries that does not grow with the records."""

from __future__ import annotations

import io
import json
import random
from unittest.mock import ANY

import pytest
from django.core.management import CommandError, call_command
from django.utils.timezone import now

from review.constants import OtherMethod, SourceKind, Stage
from review.models import ExclusionReason, Record, RecordRemoval, Search, Study
from review.prisma import IDENTIFIERS
from review.prisma.flow import prisma_counts
from review.prisma.prisma_csv import read_prisma2020_csv
from screening.models import FullText, ScreeningDecision

pytestmark = pytest.mark.django_db


def _search(review, name, kind):
    return Search.objects.create(review=review, source_name=name, kind=kind)


def _records(review, search, n, prefix):
    return Record.objects.bulk_create(
        [Record(review=review, search=search, title=f"{prefix} {i}") for i in range(n)]
    )


def _decide(review, record, stage, status, reason=None):
    verdict = {"included": "include", "excluded": "exclude"}.get(status, "")
    ScreeningDecision.objects.create(
        review=review, record=record, stage=stage, status=status, verdict=verdict, reason=reason
    )


def test_a_review_counted_by_hand(review):
    pubmed = _records(review, _search(review, "PubMed", SourceKind.DATABASE), 6, "p")
    embase = _records(review, _search(review, "Embase", SourceKind.DATABASE), 4, "e")
    trials = _records(review, _search(review, "ClinicalTrials.gov", SourceKind.REGISTER), 2, "r")
    cited = _records(review, _search(review, "Citation searching", SourceKind.OTHER), 2, "c")
    websites = Search.objects.create(
        review=review, source_name="Google Scholar", kind=SourceKind.OTHER, other_method=OtherMethod.WEBSITE
    )
    (w1,) = _records(review, websites, 1, "w")
    p1, p2, p3, p4, p5, p6 = pubmed
    e1, e2, e3, e4 = embase
    r1, r2 = trials
    c1, c2 = cited
    # Embase's first two duplicate PubMed's first two.
    Record.objects.filter(pk=e1.pk).update(duplicate_of=p1)
    Record.objects.filter(pk=e2.pk).update(duplicate_of=p2)
    population = ExclusionReason.objects.get(review=review, label="Wrong population")
    ta, ft = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
    for record in (p1, p2, c2, w1):
        _decide(review, record, ta, "excluded")
    for record in (p3, p4, p5, p6, e3, c1):
        _decide(review, record, ta, "included")
    _decide(review, e4, ta, "conflict")
    _decide(review, r1, ta, "pending")  # r2 has no vote yet
    FullText.objects.create(record=p3, not_retrieved=True)
    _decide(review, p3, ft, "pending")
    for record in (p4, p6, c1):
        FullText.objects.create(record=record, pdf=f"reviews/1/full-text/{record.pk}.pdf")
    _decide(review, p4, ft, "included")
    _decide(review, c1, ft, "included")
    _decide(review, p5, ft, "excluded", reason=population)
    _decide(review, p6, ft, "pending")
    _decide(review, e3, ft, "pending")  # no PDF, no vote: still to retrieve
    study = Study.objects.create(review=review, label="Smith 2020")
    Record.objects.filter(pk__in=[p4.pk, c1.pk]).update(study=study)

    counts = prisma_counts(review)

    # Identified: PubMed 6 + Embase 4 = 10 from databases, 2 from a register.
    assert counts.database_results == 10
    assert counts.database_specific_results == {"PubMed": 6, "Embase": 4}
    assert counts.register_results == 2
    assert counts.register_specific_results == {"ClinicalTrials.gov": 2}
    # Other methods: 2 by citation searching, 1 from a website (excluded at title/abstract: in no box).
    assert (counts.citations_results, counts.website_results, counts.organisation_results) == (2, 1, 0)
    # e1, e2 are duplicates; nothing removed; screened 12 − 2 = 10 (p1–p6, e3, e4, r1, r2).
    assert counts.duplicates == 2
    assert (counts.excluded_automatic, counts.excluded_other) == (0, 0)
    assert counts.records_screened == 10
    # Excluded p1, p2; sought p3, p4, p5, p6, e3; awaiting e4 (conflict), r1 (pending), r2 (no vote).
    assert counts.records_excluded == 2
    assert counts.dbr_sought_reports == 5
    assert counts.records_awaiting_screening == 3
    # Of 5 sought: p3 not retrieved; p4, p5, p6 assessed (a PDF or a decision); e3 awaiting retrieval.
    assert counts.dbr_notretrieved_reports == 1
    assert counts.dbr_assessed == 3
    assert counts.reports_awaiting_retrieval == 1
    # Of 3 assessed: p5 excluded (wrong population), p4 included, p6 awaiting assessment.
    assert counts.dbr_excluded == {"Wrong population": 1}
    assert counts.reports_awaiting_assessment == 1
    # Other methods: c1 sought and assessed and included; c2 excluded at title/abstract, not sought.
    assert counts.other_sought_reports == 1
    assert counts.other_notretrieved_reports == 0
    assert counts.other_assessed == 1
    assert counts.other_excluded == {}
    # Included: reports p4 and c1, both of study "Smith 2020".
    assert (counts.new_reports, counts.new_studies) == (2, 1)
    assert (counts.total_reports, counts.total_studies) == (2, 1)
    assert counts.inconsistencies() == []


STATUSES = ["", "pending", "conflict", "included", "excluded"]


def _random_review(review, rng: random.Random, size: int) -> None:
    searches = [
        _search(review, "PubMed", SourceKind.DATABASE),
        _search(review, "Embase", SourceKind.DATABASE),
        _search(review, "WHO ICTRP", SourceKind.REGISTER),
        _search(review, "Citation searching", SourceKind.OTHER),
        Search.objects.create(
            review=review, source_name="WHO website", kind=SourceKind.OTHER, other_method=OtherMethod.WEBSITE
        ),
    ]
    reasons = list(ExclusionReason.objects.filter(review=review)[:3])
    records = Record.objects.bulk_create(
        [Record(review=review, search=rng.choice(searches), title=f"Trial {i}") for i in range(size)]
    )
    decisions, full_texts = [], []
    for record in records:
        if record.pk != records[0].pk and rng.random() < 0.15:
            Record.objects.filter(pk=record.pk).update(duplicate_of=records[0])
        ta = rng.choice(STATUSES)
        if ta:
            decisions.append(
                ScreeningDecision(review=review, record=record, stage=Stage.TITLE_ABSTRACT, status=ta)
            )
        ft = rng.choice(STATUSES) if ta == "included" else ""
        if ft:
            reason = rng.choice([*reasons, None]) if ft == "excluded" else None
            decisions.append(
                ScreeningDecision(
                    review=review, record=record, stage=Stage.FULL_TEXT, status=ft, reason=reason
                )
            )
        if rng.random() < 0.4:
            full_texts.append(
                FullText(
                    record=record, not_retrieved=rng.random() < 0.5, pdf="x.pdf" if rng.random() < 0.5 else ""
                )
            )
    ScreeningDecision.objects.bulk_create(decisions)
    FullText.objects.bulk_create(full_texts)


@pytest.mark.parametrize("seed", range(25))
def test_the_boxes_add_up_on_random_reviews_in_progress(review, seed):
    rng = random.Random(seed)
    _random_review(review, rng, size=rng.randint(1, 60))
    counts = prisma_counts(review)
    assert counts.inconsistencies() == []
    everything = Record.objects.filter(review=review)
    other = counts.website_results + counts.organisation_results + counts.citations_results
    assert counts.database_results + counts.register_results + other == everything.count()


@pytest.mark.parametrize("size", [5, 80])
def test_a_fixed_number_of_queries_whatever_the_number_of_records(review, size, django_assert_num_queries):
    _random_review(review, random.Random(size), size=size)
    with django_assert_num_queries(3):
        prisma_counts(review)


def _run_prisma(*args) -> str:
    out = io.StringIO()
    call_command("prisma", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_counts_as_json_and_as_the_package_csv(review):
    _random_review(review, random.Random(7), size=40)
    counts = prisma_counts(review)

    printed = json.loads(_run_prisma("ketamine", "--json"))
    assert list(printed) == list(IDENTIFIERS)
    assert printed == counts.prisma2020_values()
    assert printed["database_specific_results"] == {"PubMed": ANY, "Embase": ANY}

    read_back = read_prisma2020_csv(_run_prisma("ketamine", "--csv"))
    assert read_back.prisma2020_values() == counts.prisma2020_values()


def test_the_command_names_an_unknown_review():
    with pytest.raises(CommandError, match="No review with the short name “nope”"):
        _run_prisma("nope", "--json")


def test_records_removed_before_screening_counted_by_hand(review, owner):
    a1, a2, a3, a4, a5 = _records(review, _search(review, "PubMed", SourceKind.DATABASE), 5, "a")
    (c1,) = _records(review, _search(review, "Citation searching", SourceKind.OTHER), 1, "c")
    RecordRemoval.objects.create(review=review, record=a1, kind="automation", reason="Classifier: not an RCT")
    RecordRemoval.objects.create(review=review, record=a2, kind="other", reason="Retracted")
    RecordRemoval.objects.create(
        review=review, record=a3, kind="other", reason="Wrong year", restored_at=now()
    )
    RecordRemoval.objects.create(review=review, record=c1, kind="other", reason="Retracted")
    _decide(review, a4, Stage.TITLE_ABSTRACT, "excluded")
    _decide(review, c1, Stage.TITLE_ABSTRACT, "included")

    counts = prisma_counts(review)

    # 5 identified; a1 removed by automation, a2 for another reason; a3's removal was undone.
    assert (counts.database_results, counts.duplicates) == (5, 0)
    assert (counts.excluded_automatic, counts.excluded_other) == (1, 1)
    # Screened a3, a4, a5: a4 excluded, a3 and a5 without a vote yet.
    assert (counts.records_screened, counts.records_excluded, counts.records_awaiting_screening) == (3, 1, 2)
    # c1 was removed: not sought although included at title/abstract.
    assert (counts.citations_results, counts.other_sought_reports) == (1, 0)
    assert counts.inconsistencies() == []
