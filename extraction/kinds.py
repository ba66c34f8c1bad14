"""Form kinds. Data extraction and risk of bias share one dual-coding workflow (forms and versions, blinded
copies, reconciliation into a consensus, dashboard counts, exports); a kind only says what differs: its
names, how many people code each study by default, which questions are asked given the answers so far,
what it proposes from the answers (a RoB 2 domain judgement), and when two answers agree.

A kind is a subclass of `FormKind` registered once, usually from its app's `AppConfig.ready()`:

    class RiskOfBias(FormKind):
        slug = "rob2"
        label = "Risk of bias (RoB 2)"
        ...

    kinds.register(RiskOfBias())

Its pages are then at /reviews/<review>/<slug>/..., its counts on the dashboard and its tables among the
exports; nothing in the workflow names a kind. A kind whose pages differ too much from the generic ones
(risk of bias: results, tools, domains) names its own home page in `home_view`, serves its own pages at the
same address from its app, and calls the same services."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from extraction.comparison import values_equal
from extraction.definitions import LIBRARY_DIR

if TYPE_CHECKING:
    from extraction.models import FormField

SLUG_RE = re.compile(r"[a-z][a-z0-9-]{1,19}")
GENERIC_HOME = "extraction:studies"


@dataclass(frozen=True)
class Agreement:
    """How the copies' answers to one question compare. `note` says how they differ on the reconcile page
    (“same direction”); `strong` marks a disagreement worth more attention (opposite directions)."""

    agree: bool
    note: str = ""
    strong: bool = False


@dataclass(frozen=True)
class FormTemplate:
    """A form definition shipped with the project (JSON, the format of extraction/definitions.py)."""

    slug: str
    label: str  # “the ketamine-for-depression template”
    path: Path

    def load(self) -> dict:
        return json.loads(self.path.read_text(encoding="utf-8"))


class FormKind:
    """The rules of one kind of form. Override the attributes and hooks that differ; the defaults are those
    of plain data extraction (every question asked, nothing proposed, agreement as comparison.py says)."""

    slug: str = ""  # in addresses and stored on the form: lower-case letters, digits and hyphens
    label: str = ""  # “Data extraction”
    noun: str = "coding"  # “Your extraction of Williams 2018 is submitted”
    verb: str = "code"  # “Studies to extract”
    coder: str = "coder"  # “Choose 2 extractors”
    default_coders: int = 2  # people per study, until the form's owners change it
    templates: tuple[FormTemplate, ...] = ()
    # What a question that does not apply (given the earlier answers) holds, in copies and comparisons.
    not_applicable: Any = None
    # The page at /reviews/<review>/<slug>/. A kind with pages of its own names its home page's URL name
    # (taking the review's slug); the generic pages then do not answer for it.
    home_view: str = GENERIC_HOME
    # Whether the generic tables (consensus wide and long, raw copies) are exported for this kind.
    generic_exports: bool = True

    def applicable_fields(self, fields: Sequence[FormField], answers: Mapping[str, Any]) -> list[FormField]:
        """The questions among `fields` that are asked, given `answers` (field key to canonical value) at
        the same place: the study, an arm, an outcome or an arm of an outcome, with the answers of the
        places around it (an outcome's question sees the study's answers). The others do not apply: they
        are shown as such, hold `not_applicable` and are not required."""
        return list(fields)

    def suggest(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Values the kind proposes from the answers (field key to canonical value), such as a domain's
        judgement by its algorithm. They are shown beside the field as the coder answers; a field still
        empty when the copy is submitted takes its proposal."""
        return {}

    def submit_problems(self, answers: Mapping[str, Any]) -> list[str]:
        """Why a copy with these answers (of one place, proposals included) cannot be submitted yet, in
        words for the coder (“D2: say why you depart from the proposed judgement”)."""
        return []

    def compare(self, field: FormField, values: Sequence[Any]) -> Agreement:
        """Do the copies' canonical values for one question agree?"""
        first, *others = values
        return Agreement(all(values_equal(field.field_type, first, other) for other in others))

    @property
    def own_pages(self) -> bool:
        return self.home_view != GENERIC_HOME

    def home_url(self, review_slug: str) -> str:
        if self.own_pages:
            return reverse(self.home_view, args=[review_slug])
        return reverse(GENERIC_HOME, kwargs={"review_slug": review_slug, "kind": self})

    @property
    def to_code_label(self) -> str:
        return f"{self.label}: studies to {self.verb}"

    @property
    def to_reconcile_label(self) -> str:
        return f"{self.label}: studies to reconcile"

    @property
    def file_prefix(self) -> str:
        """What the names of this kind's export files start with after the review's slug."""
        return f"{self.slug}-"

    def __str__(self) -> str:
        return self.slug


class DataExtraction(FormKind):
    slug = "extraction"
    label = "Data extraction"
    noun = "extraction"
    verb = "extract"
    coder = "extractor"
    templates = (
        FormTemplate(
            "ketamine_depression",
            "the ketamine-for-depression template",
            LIBRARY_DIR / "ketamine_depression.json",
        ),
    )
    to_code_label = "Studies to extract"  # type: ignore[assignment]
    to_reconcile_label = "Studies to reconcile"  # type: ignore[assignment]
    file_prefix = ""  # type: ignore[assignment]  # files kept their names from before there were kinds


_registry: dict[str, FormKind] = {}


def register(kind: FormKind) -> FormKind:
    """Make a kind available everywhere: addresses, dashboard, exports. A slug is registered once."""
    if not SLUG_RE.fullmatch(kind.slug):
        raise ValueError(
            f"A form kind's slug is 2-20 lower-case letters, digits or hyphens, not “{kind.slug}”."
        )
    if kind.slug in _registry and _registry[kind.slug] is not kind:
        raise ValueError(f"The form kind “{kind.slug}” is already registered.")
    _registry[kind.slug] = kind
    return kind


def unregister(slug: str) -> None:
    _registry.pop(slug, None)


def get_kind(slug: str) -> FormKind:
    """The registered kind; LookupError for any other word."""
    try:
        return _registry[slug]
    except KeyError:
        raise LookupError(f"There is no form kind “{slug}”.") from None


def all_kinds() -> list[FormKind]:
    return list(_registry.values())


EXTRACTION = register(DataExtraction())
