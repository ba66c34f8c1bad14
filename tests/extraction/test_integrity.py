"""Integrity of the dual-coding workflow: pages that only read write nothing, blinding covers how far the other
coders are, a reconciled study takes no new coder, bad form files get a message instead of a 500, every
write goes through a Django form, and the admin cannot change what the workflow audits."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from extraction import coding, exports, reconciliation, versions
from extraction.kinds import EXTRACTION
from extraction.models import Consensus, ExtractionCopy, FormField, FormVersion, Value

from .conftest import fill

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def url(name, review, *args) -> str:
    return reverse(f"extraction:{name}", args=[review.slug, EXTRACTION, *args])


def submit(copy, user, answers: dict) -> None:
    fill(copy, user, answers)
    coding.submit_copy(copy=copy, user=user)


def writes(queries) -> list[str]:
    """Writes to the app's tables (a session refresh is not the page's doing)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0] in WRITES and "django_session" not in q["sql"]
    ]


# ---------------------------------------------------------------- no writes on GET


def test_no_page_writes_on_get(review, copies, reviewer, reviewer2, adjudicator, owner, client_for):
    submit(copies[0], reviewer, {"design": "Crossover", "country": "USA"})
    submit(copies[1], reviewer2, {"design": "Crossover", "country": "UK"})
    study = copies[0].study
    pages = [
        (adjudicator, url("studies", review)),
        (adjudicator, url("study", review, study.pk)),
        (adjudicator, url("copy", review, copies[0].pk)),
        (adjudicator, url("reconcile", review, study.pk)),
        (owner, url("form", review)),
        (owner, url("form_export", review)),
        (reviewer, reverse("review:dashboard", args=[review.slug])),
    ]
    for user, address in pages:
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200, address
        assert writes(queries) == [], address
    assert not Consensus.objects.exists()
    assert client_for(adjudicator).get(url("consensus", review, study.pk)).status_code == 404


def test_the_consensus_starts_by_a_post_and_only_for_reconcilers(
    review, copies, reviewer, reviewer2, adjudicator, viewer, outsider, client_for
):
    study = copies[0].study
    start = url("consensus_start", review, study.pk)
    assert client_for(adjudicator).post(start).status_code == 302  # copies still drafts: refused
    assert not Consensus.objects.exists()
    submit(copies[0], reviewer, {"design": "Crossover"})
    submit(copies[1], reviewer2, {"design": "Crossover"})
    assert client_for(outsider).post(start).status_code == 404
    assert client_for(viewer).post(start).status_code == 403
    assert client_for(reviewer).post(start).status_code == 403
    assert client_for(adjudicator).get(start).status_code == 405
    assert not Consensus.objects.exists()
    response = client_for(adjudicator).post(start)
    assert response["Location"] == url("reconcile", review, study.pk)
    assert Consensus.objects.get().created_by == adjudicator


# ---------------------------------------------------------------- blinding of progress


