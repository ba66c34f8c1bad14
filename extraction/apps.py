from __future__ import annotations

from functools import partial

from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "extraction"

    def ready(self) -> None:
        from extraction import checks  # noqa: F401  (registers the system check)

    def load_demo(self, *, review, users) -> None:
        """The ketamine-for-depression form, published, and every study assigned to Rita and Raj."""
        from extraction import coding, kinds, versions

        [template] = kinds.EXTRACTION.templates
        versions.import_definition(
            review=review, kind=kinds.EXTRACTION, data=template.load(), user=users["olivia"], publish=True
        )
        coding.assign_unassigned(
            review=review, kind=kinds.EXTRACTION, reviewers=[users["rita"], users["raj"]]
        )

    def exporters(self) -> list:
        """The tables of every form kind (each kind's own), run as background exports by the review app."""
        from extraction import exports, kinds
        from review.exports import Exporter

        found = []
        for kind in kinds.all_kinds():
            if not kind.generic_exports:
                continue
            found += [
                Exporter(
                    kind=f"{kind.slug}.consensus-wide",
                    label=f"{kind.label}: consensus, one row per study",
                    file_stem=f"{kind.file_prefix}consensus-wide",
                    tables=partial(exports.consensus_wide_tables, kind=kind),
                ),
                Exporter(
                    kind=f"{kind.slug}.consensus-long",
                    label=f"{kind.label}: consensus, long form per arm and outcome",
                    file_stem=f"{kind.file_prefix}consensus-long",
                    tables=partial(exports.consensus_long_tables, kind=kind),
                ),
                Exporter(
                    kind=f"{kind.slug}.raw-copies",
                    label=f"{kind.label}: reviewers' raw copies (those you may see)",
                    file_stem=f"{kind.file_prefix}raw-copies",
                    tables=partial(exports.raw_copies_tables, kind=kind),
                    personal=True,
                ),
            ]
        return found

    def dataset_tables(self, *, review, user, progress) -> list:
        """Each form kind's consensus, wide and long (risk of bias included: it is a form kind)."""
        from extraction import exports, kinds

        return [
            table for kind in kinds.all_kinds() for table in exports.dataset_tables(review=review, kind=kind)
        ]
