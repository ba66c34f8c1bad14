from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from screening.highlighting import KeywordMatcher

register = template.Library()


@register.simple_tag
def highlight(text: str, include: list[str], exclude: list[str]) -> SafeString:
    """The text escaped, with the review's keywords (stems, phrases, `word*`: screening.highlighting)
    wrapped in <mark class="include|exclude">. Matches are found in the text as written and every piece
    is escaped on its own, so a keyword can never be marked inside an entity such as &amp;."""
    text = text or ""
    pieces, position = [], 0
    for match in KeywordMatcher(include, exclude).find(text):
        pieces.append(escape(text[position : match.start]))
        pieces.append(f'<mark class="{match.kind}">{escape(text[match.start : match.end])}</mark>')
        position = match.end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped
