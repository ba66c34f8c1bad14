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

    def exporters(self) -> list:
        """The extraction tables, run as background exports by the review app."""
        from extraction import exports
        from review.exports import Exporter

        return [
            Exporter(
                kind="extraction.consensus-wide",
                label="Consensus, one row per study",
                file_stem="consensus-wide",
                tables=exports.consensus_wide_tables,
            ),
            Exporter(
                kind="extraction.consensus-long",
                label="Consensus, long form per arm and outcome",
                file_stem="consensus-long",
                tables=exports.consensus_long_tables,
            ),
            Exporter(
                kind="extraction.raw-copies",
                label="Reviewers' raw copies (those you may see)",
                file_stem="raw-copies",
                tables=exports.raw_copies_tables,
                personal=True,
            ),
        ]
