from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from review.constants import ImportFormat, Role, SourceKind
from review.importers import ImportFormatError, check_size, delimited
from review.importers.detect import detect_format, read_head
from review.models import Review

User = get_user_model()

REVIEW_FIELDS = [
    "title",
    "question",
    "population",
    "intervention",
    "comparator",
    "outcomes",
    "inclusion_criteria",
    "exclusion_criteria",
    "reviewers_per_record_title_abstract",
    "reviewers_per_record_full_text",
    "reviewers_per_study_extraction",
    "maybe_counts_as_include",
    "reviewers_resolve_conflicts",
    "inclusion_keywords",
    "exclusion_keywords",
]


VOTES_NEEDED_HELP = (
    "Lowering it decides the records that already have enough votes; raising it leaves decided records as "
    "they are."
)


class ReviewForm(forms.ModelForm):
    exclusion_reasons = forms.CharField(
        label="Full-text exclusion reasons",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="One reason per line, in the order reviewers should see them.",
    )

    class Meta:
        model = Review
        fields = REVIEW_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "question",
                "population",
                "intervention",
                "comparator",
                "outcomes",
                "inclusion_criteria",
                "exclusion_criteria",
                "inclusion_keywords",
                "exclusion_keywords",
            ]
        }
        help_texts = {
            "reviewers_per_record_title_abstract": VOTES_NEEDED_HELP,
            "reviewers_per_record_full_text": VOTES_NEEDED_HELP,
        }

    def exclusion_reason_labels(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data.get("exclusion_reasons", "").splitlines()
            if line.strip()
        ]


class ReviewCreateForm(ReviewForm):
    class Meta(ReviewForm.Meta):
        fields = ["slug", *REVIEW_FIELDS]


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user called “{username}”.")
        return user


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.VIEWER],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A member with no role is a viewer (read only).",
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="RIS, PubMed MEDLINE (.nbib/.txt), BibTeX, EndNote XML, CSV or tab-delimited."
    )
    source_name = forms.CharField(
        max_length=200, help_text="PubMed, Embase (Ovid), ClinicalTrials.gov, citation searching…"
    )
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.DATABASE)
    date_searched = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    query = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="The search as run."
    )
    file_format = forms.ChoiceField(
        label="Format", choices=ImportFormat.choices, initial=ImportFormat.AUTO, required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size, file_name=upload.name)
        except ImportFormatError as error:
            raise forms.ValidationError(str(error)) from None
        return upload

    def clean(self):
        """The format, read from the start of the file only: a large upload stays on disk, unread,
        until the worker imports it."""
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        file_format = cleaned.get("file_format") or ImportFormat.AUTO
        try:
            head = read_head(upload, file_name=upload.name)
            if file_format == ImportFormat.AUTO:
                file_format = detect_format(head, file_name=upload.name)
        except ImportFormatError as error:
            self.add_error("file", str(error))
        else:
            cleaned["file_format"] = file_format
        return cleaned


class ColumnMappingForm(forms.Form):
    """One select per record field, offering the file's columns."""

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —"), *((c, c) for c in columns)]
        for field, label in delimited.FIELDS:
            self.fields[field] = forms.ChoiceField(label=label, choices=choices, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("title"):
            self.add_error("title", "Choose the column that holds the title.")
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {field: column for field, column in self.cleaned_data.items() if column}
