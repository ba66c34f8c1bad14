from __future__ import annotations

from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "extraction"

    def load_demo(self, *, review, users) -> None:
        """The ketamine-for-depression form, published, and every study assigned to Rita and Raj."""
        from extraction import services
        from extraction.definitions import library_template

        services.import_definition(
            review=review, data=library_template("ketamine_depression"), user=users["olivia"], publish=True
        )
        services.assign_unassigned(review=review, reviewers=[users["rita"], users["raj"]])
