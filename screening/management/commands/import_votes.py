from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from review.management.lookup import named_review, named_user, refusal_stops_command
from screening.resources import import_votes


class Command(BaseCommand):
    help = (
        "Import votes from another tool: a CSV or XLSX file with columns record (DOI, PMID or id), reviewer "
        "(username), stage, verdict, reason, note, time. Each vote's author is its row's reviewer; --by names "
        "the owner who imports them, kept as the author of the change in the history. One bad row and "
        "nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--by", required=True, metavar="USERNAME", help="Who imports the votes (an owner of the review)."
        )

    def handle(self, *args, slug, file: Path, by: str, **options):
        review = named_review(slug)
        importer = named_user(by, missing=f"No user with the username “{by}”.")
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        with refusal_stops_command(), file.open("rb") as source:
            count = import_votes(review=review, data=source, file_name=file.name, by=importer)
        self.stdout.write(self.style.SUCCESS(f"Imported {count} votes into {slug}, recorded as by {by}."))
