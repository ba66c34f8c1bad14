"""Every number of the PRISMA diagram opens exactly the records it counts: on a review built by hand, each
link's records are listed here by hand (the comments say why each record is in its box), and the number
the box shows equals the count of records its link opens. Then the filters those links use, as a member
sees them: chips to clear, blinding, bad input, query counts."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils.timezone import now

from review.constants import OtherMethod, SourceKind, Stage
from review.models import ExclusionReason, Record, RecordRemoval, Search, Study
from review.prisma.diagram import flow_diagram
from review.prisma.flow import NO_REASON, NO_SEARCH, prisma_counts
from screening import services as screening
from screening.models import FullText, ScreeningDecision

pytestmark = pytest.mark.django_db

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def _search(review, name, kind, method=OtherMethod.CITATION):
    return Search.objects.create(review=review, source_name=name, kind=kind, other_method=method)


def _record(review, search, title):
    return Record.objects.create(review=review, search=search, title=title)


def _decide(review, record, stage, status, reason=None):
    verdict = {"included": "include", "excluded": "exclude"}.get(status, "")
    ScreeningDecision.objects.create(
        review=review, record=record, stage=stage, status=status, verdict=verdict, reason=reason
    )


def _build(review, reviewer, reviewer2) -> dict[str, Record]:
    """A review in progress with a record in every box, both columns, a source searched twice, a record
    without a search, and removals and duplicates in the other column (which the first column's boxes
    must leave out)."""
    pubmed = _search(review, "PubMed", SourceKind.DATABASE)
    embase = _search(review, "Embase", SourceKind.DATABASE)
    pubmed_again = _search(review, "PubMed", SourceKind.DATABASE)  # an update search: one line "PubMed"
    trials = _search(review, "ClinicalTrials.gov", SourceKind.REGISTER)
    cited = _search(review, "Citation searching", SourceKind.OTHER, OtherMethod.CITATION)
    scholar = _search(review, "Google Scholar", SourceKind.OTHER, OtherMethod.WEBSITE)
    r = {
        name: _record(review, pubmed, name) for name in ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")
    }
    r |= {name: _record(review, embase, name) for name in ("e1", "e2", "e3")}
    r |= {name: _record(review, pubmed_again, name) for name in ("q1", "q2")}
    r |= {name: _record(review, trials, name) for name in ("r1", "r2")}
    r |= {name: _record(review, cited, name) for name in ("c1", "c2", "c3")}
    r["w1"] = _record(review, scholar, "w1")
    r["n1"] = _record(review, None, "n1")
    Record.objects.filter(pk=r["e1"].pk).update(duplicate_of=r["p1"])
    Record.objects.filter(pk=r["c3"].pk).update(duplicate_of=r["c1"])
    for name, kind in (("p2", "automation"), ("e2", "other"), ("e1", "other"), ("w1", "other")):
        RecordRemoval.objects.create(review=review, record=r[name], kind=kind, reason="by hand")
    RecordRemoval.objects.create(
        review=review, record=r["q2"], kind="other", reason="undone", restored_at=now()
    )
    population = ExclusionReason.objects.get(review=review, label="Wrong population")
    comparator = ExclusionReason.objects.get(review=review, label="Wrong comparator")
    for name in ("p1", "p3", "q1"):
        _decide(review, r[name], TA, "excluded")
    for name in ("p4", "p5", "p6", "p7", "p8", "p9", "e3", "c1", "c2"):
        _decide(review, r[name], TA, "included")
    _decide(review, r["r2"], TA, "conflict")
    screening.cast_vote(review=review, record=r["r1"], stage=TA, reviewer=reviewer, verdict="include")
    FullText.objects.create(record=r["p4"], not_retrieved=True)
    _decide(review, r["p4"], FT, "pending")
    for name in ("p5", "p6", "c1"):
        FullText.objects.create(record=r[name], pdf=f"reviews/1/full-text/{name}.pdf")
    _decide(review, r["p5"], FT, "included")
    _decide(review, r["p6"], FT, "excluded", reason=population)
    _decide(review, r["p7"], FT, "pending")
    # p7 has no PDF, but a full-text vote: assessed, awaiting the second reviewer.
    screening.cast_vote(review=review, record=r["p7"], stage=FT, reviewer=reviewer2, verdict="include")
    _decide(review, r["p8"], FT, "pending")
    _decide(review, r["p9"], FT, "excluded")  # excluded without a reason (an old decision)
    _decide(review, r["e3"], FT, "included")
    _decide(review, r["c1"], FT, "excluded", reason=comparator)
    _decide(review, r["c2"], FT, "included")
    first, second = (
        Study.objects.create(review=review, label="Smith 2020"),
        Study.objects.create(review=review, label="Jones 2021"),
    )
    Record.objects.filter(pk__in=[r["p5"].pk, r["e3"].pk]).update(study=first)
    Record.objects.filter(pk=r["c2"].pk).update(study=second)
    return r


def _box_records() -> dict[str, set[str]]:
    """Each box's records, counted by hand."""
    return {
        # Databases: PubMed p1–p9 and q1–q2 (searched twice), Embase e1–e3, and n1 without a search.
        "database_results": {*(f"p{i}" for i in range(1, 10)), "q1", "q2", "e1", "e2", "e3", "n1"},
        "register_results": {"r1", "r2"},
        "citations_results": {"c1", "c2", "c3"},
        "website_results": {"w1"},
        "organisation_results": set(),
        # First column only: c3 is a duplicate and w1 removed too, but in the other column.
        "duplicates": {"e1"},
        "excluded_automatic": {"p2"},
        "excluded_other": {"e2"},  # e1 is removed as well, but counted as a duplicate; q2 was restored
        # Unique, not removed, first column: p1, p3–p9, q1, q2, e3, r1, r2, n1.
        "records_screened": {
            "p1",
            "p3",
            "p4",
            "p5",
            "p6",
            "p7",
            "p8",
            "p9",
            "q1",
            "q2",
            "e3",
            "r1",
            "r2",
            "n1",
        },
        "records_excluded": {"p1", "p3", "q1"},
        # r1 has one vote, r2 is in conflict, q2 and n1 have no vote.
        "records_awaiting_screening": {"r1", "r2", "q2", "n1"},
        "dbr_sought_reports": {"p4", "p5", "p6", "p7", "p8", "p9", "e3"},
        "dbr_notretrieved_reports": {"p4"},
        "reports_awaiting_retrieval": {"p8"},  # no PDF, no vote, no decision
        # Decided (p5, p6, p9, e3) or with a PDF or a vote (p7).
        "dbr_assessed": {"p5", "p6", "p7", "p9", "e3"},
        "reports_awaiting_assessment": {"p7"},
        "other_sought_reports": {"c1", "c2"},
        "other_notretrieved_reports": set(),
        "other_reports_awaiting_retrieval": set(),
        "other_assessed": {"c1", "c2"},
        "other_reports_awaiting_assessment": set(),
        "new_reports": {"p5", "e3", "c2"},
        "total_reports": {"p5", "e3", "c2"},
        # Two studies: Smith 2020 (p5 and e3; its first report p5) and Jones 2021 (c2).
        "new_studies": {"p5", "c2"},
        "total_studies": {"p5", "c2"},
    }


