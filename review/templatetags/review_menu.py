"""`{% review_menu as menu %}`: the review menu of review/navigation.py for the page being drawn."""

from __future__ import annotations

from django import template

from review import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def review_menu(context) -> navigation.ReviewMenu | None:
    request, review = context.get("request"), context.get("review")
    if request is None or review is None or not request.user.is_authenticated:
        return None
    return navigation.review_menu(request, review)
