from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from review import services
from review.constants import ImportFormat, OtherMethod, RemovalKind, Role, SourceKind
from review.importers import ImportFormatError, check_size, delimited
from review.importers.detect import detect_format, read_head
from review.managers import RecordQuerySet
from review.models import Label, Membership, Record, Review, Search
from review.records import ORIGIN_CHOICES, SORTS, RecordFilter, identified_via, search_records

User = get_user_model()

# The protocol's free-text parts (PICO and eligibility) and the highlighting keywords: each a textarea.
PROTOCOL_FIELDS = [
    "question",
    "population",
    "intervention",
    "comparator",
    "outcomes",
    "inclusion_criteria",
    "exclusion_criteria",
]
KEYWORD_FIELDS = ["inclusion_keywords", "exclusion_keywords"]
REVIEW_FIELDS = [
    "title",
    *PROTOCOL_FIELDS,
    "reviewers_per_record_title_abstract",
    "reviewers_per_record_full_text",
    "maybe_counts_as_include",
    "reviewers_resolve_conflicts",
    *KEYWORD_FIELDS,
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
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in PROTOCOL_FIELDS + KEYWORD_FIELDS}
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

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        services.check_review_slug(slug)
        return slug


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user called “{username}”.")
        return user


class RestoreMemberForm(forms.Form):
    """Undo a removal from the team: `removal` is the membership's history row written when it was deleted."""

    removal = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review

    def clean_removal(self):
        removal = (
            Membership.history.filter(
                history_id=self.cleaned_data["removal"], review_id=self.review.pk, history_type="-"
            )
            .select_related("user")
            .first()
        )
        if removal is None or removal.user is None:
            raise forms.ValidationError("There is no such removal to undo in this review.")
        if not removal.user.is_active:
            raise forms.ValidationError(f"{removal.user.username} is deactivated and cannot be added back.")
        if Membership.objects.filter(review=self.review, user_id=removal.user_id).exists():
            raise forms.ValidationError(f"{removal.user.username} is already in the team again.")
        return removal


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
    other_method = forms.ChoiceField(
        label="Other method",
        choices=[("", "—"), *OtherMethod.choices],
        required=False,
        help_text="For a source of kind “other method”: websites, organisations or citation searching "
        "(the PRISMA 2020 line it counts in).",
    )
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
        self._check_other_method(cleaned)
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

    def _check_other_method(self, cleaned: dict) -> None:
        # PRISMA counts another method's records on one of three lines: which one is the uploader's to say.
        kind, method = cleaned.get("kind"), cleaned.get("other_method")
        if kind == SourceKind.OTHER and not method:
            self.add_error(
                "other_method", "Choose the other method: websites, organisations or citation searching."
            )
        elif kind and kind != SourceKind.OTHER and method:
            self.add_error("other_method", "Only a source of kind “other method” has an other method.")
        cleaned["other_method"] = method or OtherMethod.CITATION


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


# The record list: filters, bulk actions, labels -------------------------------------------------------

DUPLICATE_FILTERS = [
    ("all", "All records"),
    ("unique", "Unique records"),
    ("duplicates", "Duplicates"),
    ("waiting", "Possible duplicates waiting for a person"),
]
REMOVAL_FILTERS = [
    ("", "Any"),
    ("kept", "Not removed"),
    ("removed", "Removed before screening"),
    *RemovalKind.choices,
]


class _ProblemsMixin:
    def problems(self) -> list[str]:
        """Every error as one sentence naming its field, for a message above the list."""
        return [
            error if name == "__all__" else f"{self.fields[name].label or name.title()}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        ]


class _SearchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, search: Search) -> str:
        when = f", {search.date_searched:%d %b %Y}" if search.date_searched else ""
        return f"{search.source_name} ({search.get_kind_display().lower()}{when})"


class _SearchesField(forms.ModelMultipleChoiceField):
    """Several searches (`?searches=1&searches=2`): a source searched twice under one name is one line of
    the PRISMA diagram. Set by the diagram's links, kept as hidden inputs, shown and cleared as a chip."""

    label_from_instance = _SearchChoiceField.label_from_instance

    def clean(self, value):
        return list(super().clean(value))


