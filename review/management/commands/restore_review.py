from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from review.backup import BackupError, open_backup, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a review from a backup_review file under a new short name, in one transaction: a damaged or "
        "foreign file, or people missing here, change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by backup_review")
        parser.add_argument("--slug", required=True, help="the restored review's short name")
        parser.add_argument(
            "--create-missing-users",
            action="store_true",
            help="make the people the backup names but this instance lacks, inactive and without a password",
        )

    def handle(self, *args, file, slug, create_missing_users, **options):
        try:
            with open(file, "rb") as source:
                review = restore_backup(
                    open_backup(source), slug=slug, create_missing_users=create_missing_users
                )
        except FileNotFoundError:
            raise CommandError(f"No file {file}.") from None
        except BackupError as error:
            raise CommandError(f"{error} Nothing was restored.") from None
        self.stdout.write(self.style.SUCCESS(f"Restored “{review.title}” as {review.slug}."))
