from __future__ import annotations

from django.core.management.base import BaseCommand

from review import services
from review.constants import Role
from review.management.lookup import named_review, named_user, refusal_stops_command


class Command(BaseCommand):
    help = "Give a user a role in a review (roles add up; viewer only makes them a member)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, slug, username, role, **options):
        review = named_review(slug)
        user = named_user(username, missing=f"No user called “{username}”.")
        with refusal_stops_command():
            membership = services.add_member(review=review, user=user, role=role)
        self.stdout.write(self.style.SUCCESS(f"{username} in {slug}: {', '.join(membership.roles)}."))