def _breakdown_records() -> dict[tuple[str, str], set[str]]:
    return {
        ("database_specific_results", "PubMed"): {*(f"p{i}" for i in range(1, 10)), "q1", "q2"},
        ("database_specific_results", "Embase"): {"e1", "e2", "e3"},
        ("database_specific_results", NO_SEARCH): {"n1"},
        ("register_specific_results", "ClinicalTrials.gov"): {"r1", "r2"},
        ("dbr_excluded", "Wrong population"): {"p6"},
        ("dbr_excluded", NO_REASON): {"p9"},
        ("other_excluded", "Wrong comparator"): {"c1"},
    }


def _opened(client, url: str, names: dict[int, str]) -> tuple[set[str], int]:
    response = client.get(url)
    assert response.status_code == 200, response.context["problems"]
    return {names[record.pk] for record in response.context["page"].records}, response.context["count"]


def test_every_number_of_the_diagram_opens_exactly_the_records_it_counts(
    review, owner, reviewer, reviewer2, client_for
):
    records = _build(review, reviewer, reviewer2)
    names = {record.pk: name for name, record in records.items()}
    counts = prisma_counts(review)
    assert counts.inconsistencies() == []
    client = client_for(owner)
    for identifier, expected in _box_records().items():
        opened, shown = _opened(client, counts.urls[identifier], names)
        assert opened == expected, identifier
        assert shown == getattr(counts, identifier), identifier
        assert len(expected) == getattr(counts, identifier), identifier
    for (identifier, label), expected in _breakdown_records().items():
        opened, shown = _opened(client, counts.url_for(identifier, label), names)
        assert opened == expected, (identifier, label)
        assert shown == getattr(counts, identifier)[label] == len(expected), (identifier, label)
    assert set(counts.breakdown_urls["dbr_excluded"]) == set(counts.dbr_excluded)