def _without_tokens(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", html)  # CSRF tokens, in forms and in hx-headers


def test_a_coders_pages_do_not_change_when_another_coder_submits(
    review, copies, reviewer, reviewer2, adjudicator, client_for
):
    fill(copies[0], reviewer, {"design": "Parallel"})
    fill(copies[1], reviewer2, {"design": "Crossover"})
    client = client_for(reviewer)
    study = copies[0].study
    addresses = [
        url("studies", review),
        url("study", review, study.pk),
        url("copy", review, copies[0].pk),
        reverse("review:dashboard", args=[review.slug]),
    ]

    def seen() -> list:
        pages = [_without_tokens(client.get(a).content.decode()) for a in addresses]
        return [
            *pages,
            list(exports.raw_copies_table(review=review, user=reviewer, kind=EXTRACTION).as_dicts()),
        ]

    before = seen()
    coding.submit_copy(copy=copies[1], user=reviewer2)
    assert seen() == before
    assert "2 assigned" in before[0] and "reviewer2: Assigned" in before[1]
    # A reconciler follows the progress.
    assert "1 of 2 submitted" in client_for(adjudicator).get(url("studies", review)).content.decode()


# ---------------------------------------------------------------- the late-assigned extractor (issue 14)


def test_a_reconciled_study_takes_no_new_extractor(
    review, copies, reviewer, reviewer2, adjudicator, owner, client_for
):
    submit(copies[0], reviewer, {"design": "Crossover"})
    submit(copies[1], reviewer2, {"design": "Parallel"})
    study = copies[0].study
    reconciliation.start_consensus(study=study, form=copies[0].form, user=adjudicator)
    with pytest.raises(ValidationError, match="Williams 2018 is already reconciled, so nobody can be added"):
        coding.assign_study(study=study, kind=EXTRACTION, reviewers=[adjudicator])
    # Through the page too, with the message, and nothing changes.
    response = client_for(owner).post(
        url("study_assign", review, study.pk), {"reviewers": [reviewer2.pk, adjudicator.pk]}, follow=True
    )
    assert "already reconciled, so nobody can be added to it: adjudicator would read its consensus" in (
        response.content.decode()
    )
    assert not ExtractionCopy.objects.filter(reviewer=adjudicator).exists()
    # Its coders may be named again (nothing new).
    assert coding.assign_study(study=study, kind=EXTRACTION, reviewers=[reviewer, reviewer2]) == copies


def test_assigning_needs_the_forms_number_of_extractors(
    review, form_version, study, owner, reviewer, client_for
):
    response = client_for(owner).post(
        url("study_assign", review, study.pk), {"reviewers": [reviewer.pk]}, follow=True
    )
    assert "Choose 2 extractors" in response.content.decode()
    assert not ExtractionCopy.objects.exists()
    versions.set_coders_per_study(review=review, kind=EXTRACTION, coders=1)
    client_for(owner).post(url("study_assign", review, study.pk), {"reviewers": [reviewer.pk]})
    assert ExtractionCopy.objects.get().reviewer == reviewer


# ---------------------------------------------------------------- coders per study: a setting of the form


def test_owners_set_the_number_of_coders_on_the_form_page(review, form_version, owner, reviewer, client_for):
    settings_page = client_for(owner).get(reverse("review:settings", args=[review.slug])).content.decode()
    assert "extractors per study" not in settings_page
    form_page = client_for(owner).get(url("form", review)).content.decode()
    assert 'name="coders_per_study"' in form_page
    assert client_for(reviewer).post(url("form_coders", review), {"coders_per_study": "3"}).status_code == 403
    assert (
        "Each study is done by 2 extractors" in client_for(reviewer).get(url("form", review)).content.decode()
    )
    response = client_for(owner).post(url("form_coders", review), {"coders_per_study": "9"}, follow=True)
    assert "Ensure this value is less than or equal to 3." in response.content.decode()
    form_version.form.refresh_from_db()
    assert form_version.form.coders_per_study == 2


# ---------------------------------------------------------------- Django forms on every write


def test_a_consensus_choice_is_read_by_a_form(review, copies, reviewer, reviewer2, adjudicator, client_for):
    submit(copies[0], reviewer, {"design": "Crossover", "country": "USA"})
    submit(copies[1], reviewer2, {"design": "Crossover", "country": "UK"})
    consensus = reconciliation.start_consensus(study=copies[0].study, form=copies[0].form, user=adjudicator)
    country = consensus.values.get(field__key="country")
    client = client_for(adjudicator)
    address = url("consensus_value", review, country.pk)
    htmx = {"HX-Request": "true"}
    cases = [
        ({"revision": "0", "source": "copy:999999"}, "Choose one of the reviewers' values or enter another."),
        (
            {"revision": "0", "source": "entered", "value": "US"},
            "Say in a note why you entered another value.",
        ),
        ({"source": f"copy:{copies[0].pk}"}, "This field is required."),
    ]
    for data, message in cases:
        response = client.post(address, data, headers=htmx)
        assert response.status_code == 400 and escape(message) in response.content.decode(), data
    country.refresh_from_db()
    assert (country.value, country.revision) == (None, 0)


def test_a_copy_is_read_by_a_form(review, study, copies, make_study, reviewer, client_for):
    other_report = make_study("Tiger, M", 2020).reports.get()
    country = next(f for f in coding.load_copy(copies[0]).fields if f.key == "country")
    name = f"{country.pk}-0-0"
    response = client_for(reviewer).post(
        url("copy", review, copies[0].pk),
        {f"v-{name}": "Sweden", f"p-{name}": "9" * 51, f"r-{name}": str(other_report.pk), "action": "save"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "That report does not belong to this study." in html
    assert "Ensure this value has at most 50 characters (it has 51)." in html
    assert not Value.objects.exists()


# ---------------------------------------------------------------- form files that gave a 500 (issue 14)


def _definition(**field) -> bytes:
    item = {"key": "n", "label": "N", "type": "integer", **field}
    return json.dumps({"name": "Form", "sections": [{"title": "A", "fields": [item]}]}).encode()


HOSTILE_FORMS = {
    "1e100000 as a number": (
        _definition().replace(b'"type": "integer"', b'"type": "integer", "max": 1e100000'),
        "sections[0].fields[0].max: “1E+100000” does not fit: at most 14 digits before the decimal point and 6 after.",
    ),
    "1e100000 as text": (_definition(min="1e100000"), "sections[0].fields[0].min: “1e100000” does not fit"),
    "30 digits": (
        _definition().replace(b'"type": "integer"', b'"type": "integer", "max": ' + b"9" * 30),
        "sections[0].fields[0].max: “999999999999999999999999999999” does not fit",
    ),
    "a decimal too precise": (
        _definition(min=0.1234567),
        "sections[0].fields[0].min: “0.1234567” does not fit",
    ),
    "100,000 nested brackets": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "a 5,000-digit integer": (
        _definition().replace(b'"type": "integer"', b'"type": "integer", "min": ' + b"7" * 5000),
        "sections[0].fields[0].min: “7777777777777777777777777777777777777777… (5,000 characters)” does not fit",
    ),
    "a 100,000-character label": (
        _definition(label="L" * 100_000),
        "sections[0].fields[0].label: at most 300 characters, not 100,000.",
    ),
    "a 100,000-character key": (_definition(key="k" * 100_000), "(100,000 characters)” must start with"),
    "a key ending in a new line": (_definition(key="dose\n"), "must start with a lower-case letter"),
    "a 100,000-character form name": (
        json.dumps({"name": "N" * 100_000, "sections": []}).encode(),
        "name: at most 200 characters, not 100,000.",
    ),
    "NaN": (
        _definition().replace(b'"type": "integer"', b'"type": "integer", "min": NaN'),
        "NaN is not a number",
    ),
}


@pytest.mark.parametrize("case", HOSTILE_FORMS)
def test_a_hostile_form_file_gets_a_message_and_stores_nothing(case, review, owner, form_version, client_for):
    content, message = HOSTILE_FORMS[case]
    client = client_for(owner)
    before = (FormVersion.objects.count(), FormField.objects.count())
    upload = io.BytesIO(content)
    upload.name = "form.json"
    page = client.post(url("form_import", review), {"file": upload}, follow=True)
    assert page.status_code == 200
    [said] = re.findall(r"form\.json was not imported, nothing changed: [^<]*", page.content.decode())
    assert message in said, said
    assert len(said) < 500  # the message quotes the value, not the whole of it
    assert (FormVersion.objects.count(), FormField.objects.count()) == before
    assert client.get(url("form", review)).status_code == 200


# ---------------------------------------------------------------- form fields: history and the admin


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True, is_superuser=True)


def test_form_fields_keep_their_history(form_version, owner):
    dose = form_version.fields.get(key="ketamine_dose")
    assert dose.history.get().history_type == "+" and dose.history.get().history_user == owner
    draft = versions.start_draft(form=form_version.form, user=owner)
    assert FormField.history.filter(version_id=draft.pk).count() == draft.fields.count()
    new_dose = draft.fields.get(key="ketamine_dose")
    versions.save_field(version=draft, data={"label": "Dose of ketamine"}, field=new_dose)
    assert list(new_dose.history.order_by("history_date").values_list("history_type", "label")) == [
        ("+", "Ketamine dose"),
        ("~", "Dose of ketamine"),
    ]


def test_form_fields_and_their_history_are_shown_read_only_in_the_admin(form_version, staff, client_for):
    client = client_for(staff)
    dose = form_version.fields.get(key="ketamine_dose")
    page = client.get(reverse("admin:extraction_formfield_change", args=[dose.pk]))
    assert page.status_code == 200 and 'name="label"' not in page.content.decode()
    history = client.get(reverse("admin:extraction_formfield_history", args=[dose.pk]))
    assert history.status_code == 200 and "owner" in history.content.decode()
    change = reverse("admin:extraction_formfield_change", args=[dose.pk])
    assert client.post(change, {"label": "Changed", "key": dose.key}).status_code == 403
    dose.refresh_from_db()
    assert dose.label == "Ketamine dose"


def test_linking_a_report_reads_the_study_with_a_form(review, study, make_study, reviewer, client_for):
    other = make_study("Tiger, M", 2020)
    report = other.reports.get()
    for target in ("", "nonsense", "999999"):
        page = client_for(reviewer).post(
            url("report_link", review, report.pk), {"study": target}, follow=True
        )
        assert "Choose the study this report belongs to." in page.content.decode(), target
    report.refresh_from_db()
    assert report.study_id == other.pk
