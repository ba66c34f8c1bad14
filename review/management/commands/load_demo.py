from django.core.management.base import BaseCommand

from review.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo review and its users. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        review, created = load_demo()
        verb = "Loaded" if created else "Already loaded"
        self.stdout.write(self.style.SUCCESS(f"{verb}: “{review.title}” (/reviews/{review.slug}/)"))
        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<8} {demo.role:<12} {demo.full_name}")