class RecordListForm(_ProblemsMixin, forms.Form):
    """The record list's search, filters and sort, read from the query string. Other apps' filters (the
    screening status at each stage) come as review.records.RecordFilter objects."""

    q = forms.CharField(label="Search", required=False, max_length=500, widget=forms.SearchInput)
    source = _SearchChoiceField(queryset=Search.objects.none(), required=False, empty_label="All sources")
    searches = _SearchesField(
        queryset=Search.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    origin = forms.ChoiceField(label="Identified via", choices=[("", "Any"), *ORIGIN_CHOICES], required=False)
    show = forms.ChoiceField(label="Duplicates", choices=DUPLICATE_FILTERS, required=False)
    removal = forms.ChoiceField(label="Removal", choices=REMOVAL_FILTERS, required=False)
    label = forms.ModelChoiceField(queryset=Label.objects.none(), required=False, empty_label="Any label")
    sort = forms.ChoiceField(label="Sort", choices=[(k, s.label) for k, s in SORTS.items()], required=False)

    def __init__(self, data, *, review: Review, app_filters: list[RecordFilter]):
        # Its own ids: the record list also holds the action form, which has a "label" field too.
        super().__init__(data, auto_id="filter-%s")
        self.review = review
        self.fields["source"].queryset = Search.objects.for_review(review)
        self.fields["searches"].queryset = Search.objects.for_review(review)
        self.fields["label"].queryset = Label.objects.for_review(review)
        self.app_filters = {f.name: f for f in app_filters if self._offers(f)}
        for app_filter in self.app_filters.values():
            choices = app_filter.choices() if callable(app_filter.choices) else app_filter.choices
            self.fields[app_filter.name] = forms.ChoiceField(
                label=app_filter.label, choices=[("", "Any"), *choices], required=False
            )

    def _offers(self, app_filter: RecordFilter) -> bool:
        if app_filter.narrows is None or self.data.get(app_filter.name):
            return True
        narrowed, choice = app_filter.narrows
        return self.data.get(narrowed) == choice

    def value(self, name: str):
        """The cleaned value, or nothing when that field was invalid (the others still apply)."""
        return self.cleaned_data.get(name) if name not in self.errors else None

    def apply(self, records: RecordQuerySet) -> RecordQuerySet:
        self.is_valid()
        records = search_records(
            records, self.value("q") or "", unindexed=self.review.records_awaiting_search_index > 0
        )
        if source := self.value("source"):
            records = records.filter(search=source)
        if searches := self.value("searches"):
            records = records.filter(search__in=searches)
        if origin := self.value("origin"):
            records = identified_via(records, origin)
        show = self.value("show")
        if show == "unique":
            records = records.unique()
        elif show == "duplicates":
            records = records.duplicates()
        elif show == "waiting":
            records = records.awaiting_duplicate_decision()
        removal = self.value("removal")
        if removal == "kept":
            records = records.not_removed()
        elif removal == "removed":
            records = records.removed()
        elif removal in RemovalKind.values:
            records = records.removed(kind=removal)
        if label := self.value("label"):
            records = records.labelled(label)
        for name, app_filter in self.app_filters.items():
            if choice := self.value(name):
                records = app_filter.apply(records, choice)
        return records

    @property
    def sort_name(self) -> str:
        return self.value("sort") or "id"

    @property
    def is_filtered(self) -> bool:
        return any(_in_use(self.value(name)) for name in self.fields if name != "sort")

    def chips(self) -> list[tuple[str, str]]:
        """(field name, "Label: choice") for every filter in use, so the page shows each one (a link from
        the PRISMA diagram sets several at once) with a way to clear it."""
        chips = []
        for name, field in self.fields.items():
            value = self.value(name)
            if name in ("q", "sort") or not _in_use(value):
                continue
            if isinstance(field, _SearchesField):
                shown = "; ".join(field.label_from_instance(search) for search in value)
            elif isinstance(field, forms.ModelChoiceField):
                shown = field.label_from_instance(value)
            else:
                shown = dict(field.choices).get(value, value)
            chips.append((name, f"{field.label or name.title()}: {shown}"))
        return chips


def _in_use(value) -> bool:
    """Whether a filter's cleaned value narrows the list ("all" and nothing do not)."""
    return value not in (None, "", "all", [])


class RecordActionForm(_ProblemsMixin, forms.Form):
    """One action on chosen records, from the record list's check boxes or a record's page."""

    ACTIONS = [
        ("remove", "Remove before screening"),
        ("restore", "Restore to screening"),
        ("label", "Add label"),
        ("unlabel", "Take label off"),
        ("export", "Export as RIS"),
    ]
    PERMISSIONS = {
        "remove": "review.remove_records",
        "restore": "review.remove_records",
        "label": "review.label_records",
        "unlabel": "review.label_records",
        "export": "review.view_review",
    }
    MAX_RECORDS = 500

    action = forms.ChoiceField(choices=ACTIONS)
    records = forms.ModelMultipleChoiceField(
        queryset=Record.objects.none(),
        error_messages={"required": "Tick at least one record first."},
    )
    removal_kind = forms.ChoiceField(label="Removed as", choices=RemovalKind.choices, required=False)
    reason = forms.CharField(
        max_length=500, required=False, help_text="For a removal: retracted, outside the date range…"
    )
    label = forms.ModelChoiceField(
        queryset=Label.objects.none(), required=False, empty_label="Choose a label"
    )

    def __init__(self, data, *, review: Review):
        super().__init__(data)
        self.fields["records"].queryset = Record.objects.for_review(review).only("id")
        self.fields["label"].queryset = Label.objects.for_review(review)

    def clean_records(self):
        records = self.cleaned_data["records"]
        if len(records) > self.MAX_RECORDS:
            raise forms.ValidationError(f"At most {self.MAX_RECORDS} records at a time.")
        return records

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "remove":
            if not cleaned.get("removal_kind"):
                self.add_error("removal_kind", "Choose how the records are removed.")
            if not " ".join((cleaned.get("reason") or "").split()):
                self.add_error("reason", "Say why the records are removed (for example “retracted”).")
        if action in ("label", "unlabel") and not cleaned.get("label"):
            self.add_error("label", "Choose a label.")
        return cleaned

    def record_ids(self) -> list[int]:
        return sorted(r.pk for r in self.cleaned_data["records"])


class LabelForm(forms.ModelForm):
    class Meta:
        model = Label
        fields = ["name"]
        help_texts = {"name": "For example “background” or “check PDF”."}

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Label.objects.for_review(self.review).filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"This review already has a label called “{name}”.")
        return name
