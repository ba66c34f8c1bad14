from __future__ import annotations

import io

import pytest
import tablib
from django.urls import reverse

from extraction import exports, services

from .conftest import fill

pytestmark = pytest.mark.django_db


def reconciled_study(study, copies, reviewer, reviewer2, adjudicator):
    arms = ["Ketamine", "Saline"]
    outcomes = [("MADRS", "24 h", "change from baseline")]
    fill(
        copies[0],
        reviewer,
        {
            "design": "Parallel",
            "ketamine_dose": "0.5",
            "country": "Sweden",
            "comparator": ["Saline"],
            ("n_randomised", "Ketamine"): "20",
            ("n_randomised", "Saline"): "10",
            ("change_mean", "MADRS", "Ketamine"): "-12.5",
        },
        arms=arms,
        outcomes=outcomes,
    )
    fill(
        copies[1],
        reviewer2,
        {
            "design": "Parallel",
            "ketamine_dose": "0.50",
            "country": "Sweden; Denmark",
            "comparator": ["Saline"],
            ("n_randomised", "Ketamine"): "20",
            ("n_randomised", "Saline"): "10",
            ("change_mean", "MADRS", "Ketamine"): "-12.0",
        },
        arms=arms,
        outcomes=outcomes,
    )
    services.submit_copy(copy=copies[0], user=reviewer)
    services.submit_copy(copy=copies[1], user=reviewer2)
    consensus = services.start_consensus(study=study, form=copies[0].form, user=adjudicator)
    services.resolve_value(
        consensus_value=consensus.values.get(field__key="country"),
        user=adjudicator,
        revision=0,
        source=f"copy:{copies[0].pk}",
    )
    services.resolve_value(
        consensus_value=consensus.values.get(field__key="change_mean", arm_name="Ketamine"),
        user=adjudicator,
        revision=0,
        source="entered",
        raw="-12.25",
        note="Table 2",
    )
    return consensus


@pytest.fixture
def reconciled(study, copies, reviewer, reviewer2, adjudicator):
    return reconciled_study(study, copies, reviewer, reviewer2, adjudicator)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_consensus_wide_round_trip(review, reconciled, adjudicator, fmt):
    content, content_type, name = exports.export_table(
        review=review, user=adjudicator, table="consensus-wide", fmt=fmt
    )
    assert name == f"ketamine-consensus-wide.{fmt}"
    loaded = tablib.Dataset().load(content.decode() if fmt == "csv" else io.BytesIO(content), format=fmt)
    [row] = loaded.dict
    assert row["study"] == "Williams 2018"
    assert row["design"] == "Parallel" and row["design (source)"] == "agreed"
    assert row["ketamine_dose"] == "0.5"
    assert row["country"] == "Sweden" and row["country (source)"] == "taken from reviewer"
    assert row["comparator"] == "Saline"
    assert str(row["form version"]) == "1"
    # Everything the form asks at study level is a column, with its source beside it.
    assert loaded.headers[:3] == ["study", "design", "design (source)"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_consensus_long_round_trip(review, reconciled, adjudicator, fmt):
    content, _, _ = exports.export_table(review=review, user=adjudicator, table="consensus-long", fmt=fmt)
    loaded = tablib.Dataset().load(content.decode() if fmt == "csv" else io.BytesIO(content), format=fmt)
    rows = {(r["field"], r["arm"] or "", r["outcome"] or ""): r for r in loaded.dict}
    expected = {(r["field"], r["arm"], r["outcome"]): r for r in exports.consensus_long_rows(review=review)}
    assert set(rows) == set(expected)
    change = rows[("change_mean", "Ketamine", "MADRS")]
    assert (change["value"], change["provenance"], change["source"], change["note"]) == (
        "-12.25",
        "entered",
        "entered by adjudicator",
        "Table 2",
    )
    assert change["time point"] == "24 h" and change["measure"] == "change from baseline"
    assert rows[("n_randomised", "Ketamine", "")]["value"] in ("20", 20)
    for key, row in rows.items():
        assert str(row["value"] or "") == str(expected[key]["value"]), key


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_raw_copies_round_trip(review, reconciled, adjudicator, fmt):
    content, _, _ = exports.export_table(review=review, user=adjudicator, table="raw-copies", fmt=fmt)
    loaded = tablib.Dataset().load(content.decode() if fmt == "csv" else io.BytesIO(content), format=fmt)
    by_reviewer = {
        (r["reviewer"], r["field"], r["arm"] or "", r["outcome"] or ""): r["value"] for r in loaded.dict
    }
    assert by_reviewer[("reviewer", "country", "", "")] == "Sweden"
    assert by_reviewer[("reviewer2", "country", "", "")] == "Sweden; Denmark"
    assert str(by_reviewer[("reviewer2", "change_mean", "Ketamine", "MADRS")]) == "-12.0"


def test_export_queries_do_not_grow_with_studies(
    review,
    reconciled,
    make_study,
    reviewer,
    reviewer2,
    adjudicator,
    client_for,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    client = client_for(adjudicator)
    tables = ["consensus-wide", "consensus-long", "raw-copies"]
    counts = {}
    for table in tables:
        with django_assert_max_num_queries(8) as context:
            client.get(reverse("extraction:export", args=[review.slug, table, "csv"]))
        counts[table] = len(context.captured_queries)
    for author in ("Tiger, M", "Jelen, L"):
        study = make_study(author, 2020)
        copies = services.assign_study(study=study, reviewers=[reviewer, reviewer2])
        reconciled_study(study, copies, reviewer, reviewer2, adjudicator)
    for table in tables:
        with django_assert_num_queries(counts[table]):
            response = client.get(reverse("extraction:export", args=[review.slug, table, "xlsx"]))
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_unknown_table_is_404(review, adjudicator, client_for, form_version):
    response = client_for(adjudicator).get(
        reverse("extraction:export", args=[review.slug, "everything", "csv"])
    )
    assert response.status_code == 404
