"""django-import-export resources for the extraction tables. Rows are plain dicts built by exports.py in a
fixed number of queries; the resources name and order the columns."""

from __future__ import annotations

from import_export import fields, resources


def _field(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column)


class _DictResource(resources.Resource):
    columns: list[tuple[str, str]] = []

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for attribute, column in self.columns:
            self.fields[attribute] = _field(attribute, column)

    def get_export_order(self):
        return tuple(attribute for attribute, _ in self.columns)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        # Rows are already flat dicts of display values; reading them directly keeps an export of tens of
        # thousands of rows fast (the generic path looks every field up again for every row).
        if selected_fields:
            return super().export_resource(instance, selected_fields, **kwargs)
        return [_safe(instance.get(attribute, "")) for attribute, _ in self.columns]


# For other apps' tables (risk of bias): rows as dicts, columns named and ordered by `columns`.
DictResource = _DictResource


def _safe(value):
    """Text a spreadsheet would run as a formula stays text (formula injection through CSV or XLSX)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class ConsensusLongResource(_DictResource):
    """The consensus in long form: one row per study, field, arm and outcome, with provenance."""

    columns = [
        ("study", "study"),
        ("section", "section"),
        ("field", "field"),
        ("label", "label"),
        ("level", "level"),
        ("arm", "arm"),
        ("outcome", "outcome"),
        ("time_point", "time point"),
        ("measure", "measure"),
        ("value", "value"),
        ("unit", "unit"),
        ("provenance", "provenance"),
        ("source", "source"),
        ("decided_by", "decided by"),
        ("note", "note"),
        ("form_version", "form version"),
    ]


class ConsensusWideResource(_DictResource):
    """The consensus as one row per study: each study-level field, then where its value came from."""

    def __init__(self, *, field_keys: list[str], **kwargs):
        self.columns = [("study", "study")]
        for key in field_keys:
            self.columns += [(f"v_{key}", key), (f"s_{key}", f"{key} (source)")]
        self.columns += [("form_version", "form version")]
        super().__init__(**kwargs)


class RawCopiesResource(_DictResource):
    """Every reviewer's own answers, as entered."""

    columns = [
        ("study", "study"),
        ("reviewer", "reviewer"),
        ("status", "status"),
        ("submitted_at", "submitted at"),
        ("form_version", "form version"),
        ("section", "section"),
        ("field", "field"),
        ("arm", "arm"),
        ("outcome", "outcome"),
        ("time_point", "time point"),
        ("measure", "measure"),
        ("value", "value"),
        ("comment", "comment"),
        ("report", "report"),
        ("page", "page"),
    ]
