from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review import services
from review.constants import Role
from review.models import Review


class Command(BaseCommand):
    help = "Give a user a role in a review (roles add up; viewer only makes them a member)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, slug, username, role, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the short name “{slug}”.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called “{username}”.")
        try:
            membership = services.add_member(review=review, user=user, role=role)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"{username} in {slug}: {', '.join(membership.roles)}."))
