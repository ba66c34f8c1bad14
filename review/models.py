from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from review.constants import (
    DuplicateStatus,
    ExportFormat,
    ImportFormat,
    JobStatus,
    OtherMethod,
    RemovalKind,
    Role,
    SourceKind,
    Stage,
)
from review.exports import exporters
from review.jobs import BackgroundJob, job_status_field
from review.managers import (
    ExportJobQuerySet,
    MembershipQuerySet,
    RecordLabelQuerySet,
    RecordQuerySet,
    RecordRemovalQuerySet,
    ReviewQuerySet,
    ReviewScopedQuerySet,
    TitleSortKey,
    YearOrZero,
)
from review.match_keys import record_match_keys

REVIEWERS_PER_RECORD = [MinValueValidator(1), MaxValueValidator(3)]


def short_citation(*, authors: list[str], year: int | None) -> str:
    """“Williams 2018”, the way reviewers name a record."""
    family = authors[0].split(",")[0].strip() if authors and authors[0] else "Anon."
    return f"{family} {year}" if year else family


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def person_field() -> models.ForeignKey:
    """Who did something: kept when their account goes (the row says "someone who left")."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Authored(models.Model):
    """Who made the row and when: a review, a search, a form version, a consensus, a label…"""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = person_field()

    class Meta:
        abstract = True


class Review(Authored):
    slug = models.SlugField(max_length=80, unique=True, help_text="Short name used in addresses.")
    title = models.CharField(max_length=300)
    question = models.TextField(blank=True, help_text="The review question.")
    population = models.TextField(blank=True)
    intervention = models.TextField(blank=True)
    comparator = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    inclusion_criteria = models.TextField(blank=True)
    exclusion_criteria = models.TextField(blank=True)

    reviewers_per_record_title_abstract = models.PositiveSmallIntegerField(
        "independent reviewers per record (title/abstract)", default=2, validators=REVIEWERS_PER_RECORD
    )
    reviewers_per_record_full_text = models.PositiveSmallIntegerField(
        "independent reviewers per record (full text)", default=2, validators=REVIEWERS_PER_RECORD
    )
    maybe_counts_as_include = models.BooleanField(
        "count “maybe” as include in agreement statistics",
        default=True,
        help_text="How a “maybe” vote counts when computing agreement (Cohen's and Fleiss' kappa).",
    )
    reviewers_resolve_conflicts = models.BooleanField(
        "reviewers resolve their own conflicts",
        default=False,
        help_text="When on, the reviewers in a conflict may settle it themselves instead of an adjudicator.",
    )
    inclusion_keywords = models.TextField(
        blank=True, help_text="One word or phrase per line; highlighted in green while screening."
    )
    exclusion_keywords = models.TextField(
        blank=True, help_text="One word or phrase per line; highlighted in red while screening."
    )

    updated_at = models.DateTimeField(auto_now=True)
    # Records imported but not yet in the full-text index (Record.search_indexed): read with the review,
    # so the record list knows without a query whether its search must also look at them the slow way.
    records_awaiting_search_index = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["records_awaiting_search_index"])
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review:dashboard", kwargs={"review_slug": self.slug})

    def reviewers_per_record(self, stage: str) -> int:
        if stage == Stage.FULL_TEXT:
            return self.reviewers_per_record_full_text
        return self.reviewers_per_record_title_abstract

    @property
    def inclusion_keyword_list(self) -> list[str]:
        return _lines(self.inclusion_keywords)

    @property
    def exclusion_keyword_list(self) -> list[str]:
        return _lines(self.exclusion_keywords)


class ExclusionReason(models.Model):
    """A reason for excluding a report at full text; chosen from the review's own list."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Retired reasons stay on the votes that used them but are no longer offered."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "label"], name="unique_exclusion_reason")]

    def __str__(self) -> str:
        return self.label


