"""The risk-of-bias pages: the review's page, a study's results, an assessment with live suggestions,
reconciliation domain by domain, the consensus and the plots."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from extraction import coding
from extraction.constants import Provenance
from extraction.models import Consensus, ConsensusValue, ExtractionCopy
from extraction.risk_of_bias import services
from extraction.risk_of_bias.kind import judgement_key, question_key
from extraction.risk_of_bias.models import AssessedResult

from .conftest import CROSSOVER_LOW, with_changes

pytestmark = pytest.mark.django_db


def url(name: str, review, *args) -> str:
    return reverse(f"rob:{name}", args=[review.slug, *args])


def cell(copy, key: str) -> str:
    """The name part of a question's inputs on the assessment page (extraction.forms.cell_name)."""
    data = coding.load_copy(copy)
    field = next(f for f in data.fields if f.key == key)
    return f"{field.pk}-0-{data.outcomes[0].pk}"


def writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]


def test_the_review_page_lists_results_with_status_and_links(review, rob_copies, reviewer, client_for):
    html = client_for(reviewer).get(url("home", review)).content.decode()
    assert "<h1>Risk of bias</h1>" in html
    assert 'data-result="Williams 2018 (HAM-D, 1 day)"' in html and "rob2-crossover" in html
    assert f'href="{url("copy", review, rob_copies[0].pk)}">Assess</a>' in html
    assert "2 assigned" in html  # a coder does not learn whether the other has submitted
    assert 'href="/reviews/ketamine/rob/"' in html  # the review menu


def test_the_dashboard_counts_assessments_and_links_to_the_review_page(
    review, rob_copies, reviewer, client_for
):
    html = client_for(reviewer).get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert '<a href="/reviews/ketamine/rob/">Risk of bias: studies to assess</a>: 1' in html


def test_the_owner_chooses_the_tools_and_the_number_of_assessors(review, owner, reviewer, client_for):
    client = client_for(owner)
    html = client.get(url("home", review)).content.decode()
    assert "The review has no risk-of-bias tools yet" in html and 'value="rob2-crossover"' in html
    assert client.post(url("setup", review), {"tools": ["rob2", "rob2-crossover"]}).status_code == 302
    assert services.version_tools(services.get_form(review).versions.get()) == ["rob2", "rob2-crossover"]
    response = client.post(url("setup", review), {"tools": ["nonsense"]}, follow=True)
    assert "“nonsense” is not a tool the project ships." in response.content.decode()
    assert client.post(url("coders", review), {"coders_per_study": "3"}).status_code == 302
    assert services.get_form(review).coders_per_study == 3
    response = client.post(url("coders", review), {"coders_per_study": "0"}, follow=True)
    assert 'class="message error"' in response.content.decode()
    assert services.get_form(review).coders_per_study == 3
    assert client_for(reviewer).post(url("setup", review), {"tools": ["rob2"]}).status_code == 403


def test_a_study_page_names_results_offering_the_extractions_outcomes(
    review, rob_form, make_study, adjudicator, reviewer, reviewer2, client_for
):
    study = make_study("Tiger, M", 2020)
    client = client_for(adjudicator)
    page = client.get(url("study", review, study.pk)).content.decode()
    assert '<datalist id="outcome-names">' in page and "Add the result" in page
    response = client.post(
        url("result_add", review, study.pk),
        {"outcome": "MADRS", "time_point": "24 hours", "tool": "rob2", "weight": "20"},
    )
    assert response.status_code == 302
    result = AssessedResult.objects.get(study=study)
    assert (result.tool, str(result.weight)) == ("rob2", "20.0000")
    bad = client.post(url("result_add", review, study.pk), {"outcome": "", "tool": "rob3"}, follow=True)
    assert (
        "Choose one of the review&#x27;s tools." in bad.content.decode()
        and AssessedResult.objects.count() == 1
    )
    negative = client.post(
        url("result_weight", review, result.pk), {f"w{result.pk}-weight": "-1"}, follow=True
    )
    assert "A weight is 0 or more." in negative.content.decode()
    result.refresh_from_db()
    assert str(result.weight) == "20.0000"
    assert (
        client.post(
            url("study_assign", review, study.pk), {"reviewers": [reviewer.pk, reviewer2.pk]}
        ).status_code
        == 302
    )
    assert ExtractionCopy.objects.filter(study=study, form__kind="rob").count() == 2
    assert (
        client_for(reviewer)
        .post(url("result_add", review, study.pk), {"outcome": "X", "tool": "rob2"})
        .status_code
        == 403
    )


