from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# An entity such as &amp; or &#x27; left by escaping: matched first and kept whole, so a keyword is never
# marked inside one.
_ENTITY = r"&[#\w]+;"


@register.simple_tag
def highlight(text: str, include: list[str], exclude: list[str]) -> SafeString:
    """Escape the text first, then wrap the review's keywords in <mark class="include|exclude">."""
    escaped = escape(text or "")
    kinds: dict[str, str] = {}
    for kind, words in (("include", include), ("exclude", exclude)):
        for word in words:
            kinds.setdefault(escape(word).casefold(), kind)
    if not kinds:
        return mark_safe(escaped)
    # Longest first, so "serotonin 1B" wins over "serotonin". One named group per keyword says which one
    # matched: the matched text cannot be looked up, as case-insensitive matching is not case folding
    # ("İnsulin" matches "insulin", but folds to "i̇nsulin").
    keywords = sorted(kinds, key=len, reverse=True)
    alternatives = "|".join(f"(?P<k{i}>{re.escape(w)})" for i, w in enumerate(keywords))
    pattern = re.compile(rf"(?P<entity>{_ENTITY})|(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def mark(match: re.Match) -> str:
        if match.lastgroup == "entity":
            return match.group()
        kind = kinds[keywords[int(match.lastgroup[1:])]]
        return f'<mark class="{kind}">{match.group()}</mark>'

    return mark_safe(pattern.sub(mark, escaped))  # noqa: S308 - built from escaped text only
