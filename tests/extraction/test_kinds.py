"""A second form kind, defined only here, gets the whole dual-coding workflow without a line of workflow code:
its addresses, copies, blinding, the questions it skips and the judgement it proposes, reconciliation with
its own agreement rule, dashboard counts and exports. Risk of bias (RoB 2) plugs in the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from extraction import coding, kinds, reconciliation, versions
from extraction.checks import kind_addresses_are_free
from extraction.constants import Provenance
from extraction.kinds import EXTRACTION, Agreement, FormKind
from extraction.models import Consensus, ConsensusValue, ExtractionCopy, Value

from .conftest import fill

pytestmark = pytest.mark.django_db

DIRECTION = {"Yes": 1, "Probably yes": 1, "Probably no": -1, "No": -1}


class StudyQuality(FormKind):
    """A small quality appraisal: whether outcome assessors were blinded, how (asked only when they were),
    and a judgement the kind proposes from the answer, which an assessor may change with a reason."""

    slug = "quality"
    label = "Study quality"
    noun = "assessment"
    verb = "assess"
    coder = "assessor"
    default_coders = 2
    not_applicable = "NA"

    def applicable_fields(self, fields: Sequence, answers: Mapping[str, Any]) -> list:
        unblinded = DIRECTION.get(answers.get("blinded")) == -1
        return [f for f in fields if not (unblinded and f.key == "blinding_method")]

    def suggest(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        direction = DIRECTION.get(answers.get("blinded"))
        return {"judgement": "Low" if direction == 1 else "High"} if direction else {}

    def submit_problems(self, answers: Mapping[str, Any]) -> list[str]:
        proposed = self.suggest(answers).get("judgement")
        if proposed and answers.get("judgement") != proposed and not answers.get("justification"):
            return [f"Say why the judgement is not the proposed “{proposed}”."]
        return []

    def compare(self, field, values: Sequence[Any]) -> Agreement:
        if field.key == "blinded" and len(set(values)) > 1:
            directions = {DIRECTION.get(v) for v in values}
            if len(directions) == 1:
                return Agreement(False, "same direction")
            return Agreement(False, "opposite directions", strong=True)
        return super().compare(field, values)


QUALITY_FORM = {
    "name": "Study quality",
    "sections": [
        {
            "title": "Blinding of outcome assessment",
            "fields": [
                {
                    "key": "blinded",
                    "label": "Were outcome assessors blinded?",
                    "type": "choice",
                    "choices": ["Yes", "Probably yes", "Probably no", "No"],
                    "required": True,
                },
                {
                    "key": "blinding_method",
                    "label": "How were they blinded?",
                    "type": "text",
                    "required": True,
                },
                {"key": "judgement", "label": "Judgement", "type": "choice", "choices": ["Low", "High"]},
                {"key": "justification", "label": "Justification", "type": "long_text"},
            ],
        }
    ],
}


@pytest.fixture
def quality():
    kind = kinds.register(StudyQuality())
    yield kind
    kinds.unregister(kind.slug)


@pytest.fixture
def quality_copies(quality, review, owner, study, reviewer, reviewer2):
    versions.import_definition(review=review, kind=quality, data=QUALITY_FORM, user=owner, publish=True)
    assert coding.assign_unassigned(review=review, kind=quality, reviewers=[reviewer, reviewer2]) == 1
    return list(ExtractionCopy.objects.filter(form__kind="quality").order_by("reviewer__username"))


def url(name, review, kind, *args) -> str:
    return reverse(f"extraction:{name}", args=[review.slug, kind, *args])


def test_a_kind_has_its_own_addresses_and_its_ids_are_not_reachable_through_another(
    quality, quality_copies, review, reviewer, client_for
):
    client = client_for(reviewer)
    mine = quality_copies[0]
    assert url("copy", review, quality, mine.pk) == f"/reviews/ketamine/quality/copies/{mine.pk}/"
    page = client.get(url("copy", review, quality, mine.pk))
    assert page.status_code == 200
    assert "Williams 2018: assessment by reviewer" in page.content.decode()
    assert client.get(url("copy", review, EXTRACTION, mine.pk)).status_code == 404
    studies = client.get(url("studies", review, quality)).content.decode()
    assert "<h1>Study quality</h1>" in studies and "Assess</a>" in studies
    assert client.get(f"/reviews/{review.slug}/nonsense/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("extraction:studies", args=[review.slug, "nonsense"])


def test_copies_are_blinded_until_every_assessor_has_submitted(
    quality, quality_copies, review, reviewer, reviewer2, adjudicator, client_for, exported
):
    first, second = quality_copies
    fill(first, reviewer, {"blinded": "Yes", "blinding_method": "Sealed videos"})
    coding.submit_copy(copy=first, user=reviewer)
    assert client_for(reviewer2).get(url("copy", review, quality, first.pk)).status_code == 404
    assert client_for(adjudicator).get(url("copy", review, quality, first.pk)).status_code == 404
    raw = exported(client_for(reviewer2), review, "quality.raw-copies", "csv")
    assert raw["Content-Disposition"] == 'attachment; filename="ketamine-quality-raw-copies.csv"'
    assert "Sealed videos" not in raw.data.decode()
    fill(second, reviewer2, {"blinded": "Yes", "blinding_method": "Sealed videos"})
    coding.submit_copy(copy=second, user=reviewer2)
    assert client_for(reviewer2).get(url("copy", review, quality, first.pk)).status_code == 200
    assert (
        "Sealed videos" in exported(client_for(reviewer2), review, "quality.raw-copies", "csv").data.decode()
    )


def test_a_question_that_does_not_apply_is_shown_so_stored_as_na_and_not_required(
    quality, quality_copies, review, reviewer, client_for
):
    mine = quality_copies[0]
    fill(mine, reviewer, {"blinding_method": "Sealed videos"})
    fill(mine, reviewer, {"blinded": "No"})  # an earlier answer makes the method moot
    stored = {v.field.key: v.value for v in Value.objects.filter(copy=mine).select_related("field")}
    assert stored == {"blinded": "No", "blinding_method": "NA"}
    html = client_for(reviewer).get(url("copy", review, quality, mine.pk)).content.decode()
    assert "Does not apply." in html and "Proposed: High" in html
    coding.submit_copy(copy=mine, user=reviewer)  # the method is required, but not asked here
    mine.refresh_from_db()
    assert mine.is_locked
    # The empty judgement took the proposal when the copy was submitted.
    assert Value.objects.get(copy=mine, field__key="judgement").value == "High"


def test_autosave_says_at_once_what_no_longer_applies_and_what_is_proposed(
    quality, quality_copies, review, reviewer, client_for
):
    mine = quality_copies[0]
    data = coding.load_copy(mine)
    names = {f.key: f"{f.pk}-0-0" for f in data.fields}
    response = client_for(reviewer).post(
        url("copy_autosave", review, quality, mine.pk),
        {f"v-{names['blinded']}": "Probably no", f"v-{names['blinding_method']}": "Masks"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Draft saved." in html
    assert (
        f'<span id="note-{names["blinding_method"]}" class="cell-note muted" hx-swap-oob="true">Does not apply.'
        in html
    )
    assert (
        f'<span id="note-{names["judgement"]}" class="cell-note muted" hx-swap-oob="true">Proposed: High'
        in html
    )


def test_the_kind_refuses_a_submission_it_finds_wanting_and_nothing_is_stored(
    quality, quality_copies, reviewer
):
    mine = quality_copies[0]
    fill(mine, reviewer, {"blinded": "Yes", "blinding_method": "Sealed videos", "judgement": "High"})
    with pytest.raises(ValidationError, match="Say why the judgement is not the proposed “Low”"):
        coding.submit_copy(copy=mine, user=reviewer)
    mine.refresh_from_db()
    assert not mine.is_locked
    fill(mine, reviewer, {"justification": "Assessors knew the infusion by its side effects."})
    coding.submit_copy(copy=mine, user=reviewer)


def test_reconciliation_uses_the_kinds_agreement_rule_and_proposals(
    quality, quality_copies, review, reviewer, reviewer2, adjudicator, client_for
):
    first, second = quality_copies
    fill(first, reviewer, {"blinded": "Yes", "blinding_method": "Sealed videos"})
    fill(second, reviewer2, {"blinded": "Probably yes", "blinding_method": "sealed videos"})
    for copy, user in ((first, reviewer), (second, reviewer2)):
        coding.submit_copy(copy=copy, user=user)
    client = client_for(adjudicator)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url("reconcile", review, quality, first.study_id))
    assert page.status_code == 200 and "Start reconciliation" in page.content.decode()
    assert not [q for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert not Consensus.objects.exists()

    assert client.post(url("consensus_start", review, quality, first.study_id)).status_code == 302
    comparison = reconciliation.build_comparison(study=first.study, form=first.form)
    rows = {r.field.key: r for r in comparison.rows}
    assert rows["blinded"].agreement == Agreement(False, "same direction")
    assert rows["blinding_method"].agree and rows["judgement"].agree  # “Low” proposed for both
    assert rows["judgement"].consensus.provenance == Provenance.AGREED
    blinded = rows["blinded"].consensus
    assert blinded.provenance == Provenance.PENDING
    html = client.get(url("reconcile", review, quality, first.study_id)).content.decode()
    assert "same direction" in html
    response = client.post(
        url("consensus_value", review, quality, blinded.pk),
        {"revision": "0", "source": f"copy:{first.pk}"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "from reviewer" in response.content.decode()
    blinded.refresh_from_db()
    assert (blinded.value, blinded.provenance) == ("Yes", Provenance.REVIEWER)
    # What the kind proposes from the consensus answers so far, beside the judgement.
    html = client.get(url("reconcile", review, quality, first.study_id)).content.decode()
    assert 'class="muted proposal">Proposed: Low' in html


def test_opposite_answers_are_a_stronger_disagreement(quality, quality_copies, review, reviewer, reviewer2):
    first, second = quality_copies
    fill(first, reviewer, {"blinded": "Yes", "blinding_method": "Sealed videos"})
    fill(second, reviewer2, {"blinded": "No"})
    row = next(
        r
        for r in reconciliation.build_comparison(study=first.study, form=first.form).rows
        if r.field.key == "blinded"
    )
    assert row.agreement == Agreement(False, "opposite directions", strong=True)


def test_dashboard_counts_each_kind_apart(
    quality, quality_copies, copies, review, reviewer, reviewer2, adjudicator, client_for
):
    dashboard = reverse("review:dashboard", args=[review.slug])
    html = client_for(reviewer).get(dashboard).content.decode()
    assert "Studies to extract</a>: 1" in html
    assert "Study quality: studies to assess</a>: 1" in html
    assert 'href="/reviews/ketamine/quality/"' in html
    first, second = quality_copies
    for copy, user in ((first, reviewer), (second, reviewer2)):
        fill(copy, user, {"blinded": "No"})
        coding.submit_copy(copy=copy, user=user)
    html = client_for(reviewer).get(dashboard).content.decode()
    assert "studies to assess" not in html and "Studies to extract</a>: 1" in html
    # All copies in and no consensus yet: the reconciler has work, before anyone opened the page.
    html = client_for(adjudicator).get(dashboard).content.decode()
    assert "Study quality: studies to reconcile</a>: 1" in html
    assert "Studies to reconcile" not in html  # nothing of data extraction is ready
    reconciliation.start_consensus(study=first.study, form=first.form, user=adjudicator)
    html = client_for(adjudicator).get(dashboard).content.decode()
    assert "studies to reconcile" not in html  # everything agreed


def test_exports_hold_only_their_own_kind(
    quality, quality_copies, copies, review, reviewer, reviewer2, adjudicator, client_for, exported
):
    for copy, user in ((quality_copies[0], reviewer), (quality_copies[1], reviewer2)):
        fill(copy, user, {"blinded": "Yes", "blinding_method": "Sealed videos"})
        coding.submit_copy(copy=copy, user=user)
    for copy, user in ((copies[0], reviewer), (copies[1], reviewer2)):
        fill(copy, user, {"design": "Crossover"})
        coding.submit_copy(copy=copy, user=user)
    study = copies[0].study
    reconciliation.start_consensus(study=study, form=quality_copies[0].form, user=adjudicator)
    reconciliation.start_consensus(study=study, form=copies[0].form, user=adjudicator)
    client = client_for(adjudicator)
    wide = exported(client, review, "quality.consensus-wide", "csv")
    assert wide["Content-Disposition"] == 'attachment; filename="ketamine-quality-consensus-wide.csv"'
    [row] = csv.DictReader(io.StringIO(wide.data.decode()))
    assert (row["blinded"], row["judgement"], row["judgement (source)"]) == ("Yes", "Low", "agreed")
    assert "design" not in row
    long_rows = list(
        csv.DictReader(io.StringIO(exported(client, review, "quality.consensus-long", "csv").data.decode()))
    )
    assert {r["field"] for r in long_rows} == {"blinded", "blinding_method", "judgement", "justification"}
    extraction = exported(client, review, "extraction.consensus-wide", "csv").data.decode()
    assert "blinded" not in extraction and "Crossover" in extraction
    assert ConsensusValue.objects.filter(consensus__form__kind="quality").count() == len(long_rows)


def test_each_kind_has_its_own_number_of_coders(
    quality, quality_copies, form_version, review, owner, client_for
):
    assert quality_copies[0].form.coders_per_study == StudyQuality.default_coders
    response = client_for(owner).post(url("form_coders", review, EXTRACTION), {"coders_per_study": "3"})
    assert response.status_code == 302
    assert versions.get_form(review=review, kind=EXTRACTION).coders_per_study == 3
    assert versions.get_form(review=review, kind=quality).coders_per_study == 2


def test_a_kind_whose_address_another_app_uses_is_reported():
    assert kind_addresses_are_free() == []

    class Records(FormKind):
        slug = "records"
        label = "Records"

    kinds.register(Records())
    try:
        [error] = kind_addresses_are_free()
    finally:
        kinds.unregister("records")
    assert error.id == "extraction.E001" and "/reviews/<review>/records/ is review:records" in error.msg
    with pytest.raises(ValueError, match="slug"):
        kinds.register(type("Bad", (FormKind,), {"slug": "Bad slug", "label": "Bad"})())
