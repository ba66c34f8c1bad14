from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse

from extraction import coding, reconciliation, versions
from extraction.constants import Provenance
from extraction.definitions import library_template
from extraction.kinds import EXTRACTION
from extraction.models import ConsensusValue, FormVersion, Value

from .conftest import fill

pytestmark = pytest.mark.django_db


def url(name, review, *args):
    return reverse(f"extraction:{name}", args=[review.slug, EXTRACTION, *args])


def cell(copy, key) -> str:
    f = copy.version.fields.get(key=key)
    return f"v-{f.pk}-0-0"


def submitted_pair(copies, reviewer, reviewer2):
    fill(copies[0], reviewer, {"design": "Crossover", "ketamine_dose": "0.5", "country": "USA"})
    fill(copies[1], reviewer2, {"design": "Crossover", "ketamine_dose": "0.50", "country": "UK"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    coding.submit_copy(copy=copies[1], user=reviewer2)


def test_reviewer_fills_saves_and_sees_errors_at_the_field(review, copies, reviewer, client_for):
    client = client_for(reviewer)
    page = client.get(url("copy", review, copies[0].pk))
    assert page.status_code == 200
    assert "Ketamine dose (mg/kg)" in page.content.decode()
    response = client.post(
        url("copy", review, copies[0].pk),
        {cell(copies[0], "ketamine_dose"): "11", cell(copies[0], "country"): "USA", "action": "save"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f'id="err-{cell(copies[0], "ketamine_dose")[2:]}" class="field-error" role="alert">11 mg/kg is above the allowed maximum of 10 mg/kg.'
        in html
    )
    assert 'value="11"' in html  # what was typed stays in the box
    assert {v.field.key: v.value for v in Value.objects.select_related("field")} == {"country": "USA"}


def test_autosave_answers_with_status_and_field_messages(review, copies, reviewer, client_for):
    response = client_for(reviewer).post(
        url("copy_autosave", review, copies[0].pk),
        {cell(copies[0], "age_mean"): "old", cell(copies[0], "design"): "Parallel"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "1 answer(s) not saved" in html
    assert "“old” is not a number." in html and 'hx-swap-oob="true"' in html
    assert Value.objects.get().value == "Parallel"


def test_submit_locks_and_blinds_until_all_submitted(
    review, copies, reviewer, reviewer2, adjudicator, client_for, exported
):
    fill(copies[0], reviewer, {"design": "Crossover"})
    response = client_for(reviewer).post(
        url("copy", review, copies[0].pk), {"action": "submit", cell(copies[0], "design"): "Crossover"}
    )
    assert response.status_code == 302
    copies[0].refresh_from_db()
    assert copies[0].is_locked
    # The other reviewer, the adjudicator and the owner cannot reach the submitted copy yet.
    for user in (reviewer2, adjudicator):
        assert client_for(user).get(url("copy", review, copies[0].pk)).status_code == 404
    assert client_for(adjudicator).get(url("reconcile", review, copies[0].study.pk)).status_code == 302
    raw = exported(client_for(reviewer2), review, "extraction.raw-copies", "csv").data.decode()
    assert "Crossover" not in raw
    mine = exported(client_for(reviewer), review, "extraction.raw-copies", "csv").data.decode()
    assert "Crossover" in mine
    # A locked copy refuses changes.
    client_for(reviewer).post(url("copy", review, copies[0].pk), {cell(copies[0], "design"): "Parallel"})
    assert Value.objects.get(copy=copies[0]).value == "Crossover"


def test_only_the_assigned_reviewer_writes_a_copy(review, copies, reviewer2, owner, client_for):
    for user in (reviewer2, owner):
        response = client_for(user).post(
            url("copy", review, copies[0].pk), {cell(copies[0], "design"): "Crossover"}
        )
        assert response.status_code == 404  # blinded: it does not exist for them
    assert not Value.objects.exists()


def test_reconcile_page_and_htmx_save(
    review, copies, reviewer, reviewer2, adjudicator, client_for, django_assert_max_num_queries
):
    submitted_pair(copies, reviewer, reviewer2)
    client = client_for(adjudicator)
    client.post(url("consensus_start", review, copies[0].study.pk))
    with django_assert_max_num_queries(17):
        page = client.get(url("reconcile", review, copies[0].study.pk))
    html = page.content.decode()
    assert "1 disagree" in html or "disagree;" in html
    country = ConsensusValue.objects.get(field__key="country")
    response = client.post(
        url("consensus_value", review, country.pk),
        {"revision": "0", "source": f"copy:{copies[1].pk}"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "from reviewer2" in response.content.decode()
    # A second reconciler who loaded the page before gets a clear message with both versions.
    stale = client_for(review.created_by).post(
        url("consensus_value", review, country.pk),
        {"revision": "0", "source": "entered", "value": "United States", "note": "p. 2"},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "adjudicator changed this value while you were editing it" in text
    assert "Theirs: <strong>UK</strong>" in text and "Yours: <strong>United States</strong>" in text
    country.refresh_from_db()
    assert (country.value, country.provenance) == ("UK", Provenance.REVIEWER)


def test_viewers_read_the_consensus_only_once_it_exists(
    review, copies, reviewer, reviewer2, adjudicator, viewer, client_for, exported
):
    study = copies[0].study
    assert client_for(viewer).get(url("consensus", review, study.pk)).status_code == 404
    submitted_pair(copies, reviewer, reviewer2)
    assert client_for(viewer).get(url("reconcile", review, study.pk)).status_code == 403
    assert client_for(viewer).get(url("copy", review, copies[0].pk)).status_code == 404
    reconciliation.start_consensus(study=study, form=copies[0].form, user=adjudicator)
    page = client_for(viewer).get(url("consensus", review, study.pk))
    assert page.status_code == 200 and "Crossover" in page.content.decode()
    raw = exported(client_for(viewer), review, "extraction.raw-copies", "xlsx")
    assert raw.job.row_count == 0


def test_study_list_queries_do_not_grow(
    review,
    form_version,
    make_study,
    reviewer,
    reviewer2,
    client_for,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    for i in range(3):
        coding.assign_study(
            kind=EXTRACTION, study=make_study(f"Author{i}, A", 2000 + i), reviewers=[reviewer, reviewer2]
        )
    client = client_for(reviewer)
    client.get(url("studies", review))
    with django_assert_max_num_queries(12) as few:
        client.get(url("studies", review))
    for i in range(3, 9):
        coding.assign_study(
            kind=EXTRACTION, study=make_study(f"Author{i}, A", 2000 + i), reviewers=[reviewer, reviewer2]
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url("studies", review))
    assert response.content.decode().count("Extract</a>") == 9


def test_form_builder_import_publish_and_export(review, owner, reviewer, client_for):
    client = client_for(owner)
    upload = io.BytesIO(json.dumps(library_template("ketamine_depression")).encode())
    upload.name = "ketamine.json"
    client.post(url("form_import", review), {"file": upload})
    assert FormVersion.objects.get().number == 1
    response = client.post(
        url("field_add", review),
        {
            "new-section": "Other",
            "new-label": "Adverse events",
            "new-key": "adverse_events",
            "new-field_type": "long_text",
            "new-level": "study",
            "new-position": "99",
        },
    )
    assert response.status_code == 302
    client.post(url("form_publish", review))
    exported = client.get(url("form_export", review)).json()
    assert exported["sections"][-1]["fields"][-1]["key"] == "adverse_events"
    assert client_for(reviewer).post(url("form_publish", review)).status_code == 403
    bad = io.BytesIO(
        b'{"name": "Broken", "sections": [{"title": "A", "fields": [{"key": "x", "label": "X", "type": "number"}]}]}'
    )
    bad.name = "broken.json"
    page = client.post(url("form_import", review), {"file": bad}, follow=True)
    assert "broken.json was not imported, nothing changed" in page.content.decode()
    assert "sections[0].fields[0].type: “number” is not one of" in page.content.decode()
    assert FormVersion.objects.count() == 1


def test_form_page_shows_what_changed(review, owner, form_version, client_for):
    draft = versions.start_draft(form=form_version.form, user=owner)
    versions.remove_field(field=draft.fields.get(key="country"))
    html = client_for(owner).get(url("form", review)).content.decode()
    assert "Changes since version 1" in html and "Removed “Country” (country)" in html


def test_copy_page_queries_do_not_grow_with_arms_and_answers(
    review, copies, reviewer, client_for, django_assert_max_num_queries
):
    client = client_for(reviewer)
    coding.set_arms(copy=copies[0], user=reviewer, names=["Ketamine", "Saline"])
    with django_assert_max_num_queries(12) as few:
        client.get(url("copy", review, copies[0].pk))
    coding.set_arms(copy=copies[0], user=reviewer, names=["Ketamine", "Saline", "Midazolam", "Placebo"])
    coding.set_outcomes(copy=copies[0], user=reviewer, rows=[("MADRS", "24 h", ""), ("HDRS", "24 h", "")])
    fill(
        copies[0],
        reviewer,
        {
            "design": "Parallel",
            ("n_randomised", "Ketamine"): "10",
            ("change_mean", "MADRS", "Ketamine"): "-3",
        },
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("copy", review, copies[0].pk))
    html = page.content.decode()
    assert "N randomised — Midazolam" in html
    assert "Change from baseline, mean — HDRS (24 h) — Placebo" in html  # per arm of each outcome


def test_changing_an_answer_keeps_its_history(review, copies, reviewer, client_for):
    client = client_for(reviewer)
    name = cell(copies[0], "country")
    client.post(url("copy", review, copies[0].pk), {name: "Sweden", "action": "save"})
    client.post(
        url("copy", review, copies[0].pk), {name: "Denmark", f"c-{name[2:]}": "two sites", "action": "save"}
    )
    value = Value.objects.get()
    assert (value.value, value.comment) == ("Denmark", "two sites")
    assert list(value.history.order_by("history_date").values_list("value", "history_user")) == [
        ("Sweden", reviewer.pk),
        ("Denmark", reviewer.pk),
    ]


def test_arms_and_outcomes_form(review, copies, reviewer, client_for):
    client = client_for(reviewer)
    response = client.post(
        url("copy_arms", review, copies[0].pk),
        {"arms": "Ketamine\nSaline", "outcomes": "MADRS | 24 h | change from baseline\nbad | a | b | c"},
        follow=True,
    )
    assert "Line 2: write “name | time point | measure”" in response.content.decode()
    assert not copies[0].arms.exists()  # nothing changed
    client.post(
        url("copy_arms", review, copies[0].pk),
        {"arms": "Ketamine\nSaline", "outcomes": "MADRS | 24 h | change"},
    )
    assert list(copies[0].arms.values_list("name", flat=True)) == ["Ketamine", "Saline"]
    assert copies[0].outcomes.get().time_point == "24 h"


def test_link_and_split_pages(review, study, make_study, reviewer, viewer, client_for):
    other = make_study("Tiger, M", 2020)
    report = other.reports.get()
    assert (
        client_for(viewer).post(url("report_link", review, report.pk), {"study": study.pk}).status_code == 403
    )
    response = client_for(reviewer).post(
        url("report_link", review, report.pk), {"study": study.pk, "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert study.reports.count() == 2
    page = client_for(reviewer).get(url("study", review, study.pk)).content.decode()
    assert "Split into its own study" in page
    client_for(reviewer).post(url("report_split", review, report.pk), {"confirmed": "yes"})
    report.refresh_from_db()
    assert report.study_id != study.pk


def test_exports_keep_formulas_as_text(
    review, copies, reviewer, reviewer2, adjudicator, client_for, exported
):
    fill(copies[0], reviewer, {"design": "Parallel", "country": "=HYPERLINK(1)"})
    fill(copies[1], reviewer2, {"design": "Parallel", "country": "=hyperlink(1)"})
    coding.submit_copy(copy=copies[0], user=reviewer)
    coding.submit_copy(copy=copies[1], user=reviewer2)
    reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    client = client_for(adjudicator)
    content = exported(client, review, "extraction.consensus-wide", "xlsx").data
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    values = [c.value for c in sheet[2]]
    assert "'=HYPERLINK(1)" in values or "'=hyperlink(1)" in values
    assert sheet.freeze_panes == "A2"
    csv_text = exported(client, review, "extraction.consensus-long", "csv").data.decode()
    assert ",'=" in csv_text and ",=" not in csv_text


def test_xlsx_keeps_links_and_control_characters_as_text(review, copies, reviewer, client_for, exported):
    # Text pasted from a PDF can hold control characters that XLSX cannot store raw (openpyxl refused the
    # whole export); they are escaped, and a web address stays plain text, not a link.
    fill(copies[0], reviewer, {"country": "USA\x0bCanada", "trial_registration": "https://example.org/NCT1"})
    content = exported(client_for(reviewer), review, "extraction.raw-copies", "xlsx").data
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    cells = {
        r[header.index("field")]: sheet.cell(i, header.index("value") + 1)
        for i, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)
    }
    assert cells["trial_registration"].value == "https://example.org/NCT1"
    assert cells["trial_registration"].hyperlink is None
    # The standard escape, which Excel turns back into the character (openpyxl shows it as stored).
    assert cells["country"].value == "USA_x000B_Canada"


def test_dashboard_lists_extraction_work(review, copies, reviewer, client_for):
    page = client_for(reviewer).get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert "Studies to extract</a>: 1" in page


def test_consensus_and_form_pages_have_fixed_query_counts(
    review, copies, reviewer, reviewer2, adjudicator, viewer, owner, client_for, django_assert_max_num_queries
):
    submitted_pair(copies, reviewer, reviewer2)
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    for cv in consensus.values.filter(provenance=Provenance.PENDING):
        reconciliation.resolve_value(
            consensus_value=cv, user=adjudicator, revision=cv.revision, source=f"copy:{copies[0].pk}"
        )
    viewer_client, owner_client = client_for(viewer), client_for(owner)
    with django_assert_max_num_queries(10):
        page = viewer_client.get(url("consensus", review, copies[0].study.pk))
    html = page.content.decode()
    assert "from reviewer" in html and "History" in html
    with django_assert_max_num_queries(12):
        assert owner_client.get(url("form", review)).status_code == 200


def test_the_reconcile_page_counts_in_good_english(
    review, copies, reviewer, reviewer2, adjudicator, client_for
):
    submitted_pair(copies, reviewer, reviewer2)  # only the country differs
    html = client_for(adjudicator).get(url("reconcile", review, copies[0].study.pk)).content.decode()
    assert re.search(r"\d+ answers compared; 1 disagrees\.", html)


def test_study_list_offers_to_assign_every_unassigned_study(
    review, form_version, study, owner, reviewer, client_for
):
    html = client_for(owner).get(url("studies", review)).content.decode()
    assert f'<form method="post" action="{url("assign_all", review)}" class="row">' in html
    assert "<legend>Assign every unassigned study to</legend>" in html
    # Reviewers are ticked: they are the usual extractors.
    assert f'value="{reviewer.pk}" checked> {reviewer.username}</label>' in html
