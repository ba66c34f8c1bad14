from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from review.access import get_record, review_view
from review.constants import Stage
from review.exports.jobs import export_panel
from review.models import Record, Review
from screening import services
from screening.agreement import scope_for, stage_agreement
from screening.forms import FullTextForm, ResolveForm, VoteForm
from screening.models import FullText, ScreeningDecision, Vote
from screening.progress import queue_progress
from screening.visibility import SHOWN_LABELS, Sight


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# Views that answer htmx with a fragment and a plain request with the page: caches must tell them apart.
vary_on_htmx = vary_on_headers("HX-Request")

PDF_POLICY = "sandbox; default-src 'none'; frame-ancestors 'self'"


def _stage(value: str) -> str:
    if value not in Stage.values:
        raise Http404("No such screening stage.")
    return value


def _screen_context(
    request: HtmxHttpRequest,
    review: Review,
    stage: str,
    records: list[Record],
    error: str = "",
    *,
    all_from_queue: bool = False,
) -> dict:
    """The record on screen and the one prefetched, with the user's own votes on them (never anyone
    else's) and, at full text, their PDFs. A fixed number of queries whatever the review's size; none for
    votes when every record comes from the user's queue, which holds only records they have not voted on."""
    ids = [r.pk for r in records]
    my_votes = {}
    if not all_from_queue:
        my_votes = {
            v.record_id: v for v in Vote.objects.filter(record_id__in=ids, stage=stage, reviewer=request.user)
        }
    full_texts = {}
    if stage == Stage.FULL_TEXT:
        full_texts = {f.record_id: f for f in FullText.objects.filter(record_id__in=ids)}
    # Offered at both stages: optional at title and abstract, needed to exclude a full text.
    reasons = list(review.exclusion_reasons.filter(is_active=True))
    panels = [
        {"record": r, "my_vote": my_votes.get(r.pk), "full_text": full_texts.get(r.pk)} for r in records
    ]
    return {
        "review": review,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "current": panels[0] if panels else None,
        "prefetched": panels[1] if len(panels) > 1 else None,
        "reasons": reasons,
        "reason_required": stage == Stage.FULL_TEXT,
        # With every answer, so that the counter and the bar move after each vote and undo.
        "progress": queue_progress(sight=Sight.of(request.user, review), stage=stage),
        "include_words": review.inclusion_keyword_list,
        "exclude_words": review.exclusion_keyword_list,
        "error": error,
        "can_upload": request.user.has_perm("review.write", review),
    }


