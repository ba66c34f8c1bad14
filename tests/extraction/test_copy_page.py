"""The copy page as a reviewer works in it: the study's PDFs beside the form, per-arm questions as a grid
with the arms as columns, one comment switch per section, and a refused submission listing the required
answers still empty."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from extraction import coding, versions
from extraction.constants import CopyStatus
from extraction.kinds import EXTRACTION
from extraction.models import Value
from review.models import Record
from screening.models import FullText

from .conftest import fill

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def url(name, review, *args):
    return reverse(f"extraction:{name}", args=[review.slug, EXTRACTION, *args])


def page(client, review, copy) -> str:
    response = client.get(url("copy", review, copy.pk))
    assert response.status_code == 200
    return response.content.decode()


def attach_pdf(record: Record) -> None:
    full_text = FullText(record=record, file_name="paper.pdf")
    full_text.pdf.save("paper.pdf", ContentFile(PDF))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_url(review, record) -> str:
    return reverse("screening:full_text_pdf", args=[review.slug, record.pk])


def test_without_a_pdf_the_page_says_so_and_shows_no_frame(review, copies, reviewer, client_for):
    html = page(client_for(reviewer), review, copies[0])
    assert "<iframe" not in html
    assert "No PDF of this study's report is uploaded yet" in html


def test_the_study_pdf_is_framed_beside_the_form(review, study, copies, reviewer, client_for, media):
    report = study.reports.get()
    attach_pdf(report)
    client = client_for(reviewer)
    html = page(client, review, copies[0])
    assert (
        f'<iframe name="copy-pdf" title="Full text of {report.short_citation}" src="{pdf_url(review, report)}"'
        in html
    )
    assert 'class="copy-layout with-pdf"' in html
    assert "pdf-chooser" not in html  # one report: nothing to choose
    # The frame's address serves the PDF, sandboxed, to this reviewer.
    served = client.get(pdf_url(review, report))
    assert served.status_code == 200 and served["Content-Security-Policy"].startswith("sandbox")


def test_several_reports_with_pdfs_get_a_chooser(review, study, copies, reviewer, client_for, media):
    first = study.reports.get()
    second = Record.objects.create(
        review=review, title="Follow-up at 12 weeks", authors=["Williams, N"], year=2019
    )
    second.study = study
    second.save()
    without_pdf = Record.objects.create(review=review, title="Protocol", authors=["Williams, N"], year=2017)
    without_pdf.study = study
    without_pdf.save()
    attach_pdf(first)
    attach_pdf(second)
    html = page(client_for(reviewer), review, copies[0])
    chooser = re.search(r'<ul class="pdf-chooser">(.*?)</ul>', html, re.S).group(1)
    targets = re.findall(r'href="([^"]+)" target="copy-pdf"', chooser)
    assert sorted(targets) == sorted([pdf_url(review, first), pdf_url(review, second)])
    assert pdf_url(review, without_pdf) not in html
    assert "js/extraction.js" in html


def test_a_copy_page_with_pdfs_still_costs_a_fixed_number_of_queries(
    review, study, copies, reviewer, client_for, media, django_assert_max_num_queries
):
    client = client_for(reviewer)
    with django_assert_max_num_queries(12) as few:
        client.get(url("copy", review, copies[0].pk))
    for year in (2019, 2020, 2021):
        record = Record.objects.create(
            review=review, title=f"Report {year}", authors=["Williams, N"], year=year
        )
        record.study = study
        record.save()
        attach_pdf(record)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("copy", review, copies[0].pk))


def test_per_arm_questions_are_a_grid_with_arms_as_columns(review, copies, reviewer, client_for):
    fill(
        copies[0],
        reviewer,
        {("n_randomised", "Ketamine"): "20", ("change_mean", "MADRS", "Saline"): "-4"},
        arms=["Ketamine", "Saline"],
        outcomes=[("MADRS", "24 h", "change from baseline")],
    )
    html = page(client_for(reviewer), review, copies[0])
    grids = re.findall(r'<table class="arm-grid">(.*?)</table>', html, re.S)
    assert len(grids) == 3  # Population, Intervention and comparator, Outcomes
    population = grids[0]
    head = re.search(r"<thead>(.*?)</thead>", population, re.S).group(1)
    assert re.findall(r'<th scope="col">([^<]*)</th>', head) == ["Question", "Ketamine", "Saline"]
    rows = re.findall(r'<th scope="row">([^<]*)', population)
    assert [r.strip() for r in rows] == ["N randomised", "N analysed"]
    # Each input keeps a label of its own (visually hidden), naming the question and the arm.
    data = coding.load_copy(copies[0])
    n_randomised = next(f for f in data.fields if f.key == "n_randomised")
    ketamine = next(a for a in data.arms if a.name == "Ketamine")
    name = f"v-{n_randomised.pk}-{ketamine.pk}-0"
    assert f'<label for="{name}" class="visually-hidden">N randomised — Ketamine</label>' in population
    assert re.search(rf'id="{name}" name="{name}" value="20"', population)
    # Results per arm of each outcome: the outcome heads its rows.
    outcomes = grids[2]
    assert (
        'class="outcome-row"><th scope="rowgroup" colspan="3">MADRS (24 h), change from baseline' in outcomes
    )
    assert "Change from baseline, mean — MADRS (24 h) — Saline" in outcomes
    # A question asked once per study stays a labelled field, not a grid row.
    design = next(f for f in data.fields if f.key == "design")
    assert f'<label for="v-{design.pk}-0-0">Design' in html


def test_without_arms_per_arm_questions_ask_for_them(review, copies, reviewer, client_for):
    html = page(client_for(reviewer), review, copies[0])
    assert '<table class="arm-grid">' not in html
    assert "Add the arms above to answer this per arm." in html


def test_one_comment_switch_per_section_open_where_a_comment_exists(review, copies, reviewer, client_for):
    data = coding.load_copy(copies[0])
    country = next(f for f in data.fields if f.key == "country")
    coding.save_copy(
        copy=copies[0],
        user=reviewer,
        entries={coding.cell_key(country.pk, None, None): {"value": "USA", "comment": "Methods, p. 2"}},
    )
    html = page(client_for(reviewer), review, copies[0])
    switches = re.findall(
        r'<input type="checkbox" id="comments-\d+" class="comment-toggle"( checked)?>', html
    )
    sections = len({f.section for f in data.fields})
    assert len(switches) == sections == 5
    assert switches[0] == " checked" and not any(switches[1:])  # Design holds the comment
    assert "<details" not in html.split('id="copy-form"')[1]  # no toggle per field any more
    # Comments stay per answer.
    assert f'id="c-{country.pk}-0-0" name="c-{country.pk}-0-0" value="Methods, p. 2"' in html
    assert re.search(rf'<div class="cell has-comment">\s*<label for="v-{country.pk}-0-0">', html)


def test_submitting_with_required_answers_empty_lists_them_and_changes_nothing(
    review, copies, reviewer, client_for
):
    client = client_for(reviewer)
    data = coding.load_copy(copies[0])
    design = next(f for f in data.fields if f.key == "design")
    country = next(f for f in data.fields if f.key == "country")
    response = client.post(
        url("copy", review, copies[0].pk),
        {f"v-{design.pk}-0-0": "", f"v-{country.pk}-0-0": "USA", "action": "submit"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not submitted: 1 required answer still empty" in html
    assert f'<li><a href="#v-{design.pk}-0-0">Design</a></li>' in html
    assert (
        f'id="err-{design.pk}-0-0" class="field-error" role="alert">Required: answer this to submit.' in html
    )
    copies[0].refresh_from_db()
    assert copies[0].status == CopyStatus.DRAFT and copies[0].submitted_at is None
    # What was typed stays as the draft (drafts may be incomplete).
    assert {v.field.key: v.value for v in Value.objects.filter(copy=copies[0]).select_related("field")} == {
        "country": "USA"
    }
    # Answered, it goes through.
    response = client.post(
        url("copy", review, copies[0].pk), {f"v-{design.pk}-0-0": "Parallel", "action": "submit"}
    )
    assert response.status_code == 302
    copies[0].refresh_from_db()
    assert copies[0].status == CopyStatus.SUBMITTED


def test_the_service_names_each_missing_answer_at_its_cell(review, study, owner, reviewer, reviewer2):
    definition = {
        "name": "Small",
        "sections": [
            {
                "title": "Arms",
                "fields": [
                    {"key": "design", "label": "Design", "type": "text", "required": True},
                    {
                        "key": "n",
                        "label": "N randomised",
                        "type": "integer",
                        "level": "arm",
                        "required": True,
                    },
                ],
            }
        ],
    }
    versions.import_definition(kind=EXTRACTION, review=review, data=definition, user=owner, publish=True)
    copy, _ = coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, reviewer2])
    fill(copy, reviewer, {("n", "Saline"): "10"}, arms=["Ketamine", "Saline"])
    history_before = Value.history.count()
    with pytest.raises(coding.MissingAnswers) as refused:
        coding.submit_copy(copy=copy, user=reviewer)
    data = coding.load_copy(copy)
    by_key = {f.key: f for f in data.fields}
    ketamine = next(a for a in data.arms if a.name == "Ketamine")
    assert [(m.key, m.label) for m in refused.value.missing] == [
        ((by_key["design"].pk, 0, 0), "Design"),
        ((by_key["n"].pk, ketamine.pk, 0), "N randomised (Ketamine)"),
    ]
    assert refused.value.messages == ["Answer the required questions first: Design, N randomised (Ketamine)."]
    copy.refresh_from_db()
    assert copy.status == CopyStatus.DRAFT
    assert Value.history.count() == history_before


def test_the_study_page_links_each_report_pdf(review, study, copies, adjudicator, client_for, media):
    report = study.reports.get()
    client = client_for(adjudicator)
    study_url = url("study", review, study.pk)
    assert pdf_url(review, report) not in client.get(study_url).content.decode()
    attach_pdf(report)
    html = client.get(study_url).content.decode()
    assert f'<a href="{pdf_url(review, report)}" target="_blank" rel="noopener">PDF' in html
