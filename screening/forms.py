from __future__ import annotations

from django import forms

from review.constants import Stage
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
    """An adjudicator's final decision on a conflict. Nothing is chosen beforehand (a default would be a
    decision nobody took); exclusion reasons are offered at full text only, where PRISMA counts them."""

    decision = forms.ChoiceField(choices=[("", "Choose include or exclude"), *FinalVerdict.choices])
    reason = forms.ModelChoiceField(
        queryset=ExclusionReason.objects.none(),
        required=False,
        label="Exclusion reason",
        empty_label="(none)",
        error_messages={"invalid_choice": "That exclusion reason is not in this review's list."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why this decision (required unless an exclusion reason says it).",
    )

    def __init__(self, *args, review: Review, stage: str = Stage.FULL_TEXT, **kwargs):
        super().__init__(*args, **kwargs)
        if stage == Stage.FULL_TEXT:
            self.fields["reason"].queryset = review.exclusion_reasons.filter(is_active=True)
        else:
            del self.fields["reason"]
            self.fields["note"].help_text = "Why this decision (required)."

    def clean(self):
        data = super().clean()
        # The service refuses it too; said here, the message stands at the note, where it is mended.
        if not (data.get("note") or "").strip() and not data.get("reason") and "note" not in self.errors:
            self.add_error("note", "Give a reason for the decision (a note, or an exclusion reason).")
        return data

    def decision_arguments(self) -> dict:
        """The cleaned data as screening.services.resolve_conflict names it."""
        data = self.cleaned_data
        return {"verdict": data["decision"], "reason": data.get("reason"), "note": data["note"]}


class FullTextForm(forms.Form):
    # An empty file reaches the service, whose message names it.
    pdf = forms.FileField(required=False, allow_empty_file=True, label="Full-text PDF")
    not_retrieved = forms.BooleanField(required=False, label="Report could not be retrieved")
    note = forms.CharField(required=False)
