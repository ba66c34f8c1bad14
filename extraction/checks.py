"""A form kind's pages live at /reviews/<review>/<kind slug>/: a slug that another app's address already
uses there (records, screening, ...) would hide that kind's pages, so `manage.py check` says so."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.urls import Resolver404, resolve

from extraction import kinds


@register(Tags.urls)
def kind_addresses_are_free(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for kind in kinds.all_kinds():
        try:
            view_name = resolve(f"/reviews/any/{kind.slug}/").view_name
        except Resolver404:
            view_name = ""
        if view_name != kind.home_view:
            errors.append(
                Error(
                    f"The form kind “{kind.slug}” cannot be reached: /reviews/<review>/{kind.slug}/ is "
                    f"{view_name or 'not routed to its pages'}.",
                    hint="Give the kind another slug.",
                    id="extraction.E001",
                )
            )
    return errors