def test_every_number_drawn_is_a_link(review, reviewer, reviewer2):
    _build(review, reviewer, reviewer2)
    svg = flow_diagram(prisma_counts(review), fmt="svg").decode()
    numbers = re.findall(r'<g id="(n-[\w-]+)">\s*<a ', svg)
    drawn = re.findall(r'<g id="(n-[\w-]+)">', svg)
    assert len(drawn) > 25 and numbers == drawn


def test_a_reviewer_does_not_learn_from_a_report_filter_that_another_reviewer_voted(
    review, reviewer, reviewer2, client_for
):
    """A report with no PDF becomes "assessed" by a full-text vote: only by the votes the member's counts
    include (screening.visibility). reviewer2 voted on p7, reviewer did not."""
    records = _build(review, reviewer, reviewer2)
    names = {record.pk: name for name, record in records.items()}
    counts = prisma_counts(review)
    url = counts.urls["reports_awaiting_assessment"]
    assert _opened(client_for(reviewer2), url, names)[0] == {"p7"}
    assert _opened(client_for(reviewer), url, names)[0] == set()
    waiting = counts.urls["reports_awaiting_retrieval"]
    assert _opened(client_for(reviewer), waiting, names)[0] == {"p7", "p8"}


@pytest.mark.parametrize("other_vote", [None, "exclude"])
def test_the_new_filters_show_the_same_whether_the_other_vote_is_missing_or_opposite(
    review, reviewer, reviewer2, client_for, other_vote
):
    records = _build(review, reviewer, reviewer2)
    names = {record.pk: name for name, record in records.items()}
    for stage in (TA, FT):
        record = records["q2"] if stage == TA else records["p8"]
        screening.cast_vote(review=review, record=record, stage=stage, reviewer=reviewer, verdict="include")
        if other_vote:
            screening.cast_vote(
                review=review,
                record=record,
                stage=stage,
                reviewer=reviewer2,
                verdict=other_vote,
                reason=ExclusionReason.objects.get(review=review, label="Wrong outcomes"),
            )
    client = client_for(reviewer)
    url = reverse("review:records", args=[review.slug])
    seen = {}
    for name, value in [
        (TA, "undecided"),
        *(
            ("report", state)
            for state in ("not_retrieved", "awaiting_retrieval", "assessed", "awaiting_assessment")
        ),
    ]:
        seen[(name, value)] = _opened(client, f"{url}?show=unique&removal=kept&{name}={value}", names)[0]
    # The same in both worlds: q2 still undecided; p8 assessed (her own vote) and undecided; p7 awaits
    # retrieval for her, reviewer2's vote on it being one she may not see.
    assert seen == {
        (TA, "undecided"): {"r1", "r2", "q2", "n1"},
        ("report", "not_retrieved"): {"p4"},
        ("report", "awaiting_retrieval"): {"p7"},
        ("report", "assessed"): {"p5", "p6", "p8", "p9", "e3", "c1", "c2"},
        ("report", "awaiting_assessment"): {"p8"},
    }


