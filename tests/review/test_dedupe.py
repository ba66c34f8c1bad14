"""Match keys, the matching rules, and a person's decisions on duplicates (with their history)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from review import merging
from review.constants import DuplicateStatus
from review.duplicate_detection import MatchKeys, find_duplicates
from review.importers import import_search_file
from review.match_keys import author_key, doi_key, pmid_key, title_key
from review.models import DuplicatePair, Record


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("https://doi.org/10.1038/S41398-020-0844-4", "10.1038/s41398-020-0844-4"),
        ("http://dx.doi.org/10.1176/appi.ajp.2018.18020138.", "10.1176/appi.ajp.2018.18020138"),
        ("doi: 10.1016/S0006-3223(99)00230-9", "10.1016/s0006-3223(99)00230-9"),
        ("not a doi", ""),
    ],
)
def test_doi_key(raw, key):
    assert doi_key(raw) == key


def test_title_key_ignores_case_punctuation_diacritics_and_markup():
    assert title_key("Ketamine &amp; <i>Naltrexone</i>: a Randomised, Crossover Trial.") == (
        "ketamine naltrexone a randomised crossover trial"
    )
    assert title_key("KÉTAMINE — «dépression»") == title_key("ketamine depression")
    assert title_key(r"Serotonin\textsubscript{1B} binding") == "serotonin 1b binding"


@pytest.mark.parametrize(
    ("authors", "key"),
    [
        (["Tiger, Mikael"], "tiger"),
        (["Tiger M"], "tiger"),
        (["Mikael Tiger"], "tiger"),
        (["Müller, H."], "muller"),
        ([], ""),
    ],
)
def test_author_key_takes_the_family_name_in_every_exporter_shape(authors, key):
    assert author_key(authors) == key


def test_pmid_key():
    assert (pmid_key("PMID: 30153752"), pmid_key("30153752"), pmid_key("L2005")) == (
        "30153752",
        "30153752",
        "",
    )


TITLE = "attenuation of antidepressant effects of ketamine by opioid receptor antagonism"


def k(title=TITLE, author="williams", year=2018, doi="", pmid=""):
    return MatchKeys(doi, pmid, title, author, year)


def test_exact_identifiers_then_fuzzy_title_year_author():
    keys = [
        k(doi="10.1/a"),
        k(title="something else entirely about rats", doi="10.1/a"),  # same DOI: sure, whatever the title
        k(title=TITLE.replace("antagonism", "antagonists")),  # near-identical title: sure
        k(author="wiliams", year=2019),  # author misspelt, year off by one: sure
        k(title="ketamine for depression in adolescents", author="smith"),  # different: kept
    ]
    matches = find_duplicates(keys, first_new=0)
    assert {(m.record, m.original, m.sure) for m in matches} == {(1, 0, True), (2, 0, True), (3, 0, True)}
    assert next(m for m in matches if m.record == 1).reason == "same DOI"


def test_doubtful_matches_wait_for_a_person():
    keys = [
        k(),
        k(year=2024),  # same title, year far apart: a person decides
        k(author=""),  # same title, no author to compare
    ]
    matches = find_duplicates(keys, first_new=0)
    by_record = {m.record: m for m in matches}
    assert not any(m.sure for m in matches)
    assert set(by_record) == {1, 2}
    assert "year differs" in by_record[1].reason and "an author is missing" in by_record[2].reason
    # Same title, author and year but two different DOIs: two reports, perhaps; a person decides.
    (match,) = find_duplicates([k(doi="10.1/b"), k(doi="10.1/c")], first_new=0)
    assert not match.sure and "different DOI or PMID" in match.reason


def test_matching_against_the_review_points_at_the_earliest_record_of_the_group():
    existing = [k(doi="10.1/a"), k(doi="10.1/a")]  # the second already duplicates the first
    new = [k(doi="10.1/a"), k(author="williams")]
    matches = find_duplicates(existing + new, first_new=2, roots=[0, 0])
    assert {(m.record, m.original) for m in matches} == {(2, 0), (3, 0)}


def test_short_titles_are_never_merged_without_a_person():
    matches = find_duplicates([k(title="editorial"), k(title="editorial")], first_new=0)
    assert [(m.sure, m.record) for m in matches] == [(False, 1)]


def ketamine_titles(n: int, seed: int = 1) -> list[str]:
    """n other titles of a ketamine search: “ketamine”, “depression” and friends in nearly all of them."""
    import random

    rng = random.Random(seed)
    common = ["ketamine", "depression", "effects", "patients", "trial", "randomized", "treatment"]
    rare = [
        f"{a}{b}"
        for a in ["neuro", "gluta", "sero", "cortico", "thala"]
        for b in ["plastic", "mine", "tonin", "tropic", "mic"]
    ]
    return [
        " ".join(
            rng.choice(common) if rng.random() < 0.6 else rng.choice(rare) + str(i % 97) for _ in range(9)
        )
        for i in range(n)
    ]


BERMAN = "antidepressant effects of ketamine in depressed patients"


@pytest.mark.parametrize(
    ("copy", "reason"),
    [
        # Berman 2000 from two databases: one letter changed near the start, another first author.
        (
            k(title=BERMAN.replace("antidepressant", "antidepresant"), author="cappiello", year=2000),
            "first author differs",
        ),
        (
            k(title=BERMAN.replace("patients", "patiemts"), author="cappiello", year=2000),
            "first author differs",
        ),
        # Authors in another order, and a year off by one.
        (k(title=BERMAN, author="charney", year=2001), "first author differs"),
    ],
)
def test_a_title_typo_with_another_first_author_is_queued_for_a_person(copy, reason):
    original = k(title=BERMAN, author="berman", year=2000)
    background = [
        k(title=t, author=f"author{i}", year=1990 + i % 30) for i, t in enumerate(ketamine_titles(300))
    ]
    keys = [original, *background, copy]
    assert (
        keys[0].title[:30] != copy.title[:30] or keys[0].author != copy.author
    )  # not what blocks used to see
    matches = find_duplicates(keys, first_new=1)
    (match,) = [m for m in matches if m.record == len(keys) - 1]
    assert (match.original, match.sure) == (0, False) and reason in match.reason


def test_a_title_without_its_subtitle_is_queued_for_a_person_never_merged():
    full = "ketamine for treatment resistant depression a randomised placebo controlled crossover trial"
    keys = [k(title=full), k(title="ketamine for treatment resistant depression")]
    (match,) = find_duplicates(keys, first_new=1)
    assert (match.record, match.original, match.sure) == (1, 0, False)
    assert match.reason == "one title is the other without its subtitle"
    # Too short to go on (“ketamine” alone), or a year far off: not even asked.
    assert find_duplicates([k(title=full), k(title="ketamine")], first_new=1) == []
    assert find_duplicates([k(title=full), k(title=full[:43], year=2010)], first_new=1) == []


def test_a_block_of_thousands_is_compared_as_a_neighbourhood_so_the_cost_stays_linear(monkeypatch):
    from review import duplicate_detection

    scored = []
    cpdist = duplicate_detection.process.cpdist

    def counting(queries, choices, **kwargs):
        scored.append(len(queries))
        return cpdist(queries, choices, **kwargs)

    monkeypatch.setattr(duplicate_detection.process, "cpdist", counting)
    # 3,000 records of one first author and year (one block), and a copy of one of them with a typo.
    titles = ketamine_titles(3000, seed=2)
    keys = [k(title=t, author="wang", year=2020) for t in titles]
    keys.append(k(title=titles[1234].replace("e", "a", 1), author="wang", year=2020))
    matches = find_duplicates(keys, first_new=0)
    assert any(m.record == 3000 and m.original == 1234 for m in matches)
    assert sum(scored) < 3000 * 100  # all against all would be 4.5 million pairs


RIS = "\n".join(
    [
        "TY  - JOUR",
        "AU  - Williams, Nolan R.",
        "TI  - Attenuation of antidepressant effects of ketamine by opioid receptor antagonism",
        "PY  - {year}",
        "ER  - ",
        "",
    ]
)


@pytest.fixture
def probable_pair(review, owner):
    import_search_file(
        review=review, data=RIS.format(year=2018).encode(), file_name="a.ris", source_name="MEDLINE"
    )
    result = import_search_file(
        review=review, data=RIS.format(year=2022).encode(), file_name="b.ris", source_name="Embase"
    )
    assert (result.duplicates_merged, result.duplicates_queued) == (0, 1)
    return DuplicatePair.objects.get(status=DuplicateStatus.PENDING)


@pytest.mark.django_db
def test_confirm_merges_and_leaves_history(probable_pair, reviewer):
    kept = merging.confirm_pair(pair=probable_pair, user=reviewer)
    record = Record.objects.get(pk=probable_pair.record_id)
    assert record.duplicate_of == kept == probable_pair.original
    assert record.history.latest().history_user == reviewer
    probable_pair.refresh_from_db()
    assert (probable_pair.status, probable_pair.decided_by) == (DuplicateStatus.MERGED, reviewer)
    assert probable_pair.history.count() == 1  # bulk-created at import, one row for the decision
    with pytest.raises(ValidationError, match="already decided"):
        merging.reject_pair(pair=probable_pair, user=reviewer)


@pytest.mark.django_db
def test_reject_keeps_both_and_unmerge_restores(probable_pair, reviewer, reviewer2):
    merging.reject_pair(pair=probable_pair, user=reviewer)
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 0
    # A sure merge from the import can be undone; nothing is ever deleted.
    result = import_search_file(
        review=probable_pair.review,
        data=RIS.format(year=2018).encode(),
        file_name="c.ris",
        source_name="Scopus",
    )
    copy = Record.objects.get(search=result.search)
    assert copy.duplicate_of_id == probable_pair.original_id
    merging.unmerge(record=copy, user=reviewer2)
    copy.refresh_from_db()
    assert copy.duplicate_of is None
    assert [h.duplicate_of_id for h in copy.history.order_by("history_date")] == [None]
    assert copy.history.latest().history_user == reviewer2
    auto = DuplicatePair.objects.get(record=copy)
    assert (auto.status, auto.decided_by) == (DuplicateStatus.REJECTED, reviewer2)
    assert Record.objects.count() == 3
    with pytest.raises(ValidationError, match="is not merged"):
        merging.unmerge(record=copy, user=reviewer2)


@pytest.mark.django_db
def test_prisma_counts_records_that_point_to_another_as_duplicates_removed(review, owner):
    from review.reporting import dashboard_summary

    import_search_file(
        review=review, data=RIS.format(year=2018).encode(), file_name="a.ris", source_name="MEDLINE"
    )
    import_search_file(
        review=review, data=RIS.format(year=2018).encode(), file_name="b.ris", source_name="Embase"
    )
    summary = dashboard_summary(review=review, user=owner)
    assert (summary.records_identified, summary.duplicates_removed, summary.records_to_screen) == (2, 1, 1)
    assert {s.source_name: s.records for s in summary.sources} == {"MEDLINE": 1, "Embase": 1}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_one_pair_at_once_cannot_clobber_each_other(review, reviewer, reviewer2):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    import_search_file(review=review, data=RIS.format(year=2018).encode(), file_name="a.ris", source_name="A")
    import_search_file(review=review, data=RIS.format(year=2022).encode(), file_name="b.ris", source_name="B")
    pair = DuplicatePair.objects.get()
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user, action):
        barrier.wait()
        try:
            action(pair=pair, user=user)
            outcomes[user.username] = "done"
        except ValidationError as error:
            outcomes[user.username] = error.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(reviewer, merging.confirm_pair)),
        threading.Thread(target=decide, args=(reviewer2, merging.reject_pair)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "done" for o in outcomes.values()) == [False, True]
    assert any("already decided" in o for o in outcomes.values())
    pair.refresh_from_db()
    merged = Record.objects.filter(duplicate_of__isnull=False).exists()
    assert (pair.status == DuplicateStatus.MERGED) == merged
    assert pair.decided_by.username == next(name for name, o in outcomes.items() if o == "done")
