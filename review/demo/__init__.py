"""The demo review: its team with printed log-ins, its two search exports, and whatever each app adds
(votes, an open conflict, an extraction form) through an AppConfig `load_demo(review, users)` hook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from review import services
from review.constants import Role, SourceKind
from review.importers import import_search_file
from review.models import Review

DEMO_DIR = Path(__file__).resolve().parent
DEMO_SLUG = "ketamine-mechanisms"
DEMO_PASSWORD = "ketamine-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str


DEMO_USERS = [
    DemoUser("olivia", "Olivia Owner", Role.OWNER),
    DemoUser("rita", "Rita Reviewer", Role.REVIEWER),
    DemoUser("raj", "Raj Reviewer", Role.REVIEWER),
    DemoUser("ada", "Ada Adjudicator", Role.ADJUDICATOR),
    DemoUser("victor", "Victor Viewer", Role.VIEWER),
]

DEMO_SEARCHES = [
    (
        "medline.ris",
        "MEDLINE (Ovid)",
        "(ketamine/ OR ketamin*.tw.) AND (exp depressive disorder/ OR depress*.tw.)",
    ),
    (
        "embase.ris",
        "Embase (Ovid)",
        "('ketamine'/exp OR ketamin*:ti,ab) AND ('depression'/exp OR depress*:ti,ab)",
    ),
]


def _ensure_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for demo in DEMO_USERS:
        first, last = demo.full_name.split(" ", 1)
        user, _ = User.objects.get_or_create(
            username=demo.username, defaults={"first_name": first, "last_name": last}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[demo.username] = user
    return users


@transaction.atomic
def load_demo() -> tuple[Review, bool]:
    """Create the demo review if it is not there yet. Returns (review, created); never duplicates anything."""
    users = _ensure_users()
    review = Review.objects.filter(slug=DEMO_SLUG).first()
    if review is not None:
        return review, False
    review = services.create_review(
        slug=DEMO_SLUG,
        title="Opioid and serotonergic mechanisms of ketamine's antidepressant effect",
        owner=users["olivia"],
        question=(
            "In adults with major or treatment-resistant depression, do opioid-receptor blockade or serotonin "
            "1B receptor changes mediate the rapid antidepressant effect of ketamine?"
        ),
        population="Adults with major depressive disorder or treatment-resistant depression.",
        intervention="Intravenous ketamine (typically 0.5 mg/kg over 40 minutes), with or without naltrexone pre-treatment.",
        comparator="Saline, midazolam, or placebo pre-treatment before ketamine.",
        outcomes="Change in MADRS or HDRS at 24 hours; response; remission; dissociation (CADSS); biomarkers.",
        inclusion_criteria="Randomised or crossover trials in humans; ketamine as the intervention; depressive disorder.",
        exclusion_criteria="Animal studies; non-ketamine interventions; reviews and commentaries.",
        inclusion_keywords="ketamine\nnaltrexone\nrandomized\nrandomised\ncrossover\nserotonin 1B\nopioid\nMADRS",
        exclusion_keywords="rats\nmice\nTMS\ntranscranial\npsilocybin\nsmartphone\nCPAP\nobese",
    )
    for demo in DEMO_USERS:
        if demo.role != Role.OWNER:
            services.add_member(review=review, user=users[demo.username], role=demo.role)
    for file_name, source_name, query in DEMO_SEARCHES:
        import_search_file(
            review=review,
            data=(DEMO_DIR / file_name).read_bytes(),
            file_name=file_name,
            source_name=source_name,
            kind=SourceKind.DATABASE,
            user=users["olivia"],
            date_searched=date(2026, 10, 1),
            query=query,
        )
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "load_demo", None):
            hook(review=review, users=users)
    return review, True
