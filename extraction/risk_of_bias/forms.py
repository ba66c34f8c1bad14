from __future__ import annotations

from django import forms

from extraction.risk_of_bias.models import AssessedResult
from extraction.rob import load_tool, tool_keys
from extraction.rob.plots import PALETTES, SCALES


def tool_choices(keys: list[str] | None = None) -> list[tuple[str, str]]:
    return [(key, load_tool(key).name) for key in (tool_keys() if keys is None else keys)]


class ToolsForm(forms.Form):
    """The tools the review's risk-of-bias form holds (owners choose them once; more can be added)."""

    tools = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one tool.",
            "invalid_choice": "“%(value)s” is not a tool the project ships.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tools"].choices = tool_choices()


class ResultForm(forms.ModelForm):
    """A result to assess: an outcome of the study at a time point, and the tool for it."""

    class Meta:
        model = AssessedResult
        fields = ["outcome", "time_point", "tool", "weight"]
        help_texts = {
            "outcome": "As the study's extraction names it where it has one, e.g. “MADRS”.",
            "time_point": "e.g. “24 hours”.",
            "weight": "Optional: the result's weight (e.g. in the meta-analysis) for the weighted summary plot.",
        }

    def __init__(self, *args, tools: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"] = forms.ChoiceField(
            choices=tool_choices(tools),
            label="Tool (design and effect of interest)",
            error_messages={"invalid_choice": "Choose one of the review's tools."},
        )
        self.fields["outcome"].widget.attrs["list"] = "outcome-names"
        self.fields["weight"].validators.append(_not_negative)


def _not_negative(value) -> None:
    if value is not None and value < 0:
        raise forms.ValidationError("A weight is 0 or more.")


class WeightForm(forms.ModelForm):
    class Meta:
        model = AssessedResult
        fields = ["weight"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].validators.append(_not_negative)


class PlotForm(forms.Form):
    """The options of a plot's address: ?scale=rob2&palette=colourblind&weighted=1&download=1."""

    scale = forms.ChoiceField(choices=[(key, key) for key in SCALES], required=False)
    palette = forms.ChoiceField(choices=[(key, key) for key in PALETTES], required=False)
    weighted = forms.BooleanField(required=False)
    download = forms.BooleanField(required=False)

    def clean_scale(self) -> str:
        return self.cleaned_data["scale"] or "rob2"

    def clean_palette(self) -> str:
        return self.cleaned_data["palette"] or "default"

    def message(self) -> str:
        return " ".join(f"{name}: {m}" for name, errors in self.errors.items() for m in errors)
