"""The one way a view reaches a review: membership is checked on the server before anything else, and
anyone who is not a member gets 404, so not even the existence of a review or a URL is disclosed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed

from review.exports.jobs import may_open
from review.models import ExportJob, Membership, Record, Review
from review.rules import remember_membership


def get_review_for_user(request: HttpRequest, review_slug: str, *, perm: str | None = None) -> Review:
    """The review named by the slug, if the user is a member (else 404) holding `perm` (else 403)."""
    if not request.user.is_authenticated:
        raise Http404("No such review.")
    # One query for both: a missing review and a review the user is not in look the same (404).
    membership = (
        Membership.objects.filter(review__slug=review_slug, user=request.user)
        .select_related("review")
        .order_by()
        .first()
    )
    if membership is None:
        raise Http404("No such review.")
    review = membership.review
    remember_membership(review, request.user, membership)
    if perm is not None and not request.user.has_perm(perm, review):
        raise PermissionDenied("Your role in this review does not allow this.")
    request.membership = membership  # type: ignore[attr-defined]
    return review


def review_view(
    *, methods: Iterable[str] = ("GET",), perm: str | None = None, write_perm: str | None = None
) -> Callable:
    """Decorate a view taking `(request, review, **kwargs)`. In order: log-in, membership (404),
    HTTP method (405), `perm` for every request and `write_perm` for POST (403)."""
    allowed = {m.upper() for m in methods}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, review_slug: str, **kwargs) -> HttpResponse:
            review = get_review_for_user(request, review_slug)
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            needed = perm or (write_perm if request.method == "POST" else None)
            if needed and not request.user.has_perm(needed, review):
                raise PermissionDenied("Your role in this review does not allow this.")
            return view(request, review, **kwargs)

        return wrapper

    return decorator


def first_or_404[M: Model](rows: QuerySet[M], message: str) -> M:
    """The first of `rows` (a query already scoped to the review), else 404 with `message`, which the
    error page shows."""
    found = rows.first()
    if found is None:
        raise Http404(message)
    return found


def get_record(review: Review, record_id: int) -> Record:
    return first_or_404(
        Record.objects.for_review(review)
        .filter(pk=record_id)
        .select_related("search", "duplicate_of", "study"),
        "No such record in this review.",
    )


def get_export_job(review: Review, user, job_id: int) -> ExportJob:
    """An export of the review that the user may open (else 404: someone else's personal export, such as
    their raw copies, does not exist for you)."""
    job = (
        ExportJob.objects.for_review(review)
        .filter(pk=job_id)
        .select_related("review", "requested_by")
        .first()
    )
    if job is None or not may_open(job, user):
        raise Http404("No such export in this review.")
    return job
