from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from extraction.coding import CellKey, CopyData, cell_key, check_coder_count
from extraction.comparison import parse_value
from extraction.constants import FieldLevel, FieldType
from extraction.kinds import FormKind
from extraction.models import ExtractionCopy, ExtractionForm, FormField
from review.models import Review, Study


class FieldForm(forms.ModelForm):
    """One question of a draft form, as the owner builds it in the browser."""

    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Choice and multiple-choice fields: one choice per line.",
    )

    class Meta:
        model = FormField
        fields = [
            "section",
            "label",
            "key",
            "field_type",
            "level",
            "required",
            "unit",
            "min_value",
            "max_value",
            "help_text",
            "position",
        ]
        widgets = {"help_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.choices and not self.is_bound:
            self.initial["choices"] = "\n".join(self.instance.choices)
        self.fields["field_type"].choices = FieldType.choices
        self.fields["level"].choices = FieldLevel.choices

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def field_data(self) -> dict:
        return dict(self.cleaned_data)


class ImportForm(forms.Form):
    file = forms.FileField(label="Form definition (JSON)")


class ArmsForm(forms.Form):
    arms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One arm per line, e.g. “Ketamine 0.5 mg/kg” and “Saline”.",
    )
    outcomes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One outcome per line: name | time point | measure, e.g. “MADRS | 24 h | change from baseline”.",
    )

    def clean_arms(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["arms"].splitlines() if line.strip()]

    def clean_outcomes(self) -> list[tuple[str, str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["outcomes"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) > 3 or not parts[0]:
                raise forms.ValidationError(
                    f"Line {number}: write “name | time point | measure” (time point and measure optional)."
                )
            rows.append((parts + ["", ""])[:3])
        return [tuple(r) for r in rows]


class CodersForm(forms.ModelForm):
    """How many people code each study of this form kind (owners set it on the form page)."""

    class Meta:
        model = ExtractionForm
        fields = ["coders_per_study"]


class TemplateForm(forms.Form):
    template = forms.ChoiceField(
        error_messages={"invalid_choice": "There is no such template for this form."}
    )

    def __init__(self, *args, kind: FormKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.slug: t for t in kind.templates}
        self.fields["template"].choices = [(t.slug, t.label) for t in kind.templates]


def cell_name(field, arm, outcome) -> str:
    """A cell's part of its inputs' names: v- value, c- comment, r- report, p- page."""
    return f"{field.pk}-{arm.pk if arm else 0}-{outcome.pk if outcome else 0}"


def cell_key_name(key: CellKey) -> str:
    """cell_name of a cell known by its key (field id, arm id or 0, outcome id or 0)."""
    return "-".join(str(part) for part in key)


class AnswerField(forms.Field):
    """One answer, read as the form's question says (numbers, ranges, choices); gives the canonical value."""

    def __init__(self, question: FormField, **kwargs):
        self.question = question
        widget = forms.SelectMultiple if question.field_type == FieldType.MULTI_CHOICE else forms.TextInput
        super().__init__(required=False, widget=widget, **kwargs)

    def clean(self, value: Any) -> Any:
        return parse_value(self.question, value)


class CopyForm(forms.Form):
    """A coder's answers as the copy page posts them. Only the cells posted are read: a page loaded before
    an arm was added does not blank the new cells."""

    def __init__(self, data, *, copy_data: CopyData):
        super().__init__(data)
        self.cell_keys: dict[str, CellKey] = {}
        reports = [("", "—")] + [(str(r.pk), r.short_citation) for r in copy_data.reports]
        for question, arm, outcome in copy_data.cells():
            name = cell_name(question, arm, outcome)
            if f"v-{name}" not in data:
                continue
            self.cell_keys[name] = cell_key(question.pk, arm and arm.pk, outcome and outcome.pk)
            self.fields[f"v-{name}"] = AnswerField(question)
            self.fields[f"c-{name}"] = forms.CharField(required=False)
            self.fields[f"r-{name}"] = forms.TypedChoiceField(
                choices=reports,
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": "That report does not belong to this study."},
            )
            self.fields[f"p-{name}"] = forms.CharField(required=False, max_length=50)

    def cell_errors(self) -> dict[CellKey, str]:
        errors: dict[CellKey, str] = {}
        for name, key in self.cell_keys.items():
            messages = [m for prefix in "vcrp" for m in self.errors.get(f"{prefix}-{name}", [])]
            if messages:
                errors[key] = " ".join(messages)
        return errors

    def entries(self) -> dict[CellKey, dict]:
        """The cells that are valid, as coding.save_copy takes them."""
        bad = self.cell_errors()
        return {
            key: {
                "value": self.cleaned_data[f"v-{name}"],
                "comment": self.cleaned_data[f"c-{name}"],
                "report": self.cleaned_data[f"r-{name}"],
                "page": self.cleaned_data[f"p-{name}"],
            }
            for name, key in self.cell_keys.items()
            if key not in bad
        }


class ConsensusValueForm(forms.Form):
    """A reconciler's choice for one consensus value: a coder's answer, or another value with a note."""

    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    source = forms.ChoiceField(
        error_messages={
            "required": "Choose one of the reviewers' values or enter another.",
            "invalid_choice": "Choose one of the reviewers' values or enter another.",
        }
    )
    value = forms.CharField(required=False)
    note = forms.CharField(required=False)

    def __init__(self, data, *, copies: list[ExtractionCopy]):
        super().__init__(data)
        self.fields["source"].choices = [(f"copy:{c.pk}", c.reviewer.username) for c in copies] + [
            ("entered", "Enter another value")
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("source") == "entered" and not cleaned.get("note"):
            self.add_error("note", "Say in a note why you entered another value.")
        return cleaned

    def message(self) -> str:
        return " ".join(m for messages in self.errors.values() for m in messages)

    def decision(self) -> dict[str, Any]:
        """The choice as reconciliation.resolve_value takes it."""
        data = self.cleaned_data
        return {
            "revision": data["revision"],
            "source": data["source"],
            "raw": data["value"],
            "note": data["note"],
        }


def coder_memberships(review: Review):
    """Who may be given a copy to fill: owners, reviewers and adjudicators (not viewers)."""
    return review.memberships.filter(Q(is_reviewer=True) | Q(is_owner=True) | Q(is_adjudicator=True))


class AssignForm(forms.Form):
    """The coders of a study (or of every unassigned study): as many as the form asks for."""

    reviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        error_messages={"invalid_choice": "Choose people with a writing role in this review."},
    )

    def __init__(self, data, *, review: Review, form: ExtractionForm | None, kind: FormKind):
        super().__init__(data)
        self.form, self.kind = form, kind
        self.fields["reviewers"].queryset = get_user_model().objects.filter(
            pk__in=coder_memberships(review).values("user_id")
        )
        self.fields["reviewers"].error_messages["required"] = f"Choose the {kind.coder}s."

    def clean_reviewers(self) -> list:
        reviewers = list(self.cleaned_data["reviewers"])
        if self.form is None:
            raise forms.ValidationError(f"Publish the {self.kind.noun} form before assigning studies.")
        check_coder_count(form=self.form, reviewers=reviewers)
        return reviewers


class ReportLinkForm(forms.Form):
    """The study of this review a report moves to."""

    study = forms.ModelChoiceField(
        queryset=Study.objects.none(),
        error_messages={
            "required": "Choose the study this report belongs to.",
            "invalid_choice": "Choose the study this report belongs to.",
        },
    )

    def __init__(self, data, *, review: Review):
        super().__init__(data)
        self.fields["study"].queryset = Study.objects.for_review(review)
