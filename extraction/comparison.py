"""Plain rules for reading and comparing values: what a reviewer typed becomes a canonical value, and two
canonical values are compared the way a reviewer would (2.50 equals 2.5; “Saline ” equals “saline”)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from extraction.constants import FieldType

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise ValidationError(f"“{text}” is not a number.") from None
    if not number.is_finite():
        raise ValidationError(f"“{text}” is not a number.")
    return number


def _check_range(field, number: Decimal) -> None:
    unit = f" {field.unit}" if getattr(field, "unit", "") else ""
    if field.min_value is not None and number < Decimal(field.min_value):
        raise ValidationError(
            f"{number}{unit} is below the allowed minimum of {display_number(field.min_value)}{unit}."
        )
    if field.max_value is not None and number > Decimal(field.max_value):
        raise ValidationError(
            f"{number}{unit} is above the allowed maximum of {display_number(field.max_value)}{unit}."
        )


def display_number(number) -> str:
    return format(Decimal(number).normalize(), "f")


def _match_choice(field, text: str) -> str:
    for choice in field.choices:
        if choice.strip().casefold() == text.strip().casefold():
            return choice
    raise ValidationError(f"“{text}” is not one of the choices: {', '.join(field.choices)}.")


def parse_value(field, raw: Any) -> Any:
    """The canonical value of what was entered for `field`, or ValidationError with a message for the field.
    Empty input gives None. `raw` is a string, or a list of strings for multi-choice."""
    if isinstance(raw, list):
        items = [str(item).strip() for item in raw if str(item).strip()]
        if field.field_type != FieldType.MULTI_CHOICE:
            raw = items[0] if items else ""
    else:
        items = None
    if field.field_type == FieldType.MULTI_CHOICE:
        if items is None:
            items = [part.strip() for part in str(raw or "").split(";") if part.strip()]
        chosen = [_match_choice(field, item) for item in items]
        return [c for c in field.choices if c in chosen] or None
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    kind = field.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        return text
    if kind == FieldType.INTEGER:
        number = _decimal(text)
        if number != number.to_integral_value():
            raise ValidationError(f"“{text}” is not a whole number.")
        _check_range(field, number)
        return str(int(number))
    if kind == FieldType.DECIMAL:
        number = _decimal(text)
        _check_range(field, number)
        return str(number)
    if kind == FieldType.CHOICE:
        return _match_choice(field, text)
    if kind == FieldType.YES_NO:
        if text.casefold() in YES:
            return True
        if text.casefold() in NO:
            return False
        raise ValidationError(f"Answer yes or no, not “{text}”.")
    if kind == FieldType.DATE:
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(f"“{text}” is not a date as YYYY-MM-DD.") from None
    raise ValidationError(f"Unknown field type “{kind}”.")


def values_equal(field_type: str, a: Any, b: Any) -> bool:
    """Do two canonical values say the same thing? Numbers as numbers, text without case or surrounding
    space, multi-choice as sets; two empty values agree."""
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return False
    if field_type == FieldType.MULTI_CHOICE:
        as_set = lambda v: {str(x).strip().casefold() for x in (v if isinstance(v, list) else [v])}  # noqa: E731
        return as_set(a) == as_set(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return str(a).strip().casefold() == str(b).strip().casefold()


def display_value(value: Any) -> str:
    """How a canonical value reads on a page and in an export."""
    if is_empty(value):
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def export_value(field_type: str, value: Any) -> Any:
    """How a canonical value goes into an exported table: the number of an integer or decimal field as a
    Decimal with the same digits (a spreadsheet gets a number, CSV prints the digits as stored), anything
    else as display text."""
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL) and isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        if number.is_finite() and str(number) == value:
            return number
    return display_value(value)


def normalise_name(name: str) -> str:
    """Arm and outcome names match across copies without case, spacing or punctuation differences."""
    kept = "".join(ch if ch.isalnum() else " " for ch in name.casefold())
    return " ".join(kept.split())


def outcome_key(name: str, time_point: str) -> str:
    return f"{normalise_name(name)}|{normalise_name(time_point)}"
