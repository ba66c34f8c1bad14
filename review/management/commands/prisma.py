from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from review.management.lookup import named_review
from review.prisma.flow import prisma_counts
from review.prisma.prisma_csv import to_prisma2020_csv


class Command(BaseCommand):
    help = (
        "Print a review's PRISMA 2020 numbers: --json, one object keyed by the PRISMA2020 R package's "
        "identifiers; --csv, that package's CSV template (its Shiny app reads it as is)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        output = parser.add_mutually_exclusive_group(required=True)
        output.add_argument("--json", action="store_true", help="One JSON object of the counts.")
        output.add_argument("--csv", action="store_true", help="The PRISMA2020 package's CSV template.")

    def handle(self, *args, slug, **options):
        review = named_review(slug)
        counts = prisma_counts(review)
        if options["csv"]:
            self.stdout.write(to_prisma2020_csv(counts), ending="")
        else:
            self.stdout.write(json.dumps(counts.prisma2020_values(), indent=2, ensure_ascii=False))
