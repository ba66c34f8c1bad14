from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from review.constants import Stage
from review.management.lookup import named_review
from screening.agreement import stage_agreement


class Command(BaseCommand):
    help = (
        "Agreement between reviewers at a stage, on every vote of every record all its reviewers rated "
        "(conflicts included): percent agreement, Fleiss' kappa and Krippendorff's alpha, and per pair of "
        "reviewers Cohen's kappa with its 95% confidence interval (null where undefined)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--stage", choices=Stage.values, default=Stage.TITLE_ABSTRACT)
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args, slug, stage, json: bool = False, **options):
        review = named_review(slug)
        result = stage_agreement(review=review, stage=stage)
        if json:
            self.stdout.write(_dumps(result.as_dict()))
            return
        fmt = lambda x, d=3: "undefined" if x is None else f"{x:.{d}f}"  # noqa: E731
        self.stdout.write(
            f"{Stage(stage).label}: {result.records} records; agreement {fmt(result.percent_agreement, 1)}%; "
            f"Fleiss' kappa {fmt(result.fleiss_kappa)} ({result.fleiss_records} records); "
            f"Krippendorff's alpha {fmt(result.krippendorff_alpha)}"
        )
        for p in result.pairs:
            ci = f" (95% CI {fmt(p.kappa_ci[0])} to {fmt(p.kappa_ci[1])})" if p.kappa_ci else ""
            self.stdout.write(
                f"  {p.reviewer_a} / {p.reviewer_b}: n={p.n}, agreement {fmt(p.percent_agreement, 1)}%, "
                f"Cohen's kappa {fmt(p.kappa)}{ci}"
            )


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
