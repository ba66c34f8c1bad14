import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from review.constants import ImportFormat, SourceKind
from review.importers import ImportFormatError, ImportResult, import_search_file
from review.models import Review


class Command(BaseCommand):
    help = (
        "Import a search export (RIS, PubMed MEDLINE, BibTeX, EndNote XML, CSV) into a review as one search, "
        "merging sure duplicates and queueing probable ones for a person. A file that fails imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("review", help="The review's short name (slug).")
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Source name, e.g. PubMed or Embase (Ovid).")
        parser.add_argument("--kind", choices=SourceKind.values, default=SourceKind.DATABASE)
        parser.add_argument(
            "--format", choices=ImportFormat.values, default=ImportFormat.AUTO, dest="file_format"
        )
        parser.add_argument("--query", default="", help="The search strategy as run.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead of text."
        )

    def handle(self, *args, review, file, source, kind, file_format, query, as_json: bool, **options):
        result = ImportResult()
        try:
            review_obj = Review.objects.filter(slug=review).first()
            if review_obj is None:
                raise ImportFormatError(f"No review called “{review}”.")
            try:
                data = file.read_bytes()
            except OSError as error:
                raise ImportFormatError(f"{file}: cannot be read ({error.strerror}).") from None
            result = import_search_file(
                review=review_obj,
                data=data,
                file_name=file.name,
                source_name=source,
                kind=kind,
                query=query,
                file_format=file_format,
            )
        except ImportFormatError as error:
            result.errors.append(str(error))
        self._report(result, as_json=as_json)
        if result.errors:
            raise CommandError("Nothing was imported.", returncode=1)

    def _report(self, result: ImportResult, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        for error in result.errors:
            self.stderr.write(self.style.ERROR(error))
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if result.search is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.search.source_name} ({result.file_format}): parsed {result.parsed}, "
                    f"imported {result.imported}, duplicates merged {result.duplicates_merged}, "
                    f"duplicates queued for a person {result.duplicates_queued}."
                )
            )
