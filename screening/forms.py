from __future__ import annotations

from django import forms

from review.models import ExclusionReason, Review
from screening.constants import Verdict


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(choices=[(Verdict.INCLUDE, "Include"), (Verdict.EXCLUDE, "Exclude")])
    reason = forms.ModelChoiceField(
        queryset=ExclusionReason.objects.none(), required=False, label="Exclusion reason"
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why this decision (required unless an exclusion reason says it).",
    )

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.exclusion_reasons.filter(is_active=True)


class FullTextForm(forms.Form):
    # An empty file reaches the service, whose message names it.
    pdf = forms.FileField(required=False, allow_empty_file=True, label="Full-text PDF")
    not_retrieved = forms.BooleanField(required=False, label="Report could not be retrieved")
    note = forms.CharField(required=False)


class VotesImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV or XLSX with columns record, reviewer, stage, verdict, reason, note, time."
    )
