"""A form as JSON, so teams can reuse one: export, validation with specific messages, and the differences
between two versions. Validation is plain code: every problem names where it is and what is wrong, and
nothing that passes it can fail to store or to show (lengths and numbers fit their columns)."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator

from extraction.constants import CHOICE_TYPES, NUMERIC_TYPES, FieldLevel, FieldType

FORMAT = "concord-extraction-form"
FORMAT_VERSION = 1
LIBRARY_DIR = Path(__file__).resolve().parent / "templates_library"
KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,79}")
# The longest text each part may hold: the sizes of their columns (extraction/models.py).
MAX_LENGTHS = {"name": 200, "title": 200, "label": 300, "unit": 50, "choice": 200, "help_text": 5000}
# min and max are stored as decimal(20, 6).
NUMBER_DIGITS, NUMBER_PLACES = 20, 6
FIELD_KEYS = {"key", "label", "type", "level", "help_text", "required", "min", "max", "unit", "choices"}
# What a field says, attribute by attribute, as compared between versions.
FIELD_ATTRIBUTES = [
    ("label", "label"),
    ("section", "section"),
    ("field_type", "type"),
    ("level", "level"),
    ("help_text", "help text"),
    ("required", "required"),
    ("min_value", "minimum"),
    ("max_value", "maximum"),
    ("unit", "unit"),
    ("choices", "choices"),
]


def library_template(name: str) -> dict:
    return json.loads((LIBRARY_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: whole when short, cut when it is a 100,000-character string."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, default=str)
        except (RecursionError, ValueError):
            text = f"a deeply nested {type(value).__name__}"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _too_long(value: Any, what: str, where: str, errors: list[str]) -> bool:
    limit = MAX_LENGTHS[what]
    if isinstance(value, str) and len(value.strip()) > limit:
        errors.append(f"{where}: at most {limit:,} characters, not {len(value.strip()):,}.")
        return True
    return False


def _number(value: Any, where: str, errors: list[str]) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        errors.append(f"{where}: must be a number, not {_shown(value)}.")
        return None
    try:
        number = (
            value if isinstance(value, Decimal) else Decimal(value if isinstance(value, str) else repr(value))
        )
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.append(f"{where}: “{_shown(str(value))}” is not a number.")
        return None
    try:
        DecimalValidator(NUMBER_DIGITS, NUMBER_PLACES)(number)
    except ValidationError:
        errors.append(
            f"{where}: “{_shown(str(value))}” does not fit: at most {NUMBER_DIGITS - NUMBER_PLACES} digits "
            f"before the decimal point and {NUMBER_PLACES} after."
        )
        return None
    return number


def validate_definition(data: Any) -> list[dict]:
    """The fields of a form definition as dicts ready for FormField, or ValidationError listing every
    problem with its place (“sections[2].fields[0].type: …”)."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ValidationError(["The file must hold a JSON object with “sections”."])
    if data.get("format") not in (None, FORMAT):
        errors.append(f"format: expected “{FORMAT}”, found “{_shown(data.get('format'))}”.")
    if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        errors.append(f"format_version: only version {FORMAT_VERSION} is understood.")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name: the form needs a name (a non-empty string).")
    else:
        _too_long(name, "name", "name", errors)
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        errors.append("sections: must be a non-empty list of sections.")
        raise ValidationError(errors)
    fields: list[dict] = []
    seen: set[str] = set()
    for s, section in enumerate(sections):
        where_s = f"sections[{s}]"
        if not isinstance(section, dict):
            errors.append(f"{where_s}: must be an object with “title” and “fields”.")
            continue
        title = section.get("title")
        if (
            not isinstance(title, str)
            or not title.strip()
            or _too_long(title, "title", f"{where_s}.title", errors)
        ):
            if not isinstance(title, str) or not title.strip():
                errors.append(f"{where_s}.title: a section needs a title.")
            title = ""
        section_fields = section.get("fields")
        if not isinstance(section_fields, list) or not section_fields:
            errors.append(f"{where_s}.fields: must be a non-empty list of fields.")
            continue
        for f, item in enumerate(section_fields):
            where = f"{where_s}.fields[{f}]"
            if not isinstance(item, dict):
                errors.append(f"{where}: must be an object.")
                continue
            if unknown := sorted(set(item) - FIELD_KEYS):
                errors.append(f"{where}: unknown keys {_shown(', '.join(unknown), 200)}.")
            key = item.get("key")
            if not isinstance(key, str) or not KEY_RE.fullmatch(key):
                errors.append(
                    f"{where}.key: “{_shown(key)}” must start with a lower-case letter and hold only a-z, 0-9 "
                    "and _ (at most 80)."
                )
            elif key in seen:
                errors.append(f"{where}.key: “{key}” is used twice.")
            else:
                seen.add(key)
            label = item.get("label")
            if not isinstance(label, str) or not label.strip():
                errors.append(f"{where}.label: a field needs a label.")
            else:
                _too_long(label, "label", f"{where}.label", errors)
            field_type = item.get("type")
            if not isinstance(field_type, str) or field_type not in FieldType.values:
                errors.append(
                    f"{where}.type: “{_shown(field_type)}” is not one of {', '.join(FieldType.values)}."
                )
            level = item.get("level", FieldLevel.STUDY)
            if not isinstance(level, str) or level not in FieldLevel.values:
                errors.append(
                    f"{where}.level: “{_shown(level)}” is not one of {', '.join(FieldLevel.values)}."
                )
            required = item.get("required", False)
            if not isinstance(required, bool):
                errors.append(f"{where}.required: must be true or false.")
            low = _number(item.get("min"), f"{where}.min", errors)
            high = _number(item.get("max"), f"{where}.max", errors)
            if (low is not None or high is not None) and field_type not in NUMERIC_TYPES:
                errors.append(f"{where}: min and max only apply to integer and decimal fields.")
            if low is not None and high is not None and low > high:
                errors.append(f"{where}: min ({low}) is greater than max ({high}).")
            choices = item.get("choices", [])
            if field_type in CHOICE_TYPES:
                if (
                    not isinstance(choices, list)
                    or not choices
                    or not all(isinstance(c, str) and c.strip() for c in choices)
                ):
                    errors.append(f"{where}.choices: a {field_type} field needs a list of non-empty strings.")
                elif len({c.strip().casefold() for c in choices}) != len(choices):
                    errors.append(f"{where}.choices: the same choice appears twice.")
                else:
                    for c, choice in enumerate(choices):
                        _too_long(choice, "choice", f"{where}.choices[{c}]", errors)
            elif choices:
                errors.append(f"{where}.choices: only choice and multi_choice fields have choices.")
            for text_key in ("help_text", "unit"):
                if not isinstance(item.get(text_key, ""), str):
                    errors.append(f"{where}.{text_key}: must be a string.")
                else:
                    _too_long(item.get(text_key, ""), text_key, f"{where}.{text_key}", errors)
            fields.append(
                {
                    "key": key,
                    "label": (label or "").strip() if isinstance(label, str) else "",
                    "section": title.strip(),
                    "position": len(fields),
                    "field_type": field_type,
                    "level": level,
                    "help_text": item.get("help_text", "") or "",
                    "required": bool(required),
                    "min_value": low,
                    "max_value": high,
                    "unit": item.get("unit", "") or "",
                    "choices": [c.strip() for c in choices] if field_type in CHOICE_TYPES else [],
                }
            )
    if errors:
        raise ValidationError(errors)
    return fields


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _integer(digits: str) -> int | Decimal:
    # Python refuses to read integers of more than 4,300 digits; as a Decimal, validation can say where
    # the number is and that it does not fit.
    return int(digits) if len(digits) <= 50 else Decimal(digits)


