from __future__ import annotations

from django.apps import AppConfig

# The demo's votes, by a word of each record's title (records are found by title, never by id).
# (title words, rita's title/abstract vote, raj's; None = left in that reviewer's queue)
DEMO_TITLE_ABSTRACT = [
    ("opioid receptor antagonism", "include", "include"),  # Williams 2018
    ("PET study of ketamine", "include", "include"),  # Tiger 2020 (both exports; one is a duplicate)
    ("naltrexone and the glutamatergic", "include", "include"),  # Jelen
    ("Antidepressant effects of ketamine in depressed patients", "include", "include"),  # Berman 2000
    ("transcranial magnetic stimulation", "exclude", "exclude"),
    ("tubulin", "exclude", "exclude"),
    ("overweight or obese", "exclude", "exclude"),
    ("anhedonia-susceptible rats", "exclude", "exclude"),
    ("smartphone dependency", "exclude", None),
    ("genetic cause", None, None),
    ("Continuous positive airway pressure", None, "exclude"),
    ("Psilocybin", "maybe", "exclude"),  # the open conflict
]
# Full text: the three ketamine trials included by both (their studies then exist for extraction); Berman
# waits for raj's vote.
DEMO_FULL_TEXT = [
    ("opioid receptor antagonism", "include", "include"),
    ("PET study of ketamine", "include", "include"),
    ("naltrexone and the glutamatergic", "include", "include"),
    ("Antidepressant effects of ketamine in depressed patients", "include", None),
]


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from review.signals import records_returned, review_restored, settings_changed
        from screening.receivers import (
            decide_records_with_enough_votes,
            lower_queue_floors,
            recount_restored_review,
        )

        settings_changed.connect(decide_records_with_enough_votes, dispatch_uid="screening-votes-needed")
        records_returned.connect(lower_queue_floors, dispatch_uid="screening-queue-floors")
        review_restored.connect(recount_restored_review, dispatch_uid="screening-restored-tallies")

    def load_demo(self, *, review, users) -> None:
        """Votes cast through the same service as the screening page: most records screened by rita and
        raj, an open conflict (psilocybin), a few records left for each, and full text under way."""
        from review.constants import Stage
        from review.models import Record
        from screening import services

        records = list(Record.objects.for_review(review).unique().order_by("pk"))
        for stage, plan in ((Stage.TITLE_ABSTRACT, DEMO_TITLE_ABSTRACT), (Stage.FULL_TEXT, DEMO_FULL_TEXT)):
            for words, *verdicts in plan:
                for record in [r for r in records if words.casefold() in r.title.casefold()]:
                    for username, verdict in zip(("rita", "raj"), verdicts, strict=True):
                        if verdict:
                            services.cast_vote(
                                review=review,
                                record=record,
                                stage=stage,
                                reviewer=users[username],
                                verdict=verdict,
                            )

    def exporters(self) -> list:
        """The votes, run as a background export by the review app. Blinding depends on who asks, so the
        file is theirs alone."""
        from review.exports import Exporter
        from screening import exports

        return [
            Exporter(
                kind="screening.votes",
                label="Screening votes (those you may see)",
                file_stem="votes",
                tables=exports.votes_tables,
                personal=True,
            )
        ]

    def record_filters(self, *, review, user) -> list:
        """The review's record list filters by screening status at each stage (review.records)."""
        from screening import record_list

        return record_list.record_filters(review=review, user=user)

    def records_in_screening(self, records):
        """Of these records, those screening has started on; review.curation leaves them in place."""
        from screening import record_list

        return record_list.records_in_screening(records)

    def dataset_tables(self, *, review, user, progress) -> list:
        """The records with their decisions, the votes and the agreement, blinded for `user`."""
        from screening.dataset import dataset_tables

        return dataset_tables(review=review, user=user, progress=progress)
