"""Screening's part of the review's dataset (review/exports/dataset.py gathers it through apps.py): every
record with its search, duplicate group and its decision and reason at each stage; every vote; the agreement
at each stage. All blinded for the person who asked, by screening.visibility, exactly as on the pages.

The records are read in chunks (review.exports.Stream) and each chunk is joined to its decisions with
pandas, so memory stays bounded by the chunk, not the review."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import batched

import pandas as pd
from django.db.models import BooleanField, Case, Value, When

from review.constants import Stage
from review.exports import CHUNK_ROWS, Progress, Stream, Table
from review.models import Record, Review
from screening import agreement
from screening.constants import DecisionStatus
from screening.exports import votes_tables
from screening.models import ScreeningDecision
from screening.visibility import OPEN, Sight

RECORD_FIELDS = {
    "record_id": ("integer", "The record's id in this review."),
    "search_id": ("integer", "The id of the search whose file held the record."),
    "source": ("text", "The search's source (PubMed, Embase, citation searching…)."),
    "source_kind": ("text", "database, register or another method (PRISMA's columns)."),
    "duplicate_group": (
        "integer",
        "The id of the first copy of the record: the same for all its duplicates.",
    ),
    "is_duplicate": ("yes/no", "Whether the record was removed as a duplicate of another."),
    "study_id": ("integer", "The study the record is a report of (see the studies table), if any."),
    "title": ("text", "The title as exported."),
    "year": ("integer", "The year of publication."),
    "doi": ("text", "The DOI as exported."),
    "pmid": ("text", "The PubMed identifier as exported."),
}
STAGE_FIELDS = {
    "status": (
        "text",
        "Where the record stands at the stage, as you may see it (open: not decided, for you).",
    ),
    "decision": ("text", "The final decision at the stage, include or exclude, once decided."),
    "reason": ("text", "The exclusion reason of the decision, if any."),
}
RECORD_COLUMNS = {
    **RECORD_FIELDS,
    **{
        f"{stage}_{name}": (kind, f"{label}: {meaning}")
        for stage, label in Stage.choices
        for name, (kind, meaning) in STAGE_FIELDS.items()
    },
}
VOTE_MEANINGS = {
    "record": ("text", "The record, as import_votes finds it again: its DOI, else PMID, else id."),
    "reviewer": ("text", "The username of the reviewer who voted."),
    "stage": ("text", "title_abstract or full_text."),
    "verdict": ("text", "include, exclude or maybe."),
    "reason": ("text", "The exclusion reason the reviewer gave, if any."),
    "note": ("text", "The reviewer's note."),
    "time": ("date-time", "When the vote was cast (UTC)."),
    "record_id": ("integer", "The record's id (see the records table)."),
    "title": ("text", "The record's title."),
}
AGREEMENT_COLUMNS = {
    "stage": ("text", "title_abstract or full_text."),
    "reviewer_a": ("text", "One reviewer of the pair; empty for the row of all reviewers."),
    "reviewer_b": ("text", "The other reviewer of the pair; empty for the row of all reviewers."),
    "records": ("integer", "Records rated by all their reviewers (by both of the pair), that you may count."),
    "percent_agreement": ("number", "Percent of those records on which every vote agrees."),
    "kappa": ("number", "Cohen's kappa for a pair; Fleiss' kappa for all reviewers."),
    "kappa_ci_low": (
        "number",
        "Lower end of the 95% confidence interval of Cohen's kappa (asymptotic, as statsmodels gives it; "
        "on few records it can pass -1, which the agreement page cuts).",
    ),
    "kappa_ci_high": (
        "number",
        "Upper end of the 95% confidence interval of Cohen's kappa (asymptotic, as statsmodels gives it; "
        "on few records it can pass 1, which the agreement page cuts).",
    ),
    "krippendorff_alpha": ("number", "Krippendorff's alpha over all reviewers (nominal)."),
}


def records_table(*, review: Review, user) -> Table:
    records = Stream(
        Record.objects.for_review(review).order_by("id"),
        "id",
        "search_id",
        "search__source_name",
        "search__kind",
        "duplicate_of_id",
        "study_id",
        "title",
        "year",
        "doi",
        "pmid",
    )
    return Table(
        name="records",
        columns=list(RECORD_COLUMNS),
        rows=_record_rows(records, Sight.of(user, review)),
        count=records.count(),
        requester=user,
        dictionary=RECORD_COLUMNS,
    )


def _record_rows(records: Stream, sight: Sight) -> Iterator[tuple]:
    seen = Case(
        When(sight.decisions_open(), then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    for chunk in batched(records, CHUNK_ROWS):
        frame = pd.DataFrame(
            chunk, columns=list(RECORD_FIELDS)[:4] + ["duplicate_of", *list(RECORD_FIELDS)[6:]]
        )
        frame.insert(4, "duplicate_group", frame["duplicate_of"].fillna(frame["record_id"]).astype("int64"))
        frame.insert(5, "is_duplicate", frame.pop("duplicate_of").notna())
        decisions = pd.DataFrame(
            ScreeningDecision.objects.filter(record_id__in=frame["record_id"].tolist())
            .annotate(seen=seen)
            .values_list("record_id", "stage", "status", "verdict", "reason__label", "seen"),
            columns=["record_id", "stage", "status", "decision", "reason", "seen"],
        )
        for stage in Stage.values:
            at_stage = decisions[decisions["stage"] == stage].drop(columns="stage")
            shown = at_stage["seen"] | (
                (at_stage["status"] == DecisionStatus.PENDING) & sight.sees_every_conflict
            )
            at_stage = at_stage.assign(status=at_stage["status"].where(shown, OPEN)).drop(columns="seen")
            at_stage.columns = ["record_id", *(f"{stage}_{name}" for name in STAGE_FIELDS)]
            frame = frame.merge(at_stage, on="record_id", how="left")
        frame = frame.astype(object).where(frame.notna(), None)
        yield from frame.itertuples(index=False, name=None)


def agreement_table(*, review: Review, user) -> Table:
    scope = agreement.scope_for(user, review)
    rows = []
    for stage in Stage.values:
        figures = agreement.stage_agreement(review=review, stage=stage, scope=scope)
        rows.append(
            (
                stage,
                "",
                "",
                figures.records,
                figures.percent_agreement,
                figures.fleiss_kappa,
                None,
                None,
                figures.krippendorff_alpha,
            )
        )
        for pair in figures.pairs:
            low, high = pair.kappa_ci or (None, None)
            rows.append(
                (
                    stage,
                    pair.reviewer_a,
                    pair.reviewer_b,
                    pair.n,
                    pair.percent_agreement,
                    pair.kappa,
                    low,
                    high,
                    None,
                )
            )
    return Table(
        name="agreement",
        columns=list(AGREEMENT_COLUMNS),
        rows=rows,
        count=len(rows),
        requester=user,
        dictionary=AGREEMENT_COLUMNS,
    )


def dataset_tables(*, review: Review, user, progress: Progress) -> list[Table]:
    [votes] = votes_tables(review=review, user=user, progress=progress)
    return [
        records_table(review=review, user=user),
        replace(votes, dictionary=VOTE_MEANINGS),
        agreement_table(review=review, user=user),
    ]
