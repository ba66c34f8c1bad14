from __future__ import annotations

from django.core.management.base import BaseCommand

from review.backup import write_backup
from review.management.lookup import named_review


class Command(BaseCommand):
    help = "Write a whole review (its data, history and files) to one backup file, for restore_review."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the review's short name, as in its addresses")
        parser.add_argument("file", help="the backup file to write (a ZIP)")

    def handle(self, *args, slug, file, **options):
        review = named_review(slug)
        with open(file, "wb") as out:
            manifest = write_backup(review, out)
        rows = sum(member["rows"] for member in manifest["members"].values())
        self.stdout.write(self.style.SUCCESS(f"Backed up “{review.title}” ({rows:,} rows) to {file}."))
