from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def shown(item, value: Any) -> str:
    """A value of a reconciliation row in words: `{{ item|shown:value }}` (“Some concerns”, “PY (Probably
    yes)”)."""
    return item.shown(value)
