from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from extraction.comparison import normalise_name, outcome_key, parse_value, values_equal


def make_field(field_type, **extra):
    return SimpleNamespace(
        field_type=field_type,
        min_value=extra.get("min_value"),
        max_value=extra.get("max_value"),
        unit=extra.get("unit", ""),
        choices=extra.get("choices", []),
    )


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("2.50", "2.5", True),
        ("2.5", "2.500", True),
        ("0.5", ".5", True),
        ("2.5", "2.51", False),
        ("-0", "0", True),
    ],
)
def test_decimals_compare_as_numbers(a, b, equal):
    field = make_field("decimal")
    assert values_equal("decimal", parse_value(field, a), parse_value(field, b)) is equal


def test_decimal_keeps_what_was_typed_but_compares_by_value():
    field = make_field("decimal", unit="mg/kg")
    assert parse_value(field, " 2.50 ") == "2.50"
    assert parse_value(field, "0,5") == "0.5"  # a decimal comma is read as a point
    assert Decimal(parse_value(field, "2.50")) == Decimal("2.5")


def test_integers_refuse_fractions_and_words():
    field = make_field("integer", min_value=Decimal(0))
    assert parse_value(field, "12") == "12"
    assert parse_value(field, "12.0") == "12"
    with pytest.raises(ValidationError, match="not a whole number"):
        parse_value(field, "12.5")
    with pytest.raises(ValidationError, match="“twelve” is not a number"):
        parse_value(field, "twelve")
    with pytest.raises(ValidationError, match="below the allowed minimum of 0"):
        parse_value(field, "-3")


def test_range_message_names_the_unit():
    field = make_field("decimal", min_value=Decimal(0), max_value=Decimal(10), unit="mg/kg")
    with pytest.raises(ValidationError, match=r"11 mg/kg is above the allowed maximum of 10 mg/kg"):
        parse_value(field, "11")


def test_text_ignores_case_and_surrounding_space_only():
    assert values_equal("text", "  Saline ", "saline")
    assert not values_equal("text", "saline solution", "saline")


def test_multi_choice_compares_as_sets():
    field = make_field("multi_choice", choices=["Saline", "Midazolam", "Other"])
    a = parse_value(field, ["Midazolam", "saline"])
    b = parse_value(field, ["Saline", "Midazolam"])
    assert a == ["Saline", "Midazolam"]  # canonical spelling and order
    assert values_equal("multi_choice", a, b)
    assert not values_equal("multi_choice", a, ["Saline"])
    with pytest.raises(ValidationError, match="“Ringer” is not one of the choices"):
        parse_value(field, ["Ringer"])


def test_yes_no_and_dates():
    yes_no = make_field("yes_no")
    assert parse_value(yes_no, "Yes") is True
    assert parse_value(yes_no, "no") is False
    assert not values_equal("yes_no", True, False)
    with pytest.raises(ValidationError, match="Answer yes or no"):
        parse_value(yes_no, "perhaps")
    date = make_field("date")
    assert parse_value(date, "2018-08-29") == "2018-08-29"
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        parse_value(date, "29/08/2018")


def test_empty_agrees_only_with_empty():
    assert values_equal("decimal", None, "")
    assert not values_equal("decimal", None, "0")
    assert parse_value(make_field("text"), "   ") is None


def test_arm_and_outcome_names_are_normalised():
    assert normalise_name("  Ketamine + Naltrexone ") == normalise_name("ketamine naltrexone")
    assert outcome_key("MADRS", "24 h") == outcome_key("madrs ", "24-h")
    assert outcome_key("MADRS", "24 h") != outcome_key("MADRS", "1 week")
