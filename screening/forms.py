from __future__ import annotations

from django import forms

from review.models import ExclusionReason, Review
from screening.constants import FinalVerdict, Verdict


class VoteForm(forms.Form):
    """A reviewer's vote on the record on screen. Whether the vote is allowed (her role, the record's state)
    is decided by services.cast_vote; the form only reads the request."""

    verdict = forms.ChoiceField(
        choices=Verdict.choices,
        error_messages={
            "required": "Choose include, exclude or maybe.",
            "invalid_choice": "Unknown verdict “%(value)s”; use include, exclude or maybe.",
        },
    )
    reason = forms.ModelChoiceField(
        queryset=ExclusionReason.objects.none(),
        required=False,
        error_messages={"invalid_choice": "That exclusion reason is not in this review's list."},
    )
    note = forms.CharField(required=False)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        # A reason retired from the list still identifies a vote that gave it (votes may be changed).
        self.fields["reason"].queryset = review.exclusion_reasons.all()


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(choices=FinalVerdict.choices)
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
