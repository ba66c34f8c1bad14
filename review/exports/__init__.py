"""Exports run in the background, one ExportJob per request (jobs.py). This app offers, runs and serves
them without importing the other apps: each app lists what it can export through an AppConfig
`exporters()` hook, the way the demo loader asks each app for its `load_demo`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps


class ExportError(Exception):
    """Why an export cannot be made, in words for the person who asked (shown on the job's page)."""


@dataclass(frozen=True)
class Exporter:
    """One table an app can export. `write(review=, user=, file_format=, out=, progress=)` writes the file
    to the binary stream `out` and returns its number of rows; `progress(stage, percent)` reports how far
    it is. It runs in the worker with the permissions of the person who asked, as they are then."""

    kind: str  # unique and stable: jobs keep it, e.g. "extraction.consensus-wide"
    label: str  # what the button's list says, e.g. "Consensus, one row per study"
    file_stem: str  # the file is named <review slug>-<file_stem>.<format>
    write: Callable[..., int]
    formats: tuple[str, ...] = ("csv", "xlsx")
    # The content depends on who asks (blinding): only that person may download the file. Other exports
    # are the same for everyone allowed them, so any member with `perm` may download them.
    personal: bool = False
    perm: str = "review.view_review"


def exporters() -> dict[str, Exporter]:
    """Every app's exporters by kind, in the order the apps are installed."""
    found: dict[str, Exporter] = {}
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "exporters", None):
            for exporter in hook():
                found[exporter.kind] = exporter
    return found


def get_exporter(kind: str) -> Exporter:
    exporter = exporters().get(kind)
    if exporter is None:
        raise ExportError(f"There is no export called “{kind}”.")
    return exporter
