from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from extraction import coding, reconciliation, versions
from extraction.kinds import EXTRACTION
from extraction.models import FormField, Value

from .conftest import fill

pytestmark = pytest.mark.django_db


def test_published_versions_never_change(form_version):
    dose = form_version.fields.get(key="ketamine_dose")
    with pytest.raises(ValidationError, match="is published and cannot change"):
        versions.save_field(version=form_version, data={"label": "Dose"}, field=dose)
    with pytest.raises(ValidationError, match="is published and cannot change"):
        versions.remove_field(field=dose)
    dose.refresh_from_db()
    assert dose.label == "Ketamine dose"


def test_editing_makes_a_new_version_and_values_keep_their_field(form_version, copies, reviewer, owner):
    fill(copies[0], reviewer, {"ketamine_dose": "0.5", "country": "USA"})
    draft = versions.start_draft(form=form_version.form, user=owner)
    assert draft.number == 2 and not draft.is_published
    assert versions.start_draft(form=form_version.form, user=owner) == draft  # one draft at a time
    new_dose = draft.fields.get(key="ketamine_dose")
    versions.save_field(
        version=draft, data={"label": "Ketamine dose per kg", "max_value": Decimal(5)}, field=new_dose
    )
    versions.remove_field(field=draft.fields.get(key="country"))
    versions.save_field(
        version=draft,
        data={
            "key": "ketamine_form",
            "label": "Ketamine form",
            "section": "Intervention and comparator",
            "field_type": "choice",
            "level": "study",
            "choices": ["Racemic", "Esketamine"],
            "position": 99,
        },
    )
    versions.publish_version(version=draft, user=owner)

    changes = versions.version_changes(draft)
    assert [f.key for f in changes["added"]] == ["ketamine_form"]
    assert [f.key for f in changes["removed"]] == ["country"]
    [changed] = changes["changed"]
    assert changed["field"].key == "ketamine_dose"
    assert ("label", "Ketamine dose", "Ketamine dose per kg") in changed["changes"]
    assert ("maximum", Decimal(10), Decimal(5)) in changed["changes"]

    # The copy begun on version 1 keeps version 1 and its values keep their version 1 fields.
    copies[0].refresh_from_db()
    assert copies[0].version == form_version
    values = {v.field.key: v for v in Value.objects.filter(copy=copies[0]).select_related("field__version")}
    assert values["country"].field.version == form_version
    assert values["ketamine_dose"].value == "0.5"
    assert FormField.objects.filter(version=form_version, key="country").exists()


def test_an_invalid_field_edit_is_refused_and_nothing_changes(form_version, owner):
    draft = versions.start_draft(form=form_version.form, user=owner)
    design = draft.fields.get(key="design")
    with pytest.raises(ValidationError, match="a choice field needs"):
        versions.save_field(version=draft, data={"choices": []}, field=design)
    design.refresh_from_db()
    assert design.choices == ["Parallel", "Crossover"]
    with pytest.raises(ValidationError, match="is used twice"):
        versions.save_field(
            version=draft, data={"key": "design", "label": "Again", "section": "Design", "field_type": "text"}
        )


def test_new_assignments_use_the_latest_published_version(
    form_version, owner, make_study, reviewer, reviewer2
):
    draft = versions.start_draft(form=form_version.form, user=owner)
    versions.publish_version(version=draft, user=owner)
    copies = coding.assign_study(
        kind=EXTRACTION, study=make_study("Tiger, M", 2020), reviewers=[reviewer, reviewer2]
    )
    assert {c.version.number for c in copies} == {2}


def test_copies_on_different_versions_compare_by_field_key(
    form_version, owner, study, reviewer, reviewer2, client_for, review
):
    [first] = coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer])
    draft = versions.start_draft(form=form_version.form, user=owner)
    versions.save_field(
        version=draft, data={"label": "Dose of ketamine"}, field=draft.fields.get(key="ketamine_dose")
    )
    versions.publish_version(version=draft, user=owner)
    [second] = coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer2])
    assert (first.version.number, second.version.number) == (1, 2)
    fill(first, reviewer, {"design": "Crossover", "ketamine_dose": "0.5"})
    fill(second, reviewer2, {"design": "Crossover", "ketamine_dose": "0.50"})
    comparison = reconciliation.build_comparison(study=study, form=form_version.form)
    assert comparison.version == draft
    dose = next(r for r in comparison.rows if r.field.key == "ketamine_dose")
    assert dose.agree and dose.field.label == "Dose of ketamine"
    page = client_for(reviewer).get(f"/reviews/{review.slug}/extraction/copies/{first.pk}/").content.decode()
    assert "The form has a newer version (2)" in page
