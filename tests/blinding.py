"""Blinding tested by difference: a member renders everything she can reach (every page, htmx fragment,
form answer and export, found by walking the URL conf) in two worlds that differ only in what she must not
learn, such as another reviewer's vote being absent or opposite, or another extractor's copy being a draft
or submitted. The two renderings must be identical.

Each world is built and observed inside a savepoint that is rolled back, so both start from the same
database; every write a request makes (a form posted, an export run) is rolled back too, so no request
sees another's effects. Time stands still while a world is observed, so whatever a request stamps (an
export job, a session) carries the same time in both worlds, while the change that makes the second world
is made at another time, so a page that showed when a record last changed would differ.

The outputs are compared after these normalisations, and no others:
- CSRF tokens: Django masks the token anew for every response, so two renderings never share it.
- CSP nonces, if the site sends them: random for every response by design.
- Export job ids in URLs: a job is made during the walk, and its id comes from a sequence, which PostgreSQL
  does not roll back with a savepoint, so the second world's job has another id.
- XLSX files are compared by their cells: the zip container stamps the wall-clock time of writing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

# Only staff reach the admin, and the members whose blinding is tested are not staff.
SKIPPED_NAMESPACES = {"admin"}
# Posting these would end the session the walk runs in; their answers do not depend on a review.
SKIPPED_POSTS = {"login", "logout"}
HTMX = {"HTTP_HX_REQUEST": "true"}

NORMALISATIONS = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1<csrf>"),
    (re.compile(r'("X-CSRFToken": ")[^"]*'), r"\1<csrf>"),
    (re.compile(r'(nonce=["\']?)[\w+/=-]+'), r"\1<nonce>"),
    (re.compile(r"('nonce-)[\w+/=-]+"), r"\1<nonce>"),
    (re.compile(r"/exports/\d+/"), "/exports/<job>/"),
]

WALK_TIME = dt.datetime(2030, 1, 7, 12, 0, tzinfo=dt.UTC)
CHANGE_TIME = dt.datetime(2030, 1, 7, 9, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace: "screening:queue"
    kwargs: tuple[str, ...]


def routes() -> list[Route]:
    """Every named URL pattern of the site outside the admin."""

    # An include() under a prefix such as reviews/<slug:review_slug>/ passes its arguments on to its routes.
    def walk(resolver: URLResolver, namespace: str, outer: tuple[str, ...]) -> Iterator[Route]:
        for pattern in resolver.url_patterns:
            kwargs = outer + tuple(pattern.pattern.converters)
            if isinstance(pattern, URLResolver):
                inner = ":".join(p for p in (namespace, pattern.namespace) if p)
                if pattern.namespace not in SKIPPED_NAMESPACES:
                    yield from walk(pattern, inner, kwargs)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield Route(name=name, kwargs=kwargs)

    return list(walk(get_resolver(), "", ()))


def urls(ids: Mapping[str, Sequence]) -> dict[Route, list[str]]:
    """Each route's URLs with every combination of the ids given for its arguments. A route with an
    argument that has no ids fails the walk: a new kind of URL needs a real object to be tested with."""
    found = {}
    for route in routes():
        missing = [k for k in route.kwargs if not ids.get(k)]
        assert not missing, f"{route.name}: give the walk ids for {', '.join(missing)}"
        combinations = itertools.product(*(ids[k] for k in route.kwargs))
        found[route] = [
            reverse(route.name, kwargs=dict(zip(route.kwargs, c, strict=True))) for c in combinations
        ]
    return found


def normalise(text: str) -> str:
    for pattern, replacement in NORMALISATIONS:
        text = pattern.sub(replacement, text)
    return text


def describe(response) -> str:
    """What a response tells its reader: status, where it sends her, its type and name, and its content."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("application/vnd.openxmlformats") and body.startswith(b"PK"):
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            f"{sheet.title}: " + " | ".join("" if c is None else str(c) for c in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    else:
        text = body.decode(errors="replace")
    chain = " ".join(f"{status} {url}" for url, status in getattr(response, "redirect_chain", []))
    head = [
        str(response.status_code),
        chain,
        response.get("Location", ""),
        content_type,
        response.get("Content-Disposition", ""),
        response.get("Vary", ""),
    ]
    return normalise(" · ".join(head) + "\n" + text)


@contextmanager
def frozen_time(moment: dt.datetime):
    """django.utils.timezone.now() returns `moment` (every model, form and library here asks it for the
    time through the module, so patching the function is enough)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


@dataclass
class Walk:
    """What to render for one member. `ids` fills URL arguments; `queries` are added to every GET (the
    queue's ?record=, ?after=, filters); `posts` are form answers worth sending with real data, on top of
    an empty POST to every URL, each followed by GETs of the `afterwards` URLs (what the answer changed);
    `exports` are (kind, format) pairs, made as the member asks for them (`export` asks, runs the job and
    downloads the file, returning the download's response)."""

    user: object
    ids: Mapping[str, Sequence]
    queries: Sequence[str] = ("",)
    posts: Sequence[tuple[str, dict]] = ()
    afterwards: Sequence[str] = ()
    exports: Sequence[tuple[str, str]] = ()
    export: Callable | None = None

    def client(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def observe(self) -> dict[str, str]:
        seen: dict[str, str] = {}
        client = self.client()
        every = urls(self.ids)
        for url in sorted({u for found in every.values() for u in found}):
            for query in self.queries:
                for headers in ({}, HTMX):
                    seen[f"GET {url}{query} {headers}"] = describe(client.get(url + query, **headers))
        posts = [(u, {}) for route, found in every.items() if route.name not in SKIPPED_POSTS for u in found]
        for url, data in [*posts, *self.posts]:
            for headers in ({}, HTMX):
                with _rolled_back():
                    client = self.client()
                    key = f"POST {url} {sorted(data.items())} {headers}"
                    seen[key] = describe(client.post(url, data, follow=not headers, **headers))
                    for then in self.afterwards if data else ():
                        seen[f"{key}, then GET {then}"] = describe(client.get(then))
        for kind, file_format in self.exports:
            with _rolled_back():
                seen[f"export {kind} {file_format}"] = describe(self.export(self.client(), kind, file_format))
        return seen


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def world(walk: Walk, change: Callable[[], object] | None = None) -> dict[str, str]:
    """Everything `walk` renders after `change` (made at CHANGE_TIME), all of it rolled back afterwards."""
    with _rolled_back():
        if change is not None:
            with frozen_time(CHANGE_TIME):
                change()
        with frozen_time(WALK_TIME):
            return walk.observe()


def assert_same(first: dict[str, str], second: dict[str, str], *, what: str) -> None:
    """Both worlds rendered the same requests with the same outputs; else say where and how they differ."""
    assert first.keys() == second.keys()
    differing = [key for key in first if first[key] != second[key]]
    report = []
    for key in differing[:5]:
        diff = difflib.unified_diff(first[key].splitlines(), second[key].splitlines(), lineterm="", n=1)
        report.append(f"--- {key}\n" + "\n".join(list(diff)[2:40]))
    assert not differing, f"{len(differing)} of {len(first)} responses tell {what}:\n" + "\n".join(report)


# A small review with something behind every URL ------------------------------------------------------


@dataclass
class SmallReview:
    review: object
    users: dict[str, object]
    ids: dict[str, list]

    def record(self, title_words: str):
        from review.models import Record

        return Record.objects.for_review(self.review).unique().get(title__icontains=title_words)


def small_review(*, export: Callable) -> SmallReview:
    """The demo review (records from two searches with a duplicate, votes at both stages, an open
    conflict, studies with extraction copies), plus what the demo lacks for some URLs: one study reconciled
    (consensus values), an upload waiting to be imported and an export. `export(client, review, kind,
    format)` makes an export as the page does. Needs a throw-away MEDIA_ROOT."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from extraction import coding, reconciliation
    from extraction.models import ConsensusValue, ExtractionCopy, FormField
    from extraction.risk_of_bias.models import AssessedResult
    from review import curation
    from review.demo import load_demo
    from review.models import DuplicatePair, ExportJob, ImportJob, Label, Membership, Record, Study
    from tests.extraction.conftest import fill

    review, _ = load_demo()
    users = {m.user.username: m.user for m in review.memberships.select_related("user")}
    study = Study.objects.for_review(review).order_by("pk").first()
    for copy in ExtractionCopy.objects.filter(study=study, form__kind="extraction").select_related(
        "reviewer"
    ):
        fill(copy, copy.reviewer, {"design": "Crossover", "ketamine_dose": "0.5", "country": "USA"})
        coding.submit_copy(copy=copy, user=copy.reviewer)
    reconciliation.start_consensus(study=study, form=copy.form, user=users["ada"])
    rita = Client()
    rita.force_login(users["rita"])
    rita.post(
        reverse("review:imports", args=[review.slug]),
        {
            "file": SimpleUploadedFile("more.ris", b"TY  - JOUR\nTI  - A late record\nER  - \n"),
            "source_name": "CENTRAL",
            "kind": "database",
            "file_format": "auto",
        },
    )
    export(rita, review, "screening.votes", "csv")
    records = Record.objects.for_review(review)
    label = Label.objects.create(review=review, name="check PDF", created_by=users["olivia"])
    curation.label_records(
        review=review,
        record_ids=records.order_by("pk").values_list("pk", flat=True)[:2],
        label=label,
        user=users["olivia"],
    )
    ids = {
        "review_slug": [review.slug],
        "stage": ["title_abstract", "full_text"],
        "kind": ["extraction"],
        "membership_id": list(Membership.objects.filter(review=review).values_list("pk", flat=True)),
        "record_id": [
            *records.filter(duplicate_of__isnull=False).values_list("pk", flat=True)[:1],
            *records.unique().order_by("pk").values_list("pk", flat=True),
        ],
        "job_id": [
            *ImportJob.objects.filter(review=review).values_list("pk", flat=True),
            *ExportJob.objects.filter(review=review).values_list("pk", flat=True),
        ],
        "label_id": [label.pk],
        "file_format": ["svg", "png", "csv"],
        "pair_id": list(DuplicatePair.objects.filter(review=review).values_list("pk", flat=True)),
        "study_id": list(Study.objects.for_review(review).values_list("pk", flat=True)),
        "copy_id": list(ExtractionCopy.objects.filter(study__review=review).values_list("pk", flat=True)),
        "value_id": list(
            ConsensusValue.objects.filter(consensus__study=study).values_list("pk", flat=True)[:2]
        ),
        "field_id": list(
            FormField.objects.filter(version__form__review=review).values_list("pk", flat=True)[:2]
        ),
        # Risk of bias: a result, and each plot as an image.
        "result_id": list(AssessedResult.objects.for_review(review).values_list("pk", flat=True)[:1]),
        "plot": ["traffic-light", "summary"],
        "image": ["svg"],
    }
    return SmallReview(review=review, users=users, ids=ids)
