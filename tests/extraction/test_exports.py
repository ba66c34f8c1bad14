from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext

from extraction import coding, exports, reconciliation
from extraction.kinds import EXTRACTION
from review.exports.jobs import start_export
from review.exports.tables import xlsx_number
from review.models import ExportJob

from .conftest import fill

pytestmark = pytest.mark.django_db


def reconciled_study(study, copies, reviewer, reviewer2, adjudicator):
    arms = ["Ketamine", "Saline"]
    outcomes = [("MADRS", "24 h", "change from baseline")]
    first = {
        "design": "Parallel",
        "ketamine_dose": "0.5",
        "country": "Sweden",
        "comparator": ["Saline"],
        ("n_randomised", "Ketamine"): "20",
        ("n_randomised", "Saline"): "10",
        ("change_mean", "MADRS", "Ketamine"): "-12.5",
    }
    # The second reviewer writes the dose another way and disagrees on the country and the change.
    second = first | {
        "ketamine_dose": "0.50",
        "country": "Sweden; Denmark",
        ("change_mean", "MADRS", "Ketamine"): "-12.0",
    }
    fill(copies[0], reviewer, first, arms=arms, outcomes=outcomes)
    fill(copies[1], reviewer2, second, arms=arms, outcomes=outcomes)
    coding.submit_copy(copy=copies[0], user=reviewer)
    coding.submit_copy(copy=copies[1], user=reviewer2)
    consensus = reconciliation.start_consensus(study=study, form=copies[0].form, user=adjudicator)
    reconciliation.resolve_value(
        consensus_value=consensus.values.get(field__key="country"),
        user=adjudicator,
        revision=0,
        source=f"copy:{copies[0].pk}",
    )
    reconciliation.resolve_value(
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


def load(response, fmt) -> tablib.Dataset:
    """The downloaded table as tablib reads it: CSV as text, XLSX through openpyxl (numbers as numbers)."""
    content = response.data
    return tablib.Dataset().load(content.decode() if fmt == "csv" else io.BytesIO(content), format=fmt)


def same(cell, expected, fmt) -> bool:
    """CSV gives the digits as stored; XLSX gives a number for a number, which must be the same decimal."""
    if isinstance(expected, Decimal) and fmt == "xlsx":
        return isinstance(cell, int | float) and Decimal(repr(cell)) == expected
    return str("" if cell is None else cell) == str(expected)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_consensus_wide_round_trip(review, reconciled, adjudicator, client_for, exported, fmt):
    response = exported(client_for(adjudicator), review, "extraction.consensus-wide", fmt)
    assert response["Content-Disposition"] == f'attachment; filename="ketamine-consensus-wide.{fmt}"'
    assert response.job.row_count == 1
    loaded = load(response, fmt)
    [row] = loaded.dict
    assert row["study"] == "Williams 2018"
    assert row["design"] == "Parallel" and row["design (source)"] == "agreed"
    assert same(row["ketamine_dose"], Decimal("0.5"), fmt)
    assert row["country"] == "Sweden" and row["country (source)"] == "taken from reviewer"
    assert row["comparator"] == "Saline"
    assert str(row["form version"]) == "1"
    # Everything the form asks at study level is a column, with its source beside it.
    assert loaded.headers[:3] == ["study", "design", "design (source)"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_consensus_long_round_trip(review, reconciled, adjudicator, client_for, exported, fmt):
    loaded = load(exported(client_for(adjudicator), review, "extraction.consensus-long", fmt), fmt)
    rows = {(r["field"], r["arm"] or "", r["outcome"] or ""): r for r in loaded.dict}
    expected = {
        (r["field"], r["arm"], r["outcome"]): r
        for r in exports.consensus_long_table(review=review, kind=EXTRACTION).as_dicts()
    }
    assert set(rows) == set(expected)
    change = rows[("change_mean", "Ketamine", "MADRS")]
    assert same(change["value"], Decimal("-12.25"), fmt)
    assert (change["provenance"], change["source"], change["note"]) == (
        "entered",
        "entered by adjudicator",
        "Table 2",
    )
    assert change["time point"] == "24 h" and change["measure"] == "change from baseline"
    # Numbers are numbers in a spreadsheet, and the same digits in CSV.
    assert rows[("n_randomised", "Ketamine", "")]["value"] == (20 if fmt == "xlsx" else "20")
    for key, row in rows.items():
        assert same(row["value"], expected[key]["value"], fmt), key
        assert str(row["source"] or "") == expected[key]["source"], key


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_raw_copies_round_trip(review, reconciled, adjudicator, client_for, exported, fmt):
    loaded = load(exported(client_for(adjudicator), review, "extraction.raw-copies", fmt), fmt)
    by_reviewer = {
        (r["reviewer"], r["field"], r["arm"] or "", r["outcome"] or ""): r["value"] for r in loaded.dict
    }
    assert by_reviewer[("reviewer", "country", "", "")] == "Sweden"
    assert by_reviewer[("reviewer2", "country", "", "")] == "Sweden; Denmark"
    assert same(by_reviewer[("reviewer2", "change_mean", "Ketamine", "MADRS")], Decimal("-12.0"), fmt)
    assert same(by_reviewer[("reviewer2", "ketamine_dose", "", "")], Decimal("0.50"), fmt)


def test_raw_copies_name_the_report_and_page(review, study, copies, reviewer, client_for, exported):
    design = next(f for f in coding.load_copy(copies[0]).fields if f.key == "design")
    report = study.reports.get()
    coding.save_copy(
        copy=copies[0],
        user=reviewer,
        entries={
            coding.cell_key(design.pk, None, None): {
                "value": "Parallel",
                "report": str(report.pk),
                "page": "4",
                "comment": "Methods",
            }
        },
    )
    [row] = load(exported(client_for(reviewer), review, "extraction.raw-copies", "csv"), "csv").dict
    assert (row["value"], row["report"], row["page"], row["comment"]) == (
        "Parallel",
        "Williams 2018",
        "4",
        "Methods",
    )


def test_csv_keeps_the_digits_as_typed(review, reconciled, adjudicator, client_for, exported):
    csv_text = exported(client_for(adjudicator), review, "extraction.raw-copies", "csv").data.decode()
    assert ",0.50," in csv_text and ",-12.0," in csv_text


def test_a_number_a_spreadsheet_cannot_hold_exactly_stays_text(
    review, copies, reviewer, client_for, exported
):
    # A double holds about 16 significant digits: this dose would come back as 0.1234567890123457.
    fill(copies[0], reviewer, {"ketamine_dose": "0.12345678901234567", "age_mean": "38.9"})
    content = exported(client_for(reviewer), review, "extraction.raw-copies", "xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    values = {
        row[header.index("field")]: row[header.index("value")]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert values["ketamine_dose"] == "0.12345678901234567"
    assert values["age_mean"] == 38.9
    assert xlsx_number(Decimal("1E+3")) == 1000.0 and xlsx_number(Decimal("9007199254740993")) is None


def test_an_export_costs_a_fixed_number_of_queries_whatever_the_number_of_studies(
    review, reconciled, make_study, reviewer, reviewer2, adjudicator, export_media
):
    def queries(kind: str, fmt: str) -> int:
        job = start_export(review=review, user=adjudicator, kind=kind, file_format=fmt)
        with CaptureQueriesContext(connection) as context:
            assert ExportJob.run(job.pk)["status"] == "done"
        return len(context.captured_queries)

    kinds = ["extraction.consensus-wide", "extraction.consensus-long", "extraction.raw-copies"]
    counts = {(kind, fmt): queries(kind, fmt) for kind in kinds for fmt in ("csv", "xlsx")}
    assert max(counts.values()) <= 20, counts
    for author in ("Tiger, M", "Jelen, L"):
        study = make_study(author, 2020)
        copies = coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, reviewer2])
        reconciled_study(study, copies, reviewer, reviewer2, adjudicator)
    assert {key: queries(*key) for key in counts} == counts


@pytest.mark.parametrize(
    ("kind", "queries"),
    [("extraction.consensus-wide", 19), ("extraction.consensus-long", 18), ("extraction.raw-copies", 19)],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reads_only_the_columns_it_writes(
    review, reconciled, adjudicator, export_media, kind, queries, fmt
):
    job = start_export(review=review, user=adjudicator, kind=kind, file_format=fmt)
    with CaptureQueriesContext(connection) as context:
        assert ExportJob.run(job.pk)["status"] == "done"
    # XLSX says once more that it is packing the workbook.
    assert len(context.captured_queries) == queries + (fmt == "xlsx")
    sql = "\n".join(q["sql"] for q in context.captured_queries)
    # A report is named by its authors and year: never its abstract or raw entry, nor a study's notes.
    assert '"abstract"' not in sql and '"raw_entry"' not in sql and '"notes"' not in sql


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_still_to_reconcile_are_marked_wide_and_long(
    review, study, copies, reviewer, reviewer2, adjudicator, client_for, exported, fmt
):
    for copy, user, country, dose in (
        (copies[0], reviewer, "Sweden", "0.5"),
        (copies[1], reviewer2, "Denmark", "0.4"),
    ):
        fill(copy, user, {"design": "Parallel", "country": country, "ketamine_dose": dose})
        coding.submit_copy(copy=copy, user=user)
    dose = reconciliation.start_consensus(study=study, form=copies[0].form, user=adjudicator).values.get(
        field__key="ketamine_dose"
    )
    reconciliation.resolve_value(
        consensus_value=dose, user=adjudicator, revision=0, source=f"copy:{copies[0].pk}"
    )
    client = client_for(adjudicator)
    [wide] = load(exported(client, review, "extraction.consensus-wide", fmt), fmt).dict
    assert wide["to reconcile"] == "country"  # disagreed, not yet decided; the dose was decided
    assert (wide["country"] or "", wide["country (source)"]) == ("", "to reconcile")
    long = {r["field"]: r for r in load(exported(client, review, "extraction.consensus-long", fmt), fmt).dict}
    assert long["country"]["to reconcile"] == "yes" and (long["country"]["value"] or "") == ""
    assert not long["ketamine_dose"]["to reconcile"] and not long["design"]["to reconcile"]


def test_the_data_dictionary_explains_the_marks(review, reconciled):
    wide, long = exports.dataset_tables(review=review, kind=EXTRACTION)
    assert "no reconciler has decided yet" in wide.dictionary["to reconcile"][1]
    assert "no reconciler has chosen yet" in long.dictionary["to reconcile"][1]
    assert set(wide.dictionary) == set(wide.columns) and set(long.dictionary) == set(long.columns)