def parse_json(text: str | bytes, *, file_name: str = "the file") -> dict:
    """The JSON document, numbers with their exact digits (decimals as Decimal), or ValidationError."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_integer, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise ValidationError([f"{file_name}: is not UTF-8 text."]) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            [f"{file_name}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."]
        ) from None
    except RecursionError:
        raise ValidationError([f"{file_name}: its lists and objects are nested too deeply."]) from None
    except ValueError as error:  # NaN or Infinity
        raise ValidationError([f"{file_name}: {error}."]) from None


def _number_out(value) -> int | float | None:
    if value is None:
        return None
    number = Decimal(value).normalize()
    return int(number) if number == number.to_integral_value() else float(number)


def export_definition(*, name: str, fields) -> dict:
    """The JSON form of a version's fields, grouped by section in field order."""
    sections: list[dict] = []
    for field in fields:
        if not sections or sections[-1]["title"] != field.section:
            sections.append({"title": field.section, "fields": []})
        item: dict[str, Any] = {"key": field.key, "label": field.label, "type": field.field_type}
        item["level"] = field.level
        if field.help_text:
            item["help_text"] = field.help_text
        if field.required:
            item["required"] = True
        if field.min_value is not None:
            item["min"] = _number_out(field.min_value)
        if field.max_value is not None:
            item["max"] = _number_out(field.max_value)
        if field.unit:
            item["unit"] = field.unit
        if field.choices:
            item["choices"] = list(field.choices)
        sections[-1]["fields"].append(item)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name, "sections": sections}


def _comparable(field, attribute: str):
    value = getattr(field, attribute)
    if attribute in ("min_value", "max_value") and value is not None:
        return Decimal(value).normalize()
    return value


def diff_fields(old_fields, new_fields) -> dict[str, list]:
    """What changed from one version to the next, by field key: added, removed, and changed (with each
    attribute's old and new value)."""
    old = {f.key: f for f in old_fields}
    new = {f.key: f for f in new_fields}
    changed = []
    for key in new.keys() & old.keys():
        changes = [
            (label, _comparable(old[key], attr), _comparable(new[key], attr))
            for attr, label in FIELD_ATTRIBUTES
            if _comparable(old[key], attr) != _comparable(new[key], attr)
        ]
        if changes:
            changed.append({"field": new[key], "changes": changes})
    return {
        "added": [f for f in new_fields if f.key not in old],
        "removed": [f for f in old_fields if f.key not in new],
        "changed": sorted(changed, key=lambda c: c["field"].position),
    }
