from django.db import models


class Verdict(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


class FinalVerdict(models.TextChoices):
    """A record's final decision at a stage: "maybe" is a vote, never a decision."""

    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", "Needs votes"
    CONFLICT = "conflict", "Conflict"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"


RESOLVED = (DecisionStatus.INCLUDED, DecisionStatus.EXCLUDED)

# A full-text PDF larger than this is refused with a message (settings.MAX_UPLOAD_BYTES caps every upload).
MAX_PDF_BYTES = 50 * 1024 * 1024

# An import of votes refuses a file with more rows than this before reading it whole: at about 5 ms a vote,
# this many take some 17 minutes (a 100,000-record review's votes by two reviewers at one stage).
MAX_VOTE_ROWS = 200_000
