"""Suggested risk-of-bias judgements for answers made elsewhere: JSON in, JSON out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from extraction.rob import AssessmentError, judge_assessments, tool_keys


class Command(BaseCommand):
    help = (
        "Suggest each domain's judgement, and the overall one when every domain is given, by the tool's "
        'official algorithm. FILE holds one assessment or a list, each {"D1": {"1.1": "Y", ...}, ...}; '
        "the output has the same shape."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tool", required=True, choices=tool_keys())
        parser.add_argument(
            "--answers", required=True, metavar="FILE", help="JSON file, or - for standard input"
        )

    def handle(self, *args, tool: str, answers: str, **options):
        try:
            text = sys.stdin.read() if answers == "-" else Path(answers).read_text(encoding="utf-8")
            data = json.loads(text)
        except OSError as error:
            raise CommandError(f"Cannot read {answers}: {error.strerror}.") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{answers} is not valid JSON: {error}.") from error
        try:
            result = judge_assessments(tool, data)
        except AssessmentError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
