"""The risk-of-bias exports: the RoB table (CSV, XLSX), the robvis CSV per tool, the assessors' answers."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from extraction import reconciliation
from extraction.risk_of_bias import exports, services

from .conftest import CROSSOVER_LOW, with_changes

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def test_the_rob_table_has_one_row_per_result_with_judgements_support_and_who_reconciled(
    review, reconciled, rob_form, make_study, adjudicator, viewer, client_for, exported
):
    services.add_result(
        study=make_study("Tiger, M", 2020),
        outcome="MADRS",
        time_point="24 hours",
        tool="rob2",
        user=adjudicator,
    )
    response = exported(client_for(viewer), review, "rob.table", "csv")
    assert response["Content-Disposition"] == 'attachment; filename="ketamine-rob-table.csv"'
    header = response.data.decode().splitlines()[0]
    assert header == (
        "study,outcome,time point,tool,tool name,weight,assessors,status,D1,D1 support,S,S support,D2,D2 support,"
        "D3,D3 support,D4,D4 support,D5,D5 support,Overall,Overall support,reconciled by"
    )
    tiger, williams = rows_of(response)
    assert (williams["study"], williams["tool"], williams["status"]) == (
        "Williams 2018",
        "rob2-crossover",
        "reconciled",
    )
    assert (williams["D1"], williams["S"], williams["Overall"]) == ("Low", "Low", "Low")
    assert williams["assessors"] == "reviewer, reviewer2" and williams["reconciled by"] == "adjudicator"
    assert (tiger["status"], tiger["S"], tiger["D1"], tiger["reconciled by"]) == (
        "not assigned",
        "Not applicable",
        "",
        "",
    )
    book = load_workbook(io.BytesIO(exported(client_for(viewer), review, "rob.table", "xlsx").data))
    assert [c.value for c in next(book.active.iter_rows(max_row=1))][:3] == ["study", "outcome", "time point"]


def test_a_judgements_support_is_the_justification_of_where_it_came_from(
    review, rob_copies, crossover_result, reviewer, reviewer2, adjudicator, client_for, exported, assess
):
    first, second = rob_copies
    assess(first, reviewer, crossover_result, CROSSOVER_LOW, {"D4": ("high", "Raters knew the infusion.")})
    assess(second, reviewer2, crossover_result, CROSSOVER_LOW, {"D4": ("some_concerns", "Some raters knew.")})
    consensus = reconciliation.start_consensus(
        study=crossover_result.study, form=first.form, user=adjudicator
    )
    for cv in consensus.values.filter(provenance="pending").select_related("field"):
        reconciliation.resolve_value(
            consensus_value=cv, user=adjudicator, revision=0, source=f"copy:{first.pk}"
        )
    [row] = rows_of(exported(client_for(adjudicator), review, "rob.table", "csv"))
    assert (row["D4"], row["D4 support"], row["Overall"]) == ("High", "Raters knew the infusion.", "High")
    assert row["D1 support"] == ""  # agreed without a word


def test_the_robvis_csv_has_robvis_columns_per_tool(review, reconciled, viewer, client_for, exported):
    response = exported(client_for(viewer), review, "rob.robvis-rob2-crossover", "csv")
    assert response.data.decode().splitlines() == [
        "Study,D1,S,D2,D3,D4,D5,Overall,Weight",
        '"Williams 2018 (HAM-D, 1 day)",Low,Low,Low,Low,Low,Low,Low,',
    ]
    empty = exported(client_for(viewer), review, "rob.robvis-rob2", "csv").data.decode()
    assert empty.splitlines() == ["Study,D1,D2,D3,D4,D5,Overall,Weight"]


def test_the_answers_hold_each_assessors_answers_to_their_results_tool_only(
    review, rob_copies, crossover_result, reviewer, reviewer2, client_for, exported, assess
):
    assess(rob_copies[0], reviewer, crossover_result, with_changes(CROSSOVER_LOW, {"D1": {"1.1": "PY"}}))
    assess(rob_copies[1], reviewer2, crossover_result, CROSSOVER_LOW)
    rows = rows_of(exported(client_for(reviewer), review, "rob.answers", "csv"))
    mine = [r for r in rows if r["assessor"] == "reviewer"]
    assert {r["tool"] for r in rows} == {"rob2-crossover"}
    first = next(r for r in mine if (r["domain"], r["question"]) == ("D1", "1.1"))
    assert (first["answer"], first["question text"]) == ("PY", "Was the allocation sequence random?")
    skipped = next(r for r in mine if (r["domain"], r["question"]) == ("S", "S.2"))
    assert skipped["answer"] == "NA"
    overall = next(r for r in mine if r["domain"] == "Overall")
    assert (overall["question"], overall["answer"]) == ("judgement", "Low")
    # 26 questions and 7 judgements (six domains and overall) for each of the two assessors.
    assert len(mine) == 33 and len(rows) == 66


def test_export_queries_do_not_grow_with_results(
    review, reconciled, assessed, reviewer, django_assert_num_queries
):
    def count(make) -> int:
        with CaptureQueriesContext(connection) as queries:
            make()
        return len(queries)

    readers = [
        lambda: exports.rob_table_rows(review=review),
        lambda: exports.answer_rows(review=review, user=reviewer),
    ]
    for make in readers:
        make()  # the membership a permission check reads is cached on the review from then on
    before = [count(make) for make in readers]
    for name in ("Jelen, E", "Zarate, C", "Murrough, J"):
        assessed(name)
    for make, queries in zip(readers, before, strict=True):
        with django_assert_num_queries(queries):
            make()