def test_the_assessment_page_shows_each_tools_questions_what_does_not_apply_and_the_suggestions(
    review, rob_copies, crossover_result, reviewer, client_for, assess
):
    mine = rob_copies[0]
    assess(
        mine,
        reviewer,
        crossover_result,
        {"D1": {"1.1": "Y", "1.2": "N", "1.3": "N"}, "D2": {"2.1": "N", "2.2": "N"}},
        submit=False,
    )
    html = client_for(reviewer).get(url("copy", review, mine.pk)).content.decode()
    assert "RoB 2: randomised crossover trials, effect of assignment to intervention" in html
    assert "S.1</span> Was the number of participants allocated" in html
    skipped = cell(mine, question_key("rob2-crossover", "D2", "", "2.3"))
    assert (
        f'<span id="note-{skipped}" class="cell-note muted na">Does not apply given the answers above (stored as NA).'
        in html
    )
    # RoB 2 guidance, domain 1: 1.2 N/PN → High; the path the algorithm took is shown.
    assert (
        '<span class="judgement high">Suggested: High</span> <span class="muted path">(1.2 N)</span>' in html
    )
    assert "No suggestion yet: answer S.3." in html
    assert "Was the allocation sequence random?" in html and "rob2_d1" not in html
    assert " style=" not in html and "<script>" not in html  # the Content-Security-Policy runs neither


