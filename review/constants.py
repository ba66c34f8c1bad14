from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    REVIEWER = "reviewer", "Reviewer"
    ADJUDICATOR = "adjudicator", "Adjudicator"
    VIEWER = "viewer", "Viewer"


class SourceKind(models.TextChoices):
    # PRISMA 2020 reports databases and registers in one column and other methods in another.
    DATABASE = "database", "Database"
    REGISTER = "register", "Register"
    OTHER = "other", "Other method"


class OtherMethod(models.TextChoices):
    # PRISMA 2020's second column counts records found by other methods in these three lines.
    WEBSITE = "website", "Websites"
    ORGANISATION = "organisation", "Organisations"
    CITATION = "citation", "Citation searching"


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title and abstract"
    FULL_TEXT = "full_text", "Full text"


DEFAULT_EXCLUSION_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcomes",
    "Wrong study design",
    "Not a primary study (review, editorial, commentary)",
    "Conference abstract only",
    "Duplicate report not caught earlier",
]


class ImportFormat(models.TextChoices):
    AUTO = "auto", "Detect from the content"
    RIS = "ris", "RIS"
    MEDLINE = "medline", "PubMed MEDLINE (.nbib/.txt)"
    BIBTEX = "bibtex", "BibTeX"
    ENDNOTE = "endnote", "EndNote XML"
    CSV = "csv", "CSV or tab-delimited (with a column mapping)"


class DuplicateStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a person"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Not duplicates"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    ZIP = "zip", "ZIP of CSV files"


class JobStatus(models.TextChoices):
    """Where a background job is (review/jobs.py). Each kind of job says "running" and "done" in its own
    words on its pages (`job_status_field`)."""

    NEEDS_MAPPING = "needs_mapping", "Waiting for the column mapping"  # a CSV import, before it is queued
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RemovalKind(models.TextChoices):
    # PRISMA 2020's two boxes for records removed before screening, besides duplicates.
    AUTOMATION = "automation", "Marked ineligible by automation tools"
    OTHER = "other", "Removed for other reasons"
