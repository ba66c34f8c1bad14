from __future__ import annotations

from functools import partial

from django.apps import AppConfig

# The demo's risk-of-bias assessments (BRIEF: Williams 2018 and Jelen are crossover trials, Tiger 2020 is
# parallel): (words of the study's label, outcome, time point, tool).
DEMO_RESULTS = [
    ("Williams", "HAM-D", "1 day", "rob2-crossover"),
    ("Jelen", "MADRS", "1 day", "rob2-crossover"),
    ("Tiger", "MADRS", "24 hours", "rob2"),
]


class RiskOfBiasConfig(AppConfig):
    name = "extraction.risk_of_bias"
    label = "risk_of_bias"
    verbose_name = "Risk of bias"

    def ready(self) -> None:
        from extraction import kinds
        from extraction.risk_of_bias.kind import RISK_OF_BIAS

        kinds.register(RISK_OF_BIAS)

    def load_demo(self, *, review, users) -> None:
        from extraction.risk_of_bias.demo import load_demo

        load_demo(review=review, users=users)

    def exporters(self) -> list:
        """The RoB table (the same for every member), a robvis CSV per tool, and each assessor's answers
        (blinded per requester, so the file is theirs alone)."""
        from extraction.risk_of_bias import exports
        from extraction.rob import load_tool, tool_keys
        from review.exports import Exporter

        found = [
            Exporter(
                kind="rob.table",
                label="Risk of bias: one row per result, consensus judgements with support",
                file_stem="rob-table",
                tables=exports.rob_table,
            ),
            Exporter(
                kind="rob.answers",
                label="Risk of bias: assessors' answers (those you may see)",
                file_stem="rob-answers",
                tables=exports.answers_table,
                personal=True,
            ),
        ]
        for key in tool_keys():
            found.append(
                Exporter(
                    kind=f"rob.robvis-{key}",
                    label=f"robvis CSV, {load_tool(key).name}",
                    file_stem=f"robvis-{key}",
                    tables=partial(exports.robvis_table, tool=key),
                    formats=("csv",),
                )
            )
        return found