def test_suggestions_follow_the_answers_live_and_skipped_questions_are_marked(
    review, rob_copies, reviewer, client_for
):
    mine = rob_copies[0]
    names = {q: cell(mine, question_key("rob2-crossover", "D2", "", q)) for q in ("2.1", "2.2", "2.3")}
    d1 = {q: cell(mine, question_key("rob2-crossover", "D1", "", q)) for q in ("1.1", "1.2", "1.3")}
    judgement = cell(mine, judgement_key("D1"))
    posted = {
        f"v-{d1['1.1']}": "Y",
        f"v-{d1['1.2']}": "PY",
        f"v-{d1['1.3']}": "N",
        f"v-{names['2.1']}": "N",
        f"v-{names['2.2']}": "N",
        f"v-{names['2.3']}": "",
    }
    response = client_for(reviewer).post(
        url("copy_autosave", review, mine.pk), posted, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("Draft saved.")
    assert (
        f'<output id="suggest-{judgement}" class="suggestion" hx-swap-oob="true"><span class="judgement low">Suggested: Low</span>'
        in html
    )
    assert (
        f'<span id="note-{names["2.3"]}" class="cell-note muted na" hx-swap-oob="true">Does not apply' in html
    )
    posted[f"v-{names['2.1']}"] = "PY"
    html = (
        client_for(reviewer)
        .post(url("copy_autosave", review, mine.pk), posted, headers={"HX-Request": "true"})
        .content.decode()
    )
    assert f'<span id="note-{names["2.3"]}" class="cell-note muted" hx-swap-oob="true"></span>' in html
    bad = client_for(reviewer).post(
        url("copy_autosave", review, mine.pk), {f"v-{d1['1.1']}": "Maybe"}, headers={"HX-Request": "true"}
    )
    assert (
        "1 answer(s) not saved" in bad.content.decode()
        and "“Maybe” is not one of the choices" in bad.content.decode()
    )


def test_submitting_an_override_without_justification_is_refused_on_the_page(
    review, rob_copies, crossover_result, reviewer, client_for, assess
):
    mine = rob_copies[0]
    assess(mine, reviewer, crossover_result, CROSSOVER_LOW, submit=False)
    d4 = cell(mine, judgement_key("D4"))
    client = client_for(reviewer)
    response = client.post(
        url("copy", review, mine.pk), {f"v-{d4}": "high", f"c-{d4}": "", "action": "submit"}, follow=True
    )
    assert "D4: say why you judge “High” rather than the proposed “Low”" in response.content.decode().replace(
        "&quot;", "“"
    )
    mine.refresh_from_db()
    assert not mine.is_locked
    client.post(
        url("copy", review, mine.pk), {f"v-{d4}": "high", f"c-{d4}": "Unblinded raters.", "action": "submit"}
    )
    mine.refresh_from_db()
    assert mine.is_locked
    locked = client.post(url("copy", review, mine.pk), {f"v-{d4}": "low"}, follow=True)
    assert "submitted and locked" in locked.content.decode()


def two_opinions(rob_copies, crossover_result, reviewer, reviewer2, assess) -> None:
    """rita answers Y to 1.1, raj PY (same direction); raj answers PN to 5.1 (another direction), so D5 and
    overall differ: Low against Some concerns."""
    assess(rob_copies[0], reviewer, crossover_result, CROSSOVER_LOW)
    assess(
        rob_copies[1],
        reviewer2,
        crossover_result,
        with_changes(CROSSOVER_LOW, {"D1": {"1.1": "PY"}, "D5": {"5.1": "PN"}}),
    )


def test_reconciliation_compares_question_by_question_and_domain_by_domain(
    review, rob_copies, crossover_result, reviewer, reviewer2, adjudicator, client_for, assess
):
    two_opinions(rob_copies, crossover_result, reviewer, reviewer2, assess)
    client = client_for(adjudicator)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url("reconcile", review, crossover_result.study_id)).content.decode()
    assert not writes(queries) and not Consensus.objects.exists()
    assert "Start reconciliation" in html
    assert 'class="disagree same" data-field="rob2_crossover_d1_1_1"' in html
    assert "same direction, different wording" in html
    assert 'class="disagree strong" data-field="rob2_crossover_d5_5_1"' in html
    assert '<tr class="disagree strong" data-domain="D5 judgement">' in html
    assert '<tr class="agree" data-domain="S judgement">' in html
    assert "rob2_d1_1_1" not in html and "2.3 Were there deviations" not in html  # not asked: left out
    client.post(url("consensus_start", review, crossover_result.study_id))
    open_rows = ConsensusValue.objects.filter(provenance=Provenance.PENDING)
    assert sorted(open_rows.values_list("field__key", flat=True)) == sorted(
        ["rob2_crossover_d1_1_1", "rob2_crossover_d5_5_1", judgement_key("D5"), judgement_key("overall")]
    )


