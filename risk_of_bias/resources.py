"""django-import-export resources naming and ordering the risk-of-bias tables' columns; the rows are plain
dicts built by exports.py."""

from __future__ import annotations

from extraction.resources import DictResource


class RobTableResource(DictResource):
    """One row per result: what was assessed, with which tool, each domain's consensus judgement and its
    support, the overall judgement, and who reconciled it."""

    def __init__(self, *, domains: list[str], **kwargs):
        self.columns = [
            ("study", "study"),
            ("outcome", "outcome"),
            ("time_point", "time point"),
            ("tool", "tool"),
            ("tool_name", "tool name"),
            ("weight", "weight"),
            ("assessors", "assessors"),
            ("status", "status"),
        ]
        for key in [*domains, "overall"]:
            name = "Overall" if key == "overall" else key
            self.columns += [(f"j_{key}", name), (f"s_{key}", f"{name} support")]
        self.columns += [("reconciled_by", "reconciled by")]
        super().__init__(**kwargs)


class AnswersResource(DictResource):
    """Each assessor's own answers and judgements, with the support they gave."""

    columns = [
        ("study", "study"),
        ("outcome", "outcome"),
        ("time_point", "time point"),
        ("tool", "tool"),
        ("assessor", "assessor"),
        ("status", "status"),
        ("submitted_at", "submitted at"),
        ("section", "domain"),
        ("question", "question"),
        ("text", "question text"),
        ("answer", "answer"),
        ("support", "support"),
        ("report", "report"),
        ("page", "page"),
    ]
