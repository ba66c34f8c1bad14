from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review.models import Review
from screening.resources import import_votes


class Command(BaseCommand):
    help = (
        "Import votes from another tool: a CSV or XLSX file with columns record (DOI, PMID or id), reviewer "
        "(username), stage, verdict, reason, note, time. One bad row and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args, slug, file: Path, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name “{slug}”.")
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        try:
            count = import_votes(review=review, data=file.read_bytes(), file_name=file.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Imported {count} votes into {slug}."))