def test_the_reconciler_takes_an_answer_or_enters_another_with_a_note_and_stale_saves_are_refused(
    review, rob_copies, crossover_result, reviewer, reviewer2, adjudicator, client_for, assess
):
    two_opinions(rob_copies, crossover_result, reviewer, reviewer2, assess)
    client = client_for(adjudicator)
    client.post(url("consensus_start", review, crossover_result.study_id))
    d5 = ConsensusValue.objects.get(field__key=judgement_key("D5"))
    htmx = {"HX-Request": "true"}
    taken = client.post(
        url("consensus_value", review, d5.pk),
        {"revision": "0", "source": f"copy:{rob_copies[1].pk}"},
        headers=htmx,
    )
    assert taken.status_code == 200 and "from reviewer2" in taken.content.decode()
    d5.refresh_from_db()
    assert (d5.value, d5.provenance, d5.source_copy_id) == (
        "some_concerns",
        Provenance.REVIEWER,
        rob_copies[1].pk,
    )
    no_note = client.post(
        url("consensus_value", review, d5.pk),
        {"revision": "1", "source": "entered", "value": "high"},
        headers=htmx,
    )
    assert (
        no_note.status_code == 400
        and "Say in a note why you entered another value." in no_note.content.decode()
    )
    stale = client.post(
        url("consensus_value", review, d5.pk),
        {"revision": "0", "source": f"copy:{rob_copies[0].pk}"},
        headers=htmx,
    )
    assert stale.status_code == 409 and "Theirs: <strong>some_concerns" in stale.content.decode()
    entered = client.post(
        url("consensus_value", review, d5.pk),
        {
            "revision": "1",
            "source": "entered",
            "value": "high",
            "note": "Outcome switched from the registry.",
        },
        headers=htmx,
    )
    assert entered.status_code == 200
    d5.refresh_from_db()
    assert (d5.value, d5.provenance, d5.decided_by) == ("high", Provenance.ENTERED, adjudicator)
    assert d5.history.count() == 3  # created, taken, entered
    html = client.get(url("consensus", review, crossover_result.study_id)).content.decode()
    assert "Outcome switched from the registry." in html and "entered by adjudicator" in html


def test_kappa_on_domain_judgements_is_on_the_review_page(
    review, rob_copies, crossover_result, reviewer, reviewer2, viewer, client_for, assess
):
    two_opinions(rob_copies, crossover_result, reviewer, reviewer2, assess)
    html = client_for(viewer).get(url("home", review)).content.decode()
    # Six domains, five agreeing: 83.3%. Kappa is undefined: reviewer judged every domain Low.
    assert (
        '<td>RoB 2</td><td>reviewer and reviewer2</td><td class="num">6</td><td class="num">83.3%</td>'
        in html
    )


def test_plots_are_images_of_the_consensus_with_downloads_and_options(review, reconciled, viewer, client_for):
    client = client_for(viewer)
    svg = client.get(url("plot", review, "traffic-light", "svg"))
    assert svg["Content-Type"] == "image/svg+xml" and b"Williams 2018 (HAM-D, 1 day)" in svg.content
    assert "Content-Disposition" not in svg
    png = client.get(url("plot", review, "summary", "png") + "?download=1")
    assert (
        png.content.startswith(b"\x89PNG")
        and png["Content-Disposition"] == 'attachment; filename="ketamine-rob-summary-rob2.png"'
    )
    blind = client.get(url("plot", review, "traffic-light", "svg") + "?palette=colourblind").content.decode()
    assert "#fed98e" in blind.lower() and "#02c100" not in blind.lower()  # robvis's colour-blind Low
    bad = client.get(url("plot", review, "summary", "svg") + "?palette=neon")
    assert bad.status_code == 400 and "palette" in bad.content.decode()
    unweighted = client.get(url("plot", review, "summary", "svg") + "?weighted=1")
    assert unweighted.status_code == 400 and "needs a weight" in unweighted.content.decode()
    AssessedResult.objects.update(weight=12)
    assert client.get(url("plot", review, "summary", "svg") + "?weighted=1").status_code == 200
    assert client.get(url("plot", review, "traffic-light", "svg") + "?scale=robins-i").status_code == 404
    assert client.get(url("plot", review, "pie", "svg")).status_code == 404
    home = client.get(url("home", review)).content.decode()
    assert f'<img src="{url("plot", review, "traffic-light", "svg")}?scale=rob2&amp;palette=default"' in home


def test_queries_do_not_grow_with_results(
    review, reconciled, assessed, adjudicator, client_for, django_assert_max_num_queries
):
    client = client_for(adjudicator)
    pages = [
        url("home", review),
        url("plot", review, "traffic-light", "svg"),
        url("plot", review, "summary", "svg"),
    ]
    counts = {}
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counts[page] = len(queries)
    for name in ("Jelen, E", "Zarate, C", "Murrough, J"):
        assessed(name, reconcile=True)
    for page in pages:
        with django_assert_max_num_queries(counts[page]):
            assert client.get(page).status_code == 200