def _render_screen(request: HtmxHttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = "screening/queue.html#screen" if request.htmx else "screening/queue.html"
    return render(request, template, context, status=status)


def _on_screen(
    request: HtmxHttpRequest, review: Review, stage: str, record: Record, **context
) -> HttpResponse:
    """The record back on screen with the next one prefetched (after an error, or an undo)."""
    records = [record] + services.next_records(
        review=review, stage=stage, user=request.user, after=record.pk, limit=1
    )
    return _render_screen(request, {**_screen_context(request, review, stage, records), **context})


def _queue_url(review: Review, stage: str, **query: int) -> str:
    url = reverse("screening:queue", args=[review.slug, stage])
    return f"{url}?{urlencode(query)}" if query else url


@vary_on_htmx
@review_view(perm="review.screen")
def queue(request: HtmxHttpRequest, review: Review, stage: str) -> HttpResponse:
    """One record at a time: ?record=<id> shows a given one, ?after=<id> the next (j), ?before=<id> the
    previous (k)."""
    stage = _stage(stage)
    user = request.user
    records: list[Record] = []
    try:
        if record_id := request.GET.get("record"):
            current = services.screenable_record(
                review=review, stage=stage, user=user, record_id=int(record_id)
            )
            if current is not None:
                records = [current] + services.next_records(
                    review=review, stage=stage, user=user, after=current.pk, limit=1
                )
        elif before := request.GET.get("before"):
            previous = services.previous_record(review=review, stage=stage, user=user, before=int(before))
            if previous is not None:
                records = [previous] + services.next_records(
                    review=review, stage=stage, user=user, after=previous.pk, limit=1
                )
        after = request.GET.get("after")
        if not records:
            records = services.next_records(
                review=review, stage=stage, user=user, after=int(after) if after else None
            )
    except ValueError as error:
        raise Http404("Record ids are numbers.") from error
    records = [r for i, r in enumerate(records) if r not in records[:i]]
    return _render_screen(request, _screen_context(request, review, stage, records))


@vary_on_htmx
@review_view(methods=["POST"], perm="review.screen")
def vote(request: HtmxHttpRequest, review: Review, stage: str, record_id: int) -> HttpResponse:
    """Cast or change a vote, then answer with the next record (and the one after, prefetched)."""
    stage = _stage(stage)
    record = (
        Record.objects.for_review(review)
        .filter(pk=record_id)
        .only(*services.RECORD_FIELDS, "duplicate_of_id")
        .first()
    )
    if record is None:
        raise Http404("No such record in this review.")
    form = VoteForm(request.POST, review=review)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.cast_vote(
            review=review, record=record, stage=stage, reviewer=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if not request.htmx:
            messages.error(request, message)
            return redirect(_queue_url(review, stage, record=record.pk))
        return _on_screen(request, review, stage, record, error=message)
    if not request.htmx:
        return redirect(_queue_url(review, stage, after=record.pk))
    records = services.next_records(review=review, stage=stage, user=request.user, after=record.pk)
    context = _screen_context(request, review, stage, records, all_from_queue=True)
    context["last_voted"] = record
    return _render_screen(request, context)


@vary_on_htmx
@review_view(methods=["POST"], perm="review.screen")
def undo(request: HtmxHttpRequest, review: Review, stage: str) -> HttpResponse:
    stage = _stage(stage)
    try:
        record = services.withdraw_last_vote(review=review, stage=stage, reviewer=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if not request.htmx:
            messages.error(request, message)
            return redirect(_queue_url(review, stage))
        records = services.next_records(review=review, stage=stage, user=request.user)
        return _render_screen(request, _screen_context(request, review, stage, records, error=message))
    if not request.htmx:
        return redirect(_queue_url(review, stage, record=record.pk))
    return _on_screen(request, review, stage, record, undone=True)


def _decision(review: Review, stage: str, record_id: int) -> ScreeningDecision | None:
    return (
        ScreeningDecision.objects.for_review(review)
        .filter(stage=stage, record_id=record_id)
        .select_related("record", "resolved_by", "reason")
        .first()
    )


def _next_conflict(review: Review, stage: str, user, after: int) -> int | None:
    """The record id of the next open conflict at `stage` that `user` may settle, after record `after` in
    id order and wrapping round (never `after` itself). Two short queries on the decisions' queue index."""
    mine = services.conflicts_for(review=review, user=user).filter(stage=stage).exclude(record_id=after)
    ids = mine.order_by("record_id").values_list("record_id", flat=True)
    return ids.filter(record_id__gt=after).first() or ids.first()


def _conflicts_url(review: Review, stage: str) -> str:
    return f"{reverse('screening:conflicts', args=[review.slug])}?stage={stage}"


def _record_votes_context(
    request: HttpRequest, review: Review, stage: str, record: Record, form: ResolveForm | None = None
) -> dict:
    """A record at a stage as the user may see it (screening.visibility): the whole record, its status, the
    votes she may see and, for who may settle its conflict, the form to do so and the next conflict."""
    decision = _decision(review, stage, record.pk)
    votes: list[Vote] = []
    status = ""
    if decision is not None:
        sight = Sight.of(request.user, review)
        votes = list(decision.votes.filter(sight.votes()).select_related("reviewer", "reason"))
        voters = set(decision.votes.values_list("reviewer_id", flat=True))
        status = sight.status_of(decision, voters)
        may_settle = sight.may_settle(decision, voters)
        form = (form or ResolveForm(review=review, stage=stage)) if may_settle else None
    return {
        "review": review,
        "record": record,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "decision": decision,
        "status": status,
        "status_label": SHOWN_LABELS.get(status, ""),
        "votes": votes,
        "form": form,
        "next_conflict": _next_conflict(review, stage, request.user, after=record.pk),
        "include_words": review.inclusion_keyword_list,
        "exclude_words": review.exclusion_keyword_list,
    }


@review_view()
def record_votes(request: HttpRequest, review: Review, stage: str, record_id: int) -> HttpResponse:
    """The record at a stage, and for who may settle its conflict, the conflict view: the whole record
    beside the votes, and the decision form (keys: i include, e exclude, j the next conflict)."""
    stage = _stage(stage)
    context = _record_votes_context(request, review, stage, get_record(review, record_id))
    return render(request, "screening/record_votes.html", context)


@vary_on_htmx
@review_view(methods=["POST"], write_perm="review.write")
def resolve(request: HtmxHttpRequest, review: Review, stage: str, record_id: int) -> HttpResponse:
    """Settle a conflict, then go on to the next one (or back to the list when none is left). A refused
    decision comes back with its errors at the fields (htmx swaps the form in place, status 400); who may
    not settle this record reads the reason as a message on the record's page."""
    stage = _stage(stage)
    decision = _decision(review, stage, record_id)
    if decision is None:
        raise Http404("This record has no screening at this stage yet.")
    form = ResolveForm(request.POST, review=review, stage=stage)
    voters = set(decision.votes.values_list("reviewer_id", flat=True))
    if form.is_valid():
        try:
            services.resolve_conflict(
                review=review, decision=decision, user=request.user, **form.decision_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Conflict on {decision.record.short_citation} resolved.")
            next_id = _next_conflict(review, stage, request.user, after=record_id)
            url = (
                reverse("screening:record_votes", args=[review.slug, stage, next_id])
                if next_id
                else _conflicts_url(review, stage)
            )
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if Sight.of(request.user, review).may_settle(decision, voters):
        context = _record_votes_context(request, review, stage, decision.record, form=form)
        template = (
            "screening/record_votes.html#decision-form" if request.htmx else "screening/record_votes.html"
        )
        return render(request, template, context, status=400)
    for error in form.non_field_errors() or [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    url = reverse("screening:record_votes", args=[review.slug, stage, record_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


MY_DECISIONS_PER_PAGE = 50


@review_view(perm="review.screen")
def my_decisions(request: HttpRequest, review: Review, stage: str) -> HttpResponse:
    """The user's own votes at a stage, newest first, to revisit: an open one links back to the queue,
    where it may still be changed; a decided one to the record's page. ?show=open|decided filters."""
    stage = _stage(stage)
    show = request.GET.get("show") or ""
    if show not in ("", "open", "decided"):
        show = ""
    votes = services.my_votes(review=review, stage=stage, user=request.user, show=show)
    page = Paginator(votes, MY_DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    sight = Sight.of(request.user, review)
    # Her own vote is among the voters, so a record still open reads "Open" whatever the others did.
    rows = []
    for vote in page:
        status = sight.status_of(vote.decision, {request.user.pk})
        rows.append((vote, status, SHOWN_LABELS[status]))
    return render(
        request,
        "screening/my_decisions.html",
        {
            "review": review,
            "stage": stage,
            "stage_label": Stage(stage).label,
            "stages": Stage.choices,
            "show": show,
            "page": page,
            "rows": rows,
        },
    )


@review_view()
def conflicts(request: HttpRequest, review: Review) -> HttpResponse:
    """Open conflicts the user may settle, with the votes and notes side by side."""
    stage = request.GET.get("stage") or ""
    reviewer = request.GET.get("reviewer") or ""
    page = services.conflict_page(
        review=review,
        user=request.user,
        stage=stage if stage in Stage.values else "",
        reviewer_id=int(reviewer) if reviewer.isdigit() else None,
        after=request.GET.get("after") or "",
    )
    rows = page.rows
    next_page = (
        urlencode({"stage": stage, "reviewer": reviewer, "after": page.next_after}) if page.next_after else ""
    )
    reviewers = review.memberships.reviewers().select_related("user")
    return render(
        request,
        "screening/conflicts.html",
        {
            "review": review,
            "rows": rows,
            "next_page": next_page,
            "stages": Stage.choices,
            "stage": stage,
            "reviewer": reviewer,
            "reviewers": reviewers,
        },
    )


@review_view()
def agreement(request: HttpRequest, review: Review) -> HttpResponse:
    scope = scope_for(request.user, review)
    stages = [
        (label, stage_agreement(review=review, stage=value, scope=scope)) for value, label in Stage.choices
    ]
    return render(
        request,
        "screening/agreement.html",
        {
            "review": review,
            "stages": stages,
            "scope": scope,
            "panel": export_panel(review=review, user=request.user, kinds=["screening.votes"]),
        },
    )


@review_view(methods=["POST"], write_perm="review.write")
def full_text_upload(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_record(review, record_id)
    form = FullTextForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            # The form's fields are named as the service's arguments (pdf, not_retrieved, note).
            services.attach_full_text(review=review, record=record, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Full text of {record.short_citation} saved.")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    url = reverse("screening:queue", args=[review.slug, Stage.FULL_TEXT])
    return redirect(f"{url}?record={record.pk}")


# Shown in a frame beside the voting panel; every other page refuses to be framed (X_FRAME_OPTIONS).
@xframe_options_sameorigin
@review_view()
def full_text_pdf(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_record(review, record_id)
    full_text = FullText.objects.filter(record=record).exclude(pdf="").first()
    if full_text is None:
        raise Http404("No full text uploaded for this record.")
    response = FileResponse(
        full_text.pdf.open("rb"), content_type="application/pdf", filename=f"{record.pk}.pdf"
    )
    # An uploaded file is the uploader's content: whatever it holds may not act on the site. Sandboxed, it
    # runs in an origin of its own with no scripts, and is never read as anything but a PDF; Chromium's
    # viewer still shows it in the frame beside the record (tests/browser/test_full_text.py).
    response["Content-Security-Policy"] = PDF_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response