def test_filters_in_use_show_as_chips_each_clearing_itself(review, owner, reviewer, reviewer2, client_for):
    _build(review, reviewer, reviewer2)
    counts = prisma_counts(review)
    url = counts.url_for("dbr_excluded", "Wrong population")
    response = client_for(owner).get(url)
    chips = {chip["text"]: parse_qs(chip["clear"]) for chip in response.context["chips"]}
    assert list(chips) == [
        "Identified via: Databases and registers",
        "Duplicates: Unique records",
        "Removal: Not removed",
        "Title and abstract: Included",
        "Full text: Excluded",
        "Full-text exclusion reason: Wrong population",
    ]
    assert "reason" not in chips["Full-text exclusion reason: Wrong population"]
    assert set(parse_qs(urlsplit(url).query)) - set(chips["Removal: Not removed"]) == {"removal"}
    html = response.content.decode()
    assert 'id="filters-in-use"' in html and "Clear “Full-text exclusion reason: Wrong population”" in html
    pubmed = client_for(owner).get(counts.url_for("database_specific_results", "PubMed"))
    assert [chip["text"] for chip in pubmed.context["chips"]] == [
        "Searches: PubMed (database); PubMed (database)"
    ]
    assert 'type="hidden" name="searches"' in pubmed.content.decode()


def test_the_reason_filter_is_offered_once_full_text_exclusions_are_chosen(review, owner, client_for):
    url = reverse("review:records", args=[review.slug])
    client = client_for(owner)
    assert "reason" not in client.get(url).context["form"].fields
    form = client.get(f"{url}?full_text=excluded").context["form"]
    assert "Wrong population" in dict(form.fields["reason"].choices).values()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("origin=nowhere", "Identified via: Select a valid choice. nowhere is not one of"),
        ("report=lost", "Full-text report: Select a valid choice. lost is not one of"),
        ("reason=abc", "Full-text exclusion reason: Select a valid choice. abc is not one of"),
        ("searches=999999", "Searches: Select a valid choice. 999999 is not one of"),
    ],
)
def test_a_bad_filter_is_refused_with_a_message(review, owner, client_for, query, message):
    response = client_for(owner).get(f"{reverse('review:records', args=[review.slug])}?{query}")
    assert response.status_code == 400
    assert any(problem.startswith(message) for problem in response.context["problems"])


@pytest.mark.parametrize("size", [1, 4])
def test_a_box_link_takes_the_same_queries_whatever_the_number_of_records(
    review, owner, reviewer, reviewer2, client_for, django_assert_num_queries, size
):
    for _ in range(size):
        _build(review, reviewer, reviewer2) if _ == 0 else _build_more(review)
    counts = prisma_counts(review)
    client = client_for(owner)
    # Session, user, membership; the page, its labels and removals, the capped count; the choices of the
    # source, label and action-label selects; the reasons offered.
    with django_assert_num_queries(11):
        assert client.get(counts.url_for("dbr_excluded", "Wrong population")).status_code == 200
    # As the list itself, and the two searches named once more to validate them.
    with django_assert_num_queries(11):
        assert client.get(counts.url_for("database_specific_results", "PubMed")).status_code == 200


def _build_more(review):
    """More records in the same boxes (a second copy of the PubMed search's records)."""
    search = Search.objects.filter(review=review, source_name="PubMed").first()
    for i in range(10):
        record = _record(review, search, f"more {i}")
        _decide(review, record, TA, "included")
        _decide(
            review,
            record,
            FT,
            "excluded",
            reason=ExclusionReason.objects.get(review=review, label="Wrong population"),
        )
