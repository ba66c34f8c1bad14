from __future__ import annotations

import copy as copy_module
import json

import pytest
from django.core.exceptions import ValidationError

from extraction import versions
from extraction.definitions import (
    diff_fields,
    export_definition,
    library_template,
    parse_json,
    validate_definition,
)
from extraction.kinds import EXTRACTION
from extraction.models import FormField, FormVersion

KETAMINE = library_template("ketamine_depression")


def test_the_ketamine_template_holds_what_the_issue_lists():
    fields = {f["key"]: f for f in validate_definition(KETAMINE)}
    for key in (
        "design",
        "country",
        "population",
        "age_mean",
        "female_percent",
        "n_randomised",
        "n_analysed",
        "ketamine_dose",
        "route",
        "infusion_minutes",
        "comparator",
        "change_mean",
        "change_sd",
        "change_n",
        "responders",
        "remitters",
        "cadss_peak",
        "biomarkers",
        "funding",
        "notes",
    ):
        assert key in fields, key
    assert fields["design"]["choices"] == ["Parallel", "Crossover"]
    assert fields["ketamine_dose"]["unit"] == "mg/kg"
    assert fields["n_randomised"]["level"] == "arm"
    assert fields["change_mean"]["level"] == "arm_outcome"  # mean, SD and n per arm of each outcome
    assert fields["scale"]["level"] == "outcome"
    assert "Naltrexone pre-treatment plus ketamine" in fields["comparator"]["choices"]
    assert "5-HT1B receptor binding (PET)" in fields["biomarkers"]["choices"]


def test_validation_names_every_problem_and_where():
    bad = copy_module.deepcopy(KETAMINE)
    bad["sections"][0]["fields"][0]["type"] = "float"
    bad["sections"][1]["fields"][1]["min"] = 200
    bad["sections"][1]["fields"][1]["max"] = 100
    bad["sections"][2]["fields"][0]["key"] = "design"
    bad["sections"][3]["fields"][0]["choices"] = []
    with pytest.raises(ValidationError) as caught:
        validate_definition(bad)
    messages = caught.value.messages
    assert (
        "sections[0].fields[0].type: “float” is not one of text, long_text, integer, decimal, choice, multi_choice, yes_no, date."
        in messages
    )
    assert "sections[1].fields[1]: min (200) is greater than max (100)." in messages
    assert "sections[2].fields[0].key: “design” is used twice." in messages
    assert any(m.startswith("sections[3].fields[0].choices: a choice field needs") for m in messages)


def test_broken_json_says_where():
    with pytest.raises(ValidationError, match=r"form\.json: not valid JSON at line 2, column 14"):
        parse_json('{"name": "x",\n "sections": ]}', file_name="form.json")


@pytest.mark.django_db
def test_an_invalid_import_changes_nothing(review, owner, form_version):
    before = (
        FormVersion.objects.count(),
        FormField.objects.count(),
        list(form_version.fields.values_list("key", "label")),
    )
    bad = copy_module.deepcopy(KETAMINE)
    bad["sections"][0]["fields"][0]["label"] = "Changed"
    bad["sections"][-1]["fields"].append({"key": "Bad Key", "label": "x", "type": "text"})
    with pytest.raises(ValidationError, match="must start with a lower-case letter"):
        versions.import_definition(kind=EXTRACTION, review=review, data=bad, user=owner)
    after = (
        FormVersion.objects.count(),
        FormField.objects.count(),
        list(form_version.fields.values_list("key", "label")),
    )
    assert after == before


@pytest.mark.django_db
def test_export_then_import_gives_the_same_form(review, owner, form_version):
    exported = export_definition(name="Ketamine for depression", fields=form_version.fields.in_order())
    text = json.dumps(exported)
    draft = versions.import_definition(kind=EXTRACTION, review=review, data=json.loads(text), user=owner)
    assert draft.number == 2
    assert export_definition(name="Ketamine for depression", fields=draft.fields.in_order()) == exported
    assert diff_fields(list(form_version.fields.in_order()), list(draft.fields.in_order())) == {
        "added": [],
        "removed": [],
        "changed": [],
    }
    assert exported["sections"] == KETAMINE["sections"] or len(exported["sections"]) == len(
        KETAMINE["sections"]
    )