class Membership(models.Model):
    """A user's place in a review's team. A member with no role flag is a viewer (read only)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    is_owner = models.BooleanField("owner", default=False)
    is_reviewer = models.BooleanField("reviewer", default=False)
    is_adjudicator = models.BooleanField("adjudicator", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.review}"

    @property
    def roles(self) -> list[str]:
        roles = [
            role
            for role, held in (
                (Role.OWNER, self.is_owner),
                (Role.REVIEWER, self.is_reviewer),
                (Role.ADJUDICATOR, self.is_adjudicator),
            )
            if held
        ]
        return roles or [Role.VIEWER]

    @property
    def can_write(self) -> bool:
        return self.is_owner or self.is_reviewer or self.is_adjudicator


def search_upload_path(search: Search, filename: str) -> str:
    return f"reviews/{search.review_id}/searches/{filename}"


class Search(Authored):
    """One search of one source; each import of a file of records is a search (PRISMA counts per source)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="searches")
    source_name = models.CharField(
        max_length=200, help_text="PubMed, Embase, ClinicalTrials.gov, citation searching…"
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.DATABASE)
    other_method = models.CharField(
        max_length=20,
        choices=OtherMethod.choices,
        default=OtherMethod.CITATION,
        help_text="For a search of kind “other method”: the PRISMA 2020 line it counts in.",
    )
    date_searched = models.DateField(null=True, blank=True)
    query = models.TextField(blank=True, help_text="The search strategy as run.")
    file = models.FileField(upload_to=search_upload_path, blank=True, max_length=500)
    file_name = models.CharField(max_length=300, blank=True, help_text="The name of the file as uploaded.")
    file_format = models.CharField(max_length=20, blank=True)
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="What the import read but could not read cleanly (bytes that were not UTF-8…), by line.",
    )

    history = HistoricalRecords()
    objects = ReviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "searches"

    def __str__(self) -> str:
        return f"{self.source_name} ({self.get_kind_display()})"


