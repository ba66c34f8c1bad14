from __future__ import annotations

from django.core.management.base import BaseCommand

from review import services
from review.management.lookup import named_user, refusal_stops_command


class Command(BaseCommand):
    help = "Create a review owned by an existing user."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="short name used in addresses, e.g. ketamine-2026")
        parser.add_argument("--title", required=True)
        parser.add_argument("--owner", required=True, help="username of the owner")
        parser.add_argument("--reviewers-per-record", type=int, default=2, choices=[1, 2, 3])

    def handle(self, *args, slug, title, owner, reviewers_per_record, **options):
        user = named_user(owner, missing=f"No user called “{owner}”.")
        with refusal_stops_command():
            review = services.create_review(
                slug=slug, title=title, owner=user, reviewers_per_record=reviewers_per_record
            )
        self.stdout.write(
            self.style.SUCCESS(f"Created review “{review.title}” ({review.slug}), owned by {owner}.")
        )
