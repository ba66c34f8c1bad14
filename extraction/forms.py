from __future__ import annotations

from django import forms

from extraction.constants import FieldLevel, FieldType
from extraction.models import FormField


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