class Study(models.Model):
    """A study groups one or more reports (records); extraction and risk of bias are per study."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=200, help_text="How the team names the study, e.g. “Williams 2018”.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ReviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["label", "id"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.label


class Record(models.Model):
    """A bibliographic record as a search exported it. Records are never deleted: a duplicate points to
    the record it duplicates, so PRISMA can count what was identified and what was removed."""

    # No index of its own: every index below starts with the review.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="records", db_index=False)
    search = models.ForeignKey(
        Search, on_delete=models.PROTECT, related_name="records", null=True, blank=True
    )

    title = models.TextField()
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, help_text="Author names as exported, in order.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    doi = models.CharField("DOI", max_length=300, blank=True)
    pmid = models.CharField("PMID", max_length=20, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=50, blank=True)
    raw_entry = models.TextField(blank=True, help_text="The entry exactly as it appeared in the source file.")
    # In the full-text index yet. Every way of writing a record indexes it at once (the database's own
    # triggers; db_default for raw INSERTs) except the importer, which writes False and leaves the
    # indexing to a SearchIndexJob after its commit (review/search_index.py).
    search_indexed = models.BooleanField(default=True, db_default=True, editable=False)

    # Match keys for de-duplication, computed once at import (review/match_keys.py); what is shown above
    # stays exactly as exported.
    doi_key = models.CharField(max_length=300, blank=True, editable=False)
    pmid_key = models.CharField(max_length=20, blank=True, editable=False)
    title_key = models.TextField(blank=True, editable=False)
    author_key = models.CharField(
        max_length=200, blank=True, editable=False, help_text="First author's family name, normalised."
    )

    # Both indexed by partial indexes below: most records are nobody's duplicate and no study's report.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", db_index=False
    )
    study = models.ForeignKey(
        Study, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The raw entry never changes; keeping it out of the history keeps that table small.
    history = HistoricalRecords(excluded_fields=["raw_entry", "search_indexed"])
    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # The screening queue and record list: a review's unique records in id order.
            models.Index(fields=["review", "duplicate_of", "id"], name="record_review_unique_idx"),
            # PRISMA's counts of records per search and of duplicates (review.prisma.flow), read
            # from the index alone.
            models.Index(fields=["review", "search", "duplicate_of"], name="record_review_search_idx"),
            # Exact de-duplication and the record list's search: "this review's records with this DOI".
            models.Index(fields=["review", "doi_key"], name="record_review_doi_idx"),
            # The same for PubMed identifiers: "this review's records with this PMID".
            models.Index(fields=["review", "pmid_key"], name="record_review_pmid_idx"),
            # The record list's keyset pages, one index per sort, each read forwards or backwards: "this
            # review's records after (key, id), by key then id". Import order:
            models.Index(fields=["review", "id"], name="record_list_by_id_idx"),
            # ... by year (unknown years as 0),
            models.Index(F("review"), YearOrZero("year"), F("id"), name="record_list_by_year_idx"),
            # ... by title (case ignored),
            models.Index(F("review"), TitleSortKey("title"), F("id"), name="record_list_by_title_idx"),
            # ... by first author (the normalised family name the de-duplication keeps).
            models.Index(fields=["review", "author_key", "id"], name="record_list_by_author_idx"),
            # The search index job's chunks and the search's plain match: "this review's records not yet
            # in the full-text index" (few, and only while a job runs, so a small partial index).
            models.Index(
                fields=["review", "id"], condition=Q(search_indexed=False), name="record_unindexed_idx"
            ),
            # A record's duplicates (merging, unmerging, deleting a record): "the records marked as
            # duplicates of this one". Only duplicates are in it, so an import writes few entries.
            models.Index(
                fields=["duplicate_of"], condition=Q(duplicate_of__isnull=False), name="record_duplicates_idx"
            ),
            # A study's reports: "the records linked to this study" (few records ever are).
            models.Index(fields=["study"], condition=Q(study__isnull=False), name="record_reports_idx"),
            # The full-text search's index is not here: it differs per database (a GIN index on PostgreSQL,
            # an FTS5 table on SQLite): review/records.py and migration 0007_record_full_text_search.
        ]

    def __str__(self) -> str:
        return f"{self.short_citation}: {self.title[:80]}"

    def save(self, *args, **kwargs) -> None:
        # Imports compute the keys in bulk; a record saved one at a time (admin, tests, other apps)
        # gets them here, so matching and DOI/PMID look-ups never miss it.
        for name, value in record_match_keys(
            title=self.title, authors=self.authors, doi=self.doi, pmid=self.pmid
        ).items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "doi_key", "pmid_key", "title_key", "author_key"}
        elif not self._state.adding and not kwargs.get("force_insert"):
            # The index job turns `search_indexed` on behind instances read before it ran: a whole save of
            # such an instance must not turn it off again. The flag is the job's alone.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "search_indexed"
            ]
        super().save(*args, **kwargs)

    @property
    def short_citation(self) -> str:
        return short_citation(authors=self.authors, year=self.year)


class DuplicatePair(models.Model):
    """Two records that may report the same thing: `record` would point to `original`. Sure matches are
    merged at import and kept here as MERGED (decided by nobody: the reason says why); probable ones wait
    as PENDING until a person confirms or rejects them. Undoing a merge sets the pair to REJECTED."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="duplicate_pairs")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="duplicate_pairs")
    original = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    search = models.ForeignKey(
        Search,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The import that found it.",
    )
    reason = models.CharField(max_length=200)
    score = models.FloatField(default=0, help_text="Title similarity, 0 to 100.")
    status = models.CharField(max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = person_field()
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["record", "original"], name="unique_duplicate_pair")]
        indexes = [
            # The duplicates queue: "this review's pairs waiting for a person, oldest first".
            models.Index(fields=["review", "status", "id"], name="duplicate_pair_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.record_id} ~ #{self.original_id} ({self.get_status_display()})"


def import_upload_path(job: ImportJob, filename: str) -> str:
    return f"reviews/{job.review_id}/imports/{filename}"


class ImportJob(BackgroundJob):
    """One upload on its way to becoming a Search: the background task reports its progress here and
    the upload page polls it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = person_field()
    file = models.FileField(upload_to=import_upload_path, max_length=500)
    file_name = models.CharField(max_length=300)
    source_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.DATABASE)
    other_method = models.CharField(max_length=20, choices=OtherMethod.choices, default=OtherMethod.CITATION)
    date_searched = models.DateField(null=True, blank=True)
    query = models.TextField(blank=True)
    file_format = models.CharField(max_length=20, choices=ImportFormat.choices, default=ImportFormat.AUTO)
    column_mapping = models.JSONField(default=dict, blank=True, help_text="Record field to CSV column.")

    status = job_status_field(running="Importing", done="Imported", before_queue=[JobStatus.NEEDS_MAPPING])
    parsed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates_merged = models.PositiveIntegerField(default=0)
    duplicates_queued = models.PositiveIntegerField(default=0)
    search = models.ForeignKey(Search, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    noun = "import"
    work = "review.importers.jobs.import_file"
    failed_stage = "Failed: nothing was imported"
    run_related = ("review", "created_by")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def what(self) -> str:
        return f"the import of {self.file_name}"

    def summary(self) -> dict:
        return {"imported": self.imported}


class SearchIndexJob(BackgroundJob):
    """Filling the full-text index for the records one import wrote (ids first_record_id to
    last_record_id), in chunks, after the import's commit (review/search_index.py)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="search_index_jobs")
    search = models.OneToOneField(
        Search, null=True, blank=True, on_delete=models.SET_NULL, related_name="search_index_job"
    )
    first_record_id = models.BigIntegerField()
    last_record_id = models.BigIntegerField()
    total = models.PositiveIntegerField(help_text="Records to index.")
    indexed = models.PositiveIntegerField(default=0)

    noun = "search index"
    work = "review.search_index.index_records"
    run_related = ("review",)

    def __str__(self) -> str:
        return f"Search index of {self.total} records ({self.get_status_display()})"

    @property
    def what(self) -> str:
        return "the search index of the imported records"

    def summary(self) -> dict:
        return {"indexed": self.indexed}


def export_upload_path(job: ExportJob, filename: str) -> str:
    return f"reviews/{job.review_id}/exports/{job.pk}/{filename}"


class ExportJob(BackgroundJob):
    """One export someone asked for: the background task writes the file here with the permissions its
    requester has when it runs, reports its progress, and the page polls it until the file is ready."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="export_jobs")
    requested_by = person_field()
    kind = models.CharField(max_length=100, help_text="Which export, as its app registered it.")
    file_format = models.CharField(max_length=10, choices=ExportFormat.choices)
    personal = models.BooleanField(
        default=False,
        help_text="Computed for the person who asked (blinding), so only they may download it.",
    )

    status = job_status_field(running="Exporting", done="Ready")
    row_count = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_upload_path, blank=True, max_length=500)
    file_name = models.CharField(max_length=300, blank=True, help_text="The name the download gets.")
    file_size = models.PositiveBigIntegerField(default=0)
    made_for_roles = models.JSONField(
        default=list,
        blank=True,
        help_text="The requester's roles when the file was made: a personal file is no longer served once "
        "they lose one of them.",
    )

    noun = "export"
    work = "review.exports.jobs.make_file"
    done_stage = "Ready"
    run_related = ("review", "requested_by")

    objects = ExportJobQuerySet.as_manager()

    class Meta(BackgroundJob.Meta):
        indexes = [
            # The recent exports beside the export buttons: "this person's exports in this review, newest first".
            models.Index(fields=["review", "requested_by", "-created_at"], name="export_job_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_file_format_display()}, {self.get_status_display()})"

    @property
    def label(self) -> str:
        exporter = exporters().get(self.kind)
        return exporter.label if exporter else self.kind

    def summary(self) -> dict:
        return {"rows": self.row_count}


# Curating the record set before screening: removal with a reason, and labels -----------------------


class RecordRemoval(models.Model):
    """A record an owner took out before screening, and why: PRISMA 2020's "records marked as ineligible
    by automation tools" and "records removed for other reasons" (retracted, outside the date range…).
    Restoring fills `restored_at` and keeps the row, so the record's page tells the whole story; a
    record is removed while it has a row not yet restored."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="record_removals")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="removals")
    kind = models.CharField(max_length=20, choices=RemovalKind.choices)
    reason = models.CharField(
        max_length=500, help_text="Why, in words: “retracted”, “published before 1990”…"
    )
    removed_by = person_field()
    removed_at = models.DateTimeField(default=timezone.now)
    restored_by = person_field()
    restored_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = RecordRemovalQuerySet.as_manager()

    class Meta:
        ordering = ["-removed_at", "-id"]
        constraints = [
            # Its index also answers "is this record removed now?" (the screening queue's anti-join).
            models.UniqueConstraint(
                fields=["record"], condition=Q(restored_at__isnull=True), name="one_removal_per_record"
            )
        ]
        indexes = [
            # PRISMA's two boxes: "this review's records removed now, counted by kind".
            models.Index(
                fields=["review", "kind"], condition=Q(restored_at__isnull=True), name="removal_prisma_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.record_id} {self.get_kind_display().lower()}: {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.restored_at is None


class Label(Authored):
    """A review's own tag for records, such as “background” or “check PDF”."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=60)

    history = HistoricalRecords()
    objects = ReviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), F("review"), name="unique_label_name")
        ]

    def __str__(self) -> str:
        return self.name


class RecordLabel(models.Model):
    """A label on a record. Taking it off fills `removed_at` and keeps the row, so the record's page can
    say who labelled it, when, and who took the label off."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="record_labels")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="record_labels")
    added_by = person_field()
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = person_field()
    removed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = RecordLabelQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "label"], condition=Q(removed_at__isnull=True), name="one_label_per_record"
            )
        ]
        indexes = [
            # The record list filtered by a label: "the records that carry this label now".
            models.Index(
                fields=["label", "record"],
                condition=Q(removed_at__isnull=True),
                name="record_label_filter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} on #{self.record_id}"


class RecordTally(models.Model):
    """A review's records counted per search, kept by the database itself (triggers on records and
    removals, migration 0012_record_tally), so the dashboard and the screening queue's count read a row a
    search instead of counting 100,000 records, whichever way records are written: the importer's COPY or
    bulk INSERTs, merges, removals, the ORM, a restore. Read through review.records.record_counts."""

    # Plain ids rather than foreign keys: the triggers write these rows while Django deletes a review's
    # records, after it has deleted the review's dependents; the counts fall back to 0 as rows go.
    review_id = models.IntegerField()
    search = models.IntegerField(help_text="The search's id; 0 for records from no search.")
    records = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0, help_text="Records marked as duplicates of another.")
    removed = models.IntegerField(default=0, help_text="Records removed before screening, not duplicates.")

    class Meta:
        constraints = [
            # The triggers' upsert key; its index also serves the one read, "this review's tallies".
            models.UniqueConstraint(fields=["review_id", "search"], name="unique_record_tally")
        ]

    def __str__(self) -> str:
        return f"review {self.review_id} search {self.search}: {self.records} records"
