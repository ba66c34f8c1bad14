from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods

from review import curation, merging, ris_export, services
from review.access import first_or_404, get_export_job, get_record, review_view
from review.audit import record_history
from review.confirmation import confirmation, undo_message
from review.constants import DuplicateStatus, JobStatus, RemovalKind
from review.exports import ExportError
from review.exports.jobs import download_refusal, export_panel, start_export
from review.exports.tables import CONTENT_TYPES
from review.feedback import refusal, report_write
from review.forms import (
    AddMemberForm,
    ColumnMappingForm,
    ImportUploadForm,
    LabelForm,
    RecordActionForm,
    RecordListForm,
    RestoreMemberForm,
    ReviewCreateForm,
    ReviewForm,
    RolesForm,
)
from review.importers import ImportFormatError, delimited, jobs
from review.importers.detect import read_head
from review.models import DuplicatePair, ImportJob, Label, Membership, Record, Review, Search, SearchIndexJob
from review.prisma.diagram import flow_diagram
from review.prisma.flow import prisma_counts
from review.prisma.page import diagram_for_page, diagram_size
from review.prisma.prisma_csv import to_prisma2020_csv
from review.records import (
    LIST_FIELDS,
    BadCursor,
    app_record_filters,
    attach_curation,
    capped_count,
    in_order,
    keyset_page,
)
from review.reporting import dashboard_summary, owner_reviewer_stats
from review.signals import settings_changed


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    reviews = Review.objects.for_user(request.user).order_by("-updated_at")
    return render(request, "review/home.html", {"reviews": reviews})


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"slug", "title", "exclusion_reasons"}}
        try:
            with transaction.atomic():
                review = services.create_review(
                    slug=form.cleaned_data["slug"],
                    title=form.cleaned_data["title"],
                    owner=request.user,
                    **data,
                )
                if labels := form.exclusion_reason_labels():
                    services.set_exclusion_reasons(review=review, labels=labels)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Review “{review.title}” created. Add your team next.")
            return redirect("review:team", review_slug=review.slug)
    return render(request, "review/review_form.html", {"form": form, "creating": True})


@review_view()
def dashboard(request: HttpRequest, review: Review) -> HttpResponse:
    summary = dashboard_summary(review=review, user=request.user)
    context = {
        "review": review,
        "summary": summary,
        "reviewer_stats": owner_reviewer_stats(review=review, user=request.user),
    }
    return render(request, "review/dashboard.html", context)


@review_view()
def reviewer_stats_fragment(request: HttpRequest, review: Review) -> HttpResponse:
    """The owners' per-reviewer figures alone (the dashboard refreshes them); nobody else learns it exists."""
    if (stats := owner_reviewer_stats(review=review, user=request.user)) is None:
        raise Http404("No such page.")
    return render(
        request, "review/dashboard.html#reviewer-stats", {"review": review, "reviewer_stats": stats}
    )


@review_view(methods=["GET", "POST"], write_perm="review.change_review")
def review_settings(request: HttpRequest, review: Review) -> HttpResponse:
    reasons = "\n".join(r.label for r in review.exclusion_reasons.filter(is_active=True))
    form = ReviewForm(request.POST or None, instance=review, initial={"exclusion_reasons": reasons})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            review = form.save()
            services.set_exclusion_reasons(review=review, labels=form.exclusion_reason_labels())
            settings_changed.send(sender=Review, review=review, user=request.user, changed=form.changed_data)
        messages.success(request, "Settings saved.")
        return redirect("review:settings", review_slug=review.slug)
    can_edit = request.user.has_perm("review.change_review", review)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    panel = export_panel(review=review, user=request.user, kinds=["review.backup"]) if can_edit else None
    return render(
        request,
        "review/review_form.html",
        {"form": form, "review": review, "can_edit": can_edit, "panel": panel},
    )


@review_view()
def team(request: HttpRequest, review: Review) -> HttpResponse:
    members = review.memberships.select_related("user")
    rows = [
        (m, RolesForm(initial={"roles": [r for r in m.roles if r != "viewer"]}, prefix=f"m{m.pk}"))
        for m in members
    ]
    return render(
        request,
        "review/team.html",
        {
            "review": review,
            "rows": rows,
            "add_form": AddMemberForm(),
            "can_manage": request.user.has_perm("review.manage_team", review),
        },
    )


@review_view(methods=["POST"], perm="review.manage_team")
def team_add(request: HttpRequest, review: Review) -> HttpResponse:
    form = AddMemberForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["username"]
        services.add_member(review=review, user=user, role=form.cleaned_data["role"])
        messages.success(request, f"{user.username} is now a {form.cleaned_data['role']} in this review.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("review:team", review_slug=review.slug)


def _membership(review: Review, membership_id: int) -> Membership:
    return first_or_404(
        Membership.objects.filter(review=review, pk=membership_id).select_related("user"), "No such member."
    )


@review_view(methods=["POST"], perm="review.manage_team")
def team_roles(request: HttpRequest, review: Review, membership_id: int) -> HttpResponse:
    membership = _membership(review, membership_id)
    form = RolesForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        report_write(
            request,
            lambda: services.set_roles(membership=membership, roles=set(form.cleaned_data["roles"])),
            done=f"Roles of {membership.user.username} saved.",
        )
    return redirect("review:team", review_slug=review.slug)


@review_view(methods=["POST"])
def team_remove(request: HttpRequest, review: Review, membership_id: int) -> HttpResponse:
    membership = _membership(review, membership_id)
    leaving = membership.user_id == request.user.pk
    if not leaving and not request.user.has_perm("review.manage_team", review):
        raise PermissionDenied("Only owners manage the team.")
    name = membership.user.username
    if leaving:
        question, button = f"Leave “{review.title}”?", "Leave the review"
        explanation = "You lose access to this review at once; only an owner can add you back. Your votes and copies stay with the review."
    else:
        question, button = f"Remove {name} from the team?", f"Remove {name}"
        explanation = f"{name} loses access to this review at once. Their votes and copies stay with the review, and you can undo this straight after."
    cancel = reverse("review:team", args=[review.slug])
    if page := confirmation(
        request, review=review, question=question, explanation=explanation, button=button, cancel_url=cancel
    ):
        return page
    try:
        removal = services.remove_member(membership=membership)
    except ValidationError as error:
        messages.error(request, refusal(error))
        return redirect("review:team", review_slug=review.slug)
    if leaving:
        messages.success(request, f"You left “{review.title}”.")
        return redirect("review:home")
    undo_message(
        request,
        f"{name} was removed from the team.",
        url=reverse("review:team_restore", args=[review.slug]),
        button=f"Undo: add {name} back",
        fields={"removal": removal},
    )
    return redirect("review:team", review_slug=review.slug)


@review_view(methods=["POST"], perm="review.manage_team")
def team_restore(request: HttpRequest, review: Review) -> HttpResponse:
    """Undo a removal: the member comes back with the roles they had (read from the membership's history)."""
    form = RestoreMemberForm(request.POST, review=review)
    if form.is_valid():
        membership = services.restore_member(review=review, removal=form.cleaned_data["removal"])
        messages.success(
            request, f"{membership.user.username} is back in the team as {', '.join(membership.roles)}."
        )
    else:
        messages.error(request, " ".join(form.errors["removal"]))
    return redirect("review:team", review_slug=review.slug)


# Importing search results ------------------------------------------------------------------------


@review_view(methods=["GET", "POST"], write_perm="review.import_records")
def imports(request: HttpRequest, review: Review) -> HttpResponse:
    can_import = request.user.has_perm("review.import_records", review)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = jobs.create_job(
            review=review,
            user=request.user,
            upload=upload,
            file_name=upload.name,
            source_name=form.cleaned_data["source_name"],
            kind=form.cleaned_data["kind"],
            other_method=form.cleaned_data["other_method"],
            date_searched=form.cleaned_data["date_searched"],
            query=form.cleaned_data["query"],
            file_format=form.cleaned_data["file_format"],
        )
        if job.status == JobStatus.NEEDS_MAPPING:
            return redirect("review:import_columns", review_slug=review.slug, job_id=job.pk)
        return redirect("review:import_job", review_slug=review.slug, job_id=job.pk)
    # Ordered here: a query that counts does not take the model's ordering (Django leaves it out of GROUP
    # BY queries), and PostgreSQL then returns the searches in any order.
    searches = (
        Search.objects.for_review(review)
        .annotate(
            record_count=Count("records"),
            duplicate_count=Count("records", filter=Q(records__duplicate_of__isnull=False)),
        )
        .order_by("created_at", "id")
    )
    recent_jobs = ImportJob.objects.filter(review=review).select_related("created_by")[:10]
    return render(
        request,
        "review/imports.html",
        {"review": review, "form": form, "can_import": can_import, "searches": searches, "jobs": recent_jobs},
        status=400 if form.errors else 200,
    )


def _job(review: Review, job_id: int) -> ImportJob:
    return first_or_404(
        ImportJob.objects.filter(review=review, pk=job_id).select_related("search"),
        "No such import in this review.",
    )


def _job_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A background job's page, or (for htmx's polling) its progress alone; the page's `#outcome` partial
    says what the finished job gave."""
    context["outcome"] = f"{template}#outcome"
    if request.headers.get("HX-Request"):
        template = "review/fragments/job_progress.html"
    return render(request, template, context)


@review_view()
def import_job(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    job = _job(review, job_id)
    can_screen = request.user.has_perm("review.screen", review)
    return _job_page(
        request, "review/import_job.html", {"review": review, "job": job, "can_screen": can_screen}
    )


@review_view(methods=["POST"], perm="review.import_records")
def import_again(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    """Run an import once more after its worker failed it; the file is kept with the job."""
    job = _job(review, job_id)
    if not job.requeue():
        messages.error(request, "Only an import whose worker stopped or crashed can be asked again.")
    return redirect("review:import_job", review_slug=review.slug, job_id=job.pk)


@review_view(methods=["POST"], perm="review.import_records")
def import_index_again(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    """Index an import's records once more after the worker indexing them stopped; it goes on from the
    records not indexed yet."""
    job = _job(review, job_id)
    index = SearchIndexJob.objects.filter(search_id=job.search_id).first() if job.search_id else None
    if index is None or not index.requeue():
        messages.error(request, "Only a search index whose worker stopped or crashed can be asked again.")
    return redirect("review:import_job", review_slug=review.slug, job_id=job.pk)


@review_view(methods=["GET", "POST"], write_perm="review.import_records")
def import_columns(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    job = _job(review, job_id)
    if job.status != JobStatus.NEEDS_MAPPING:
        return redirect("review:import_job", review_slug=review.slug, job_id=job.pk)
    with job.file.open("rb") as handle:
        text = read_head(handle, file_name=job.file_name)
    columns = delimited.read_header(text)
    preset = request.GET.get("preset", "")
    if preset in delimited.PRESETS:
        mapping = {f: c for f, c in delimited.PRESETS[preset]["mapping"].items() if c in columns}
    else:
        preset, mapping = delimited.propose_mapping(columns)
    form = ColumnMappingForm(request.POST or None, columns=columns, initial=mapping)
    if request.method == "POST" and form.is_valid():
        try:
            jobs.set_mapping(job=job, mapping=form.mapping())
        except ImportFormatError as error:
            messages.error(request, str(error))
        return redirect("review:import_job", review_slug=review.slug, job_id=job.pk)
    sample = delimited.sample_rows(text, limit=3)
    return render(
        request,
        "review/import_columns.html",
        {
            "review": review,
            "job": job,
            "form": form,
            "columns": columns,
            "sample": sample,
            "preset": delimited.PRESETS.get(preset, {}).get("label", ""),
            "presets": delimited.PRESETS,
        },
    )


# Exports -----------------------------------------------------------------------------------------


# Viewers may POST here: they could always download the exports their role allows (the consensus, the
# votes they may see), and asking for one only queues it.
@review_view(methods=["GET", "POST"])
def exports(request: HttpRequest, review: Review) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            job = start_export(
                review=review,
                user=request.user,
                kind=request.POST.get("kind", ""),
                file_format=request.POST.get("format", ""),
            )
        except ExportError as problem:
            error = str(problem)
        else:
            return redirect("review:export_job", review_slug=review.slug, job_id=job.pk)
    panel = export_panel(review=review, user=request.user)
    return render(
        request,
        "review/exports.html",
        {"review": review, "panel": panel, "error": error},
        status=400 if error else 200,
    )


@review_view()
def export_job(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    job = get_export_job(review, request.user, job_id)
    refusal = download_refusal(job, request.user)
    return _job_page(request, "review/export_job.html", {"review": review, "job": job, "refusal": refusal})


@review_view()
def export_download(request: HttpRequest, review: Review, job_id: int) -> HttpResponse:
    job = get_export_job(review, request.user, job_id)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404("This export has no file yet.")
    if refusal := download_refusal(job, request.user):
        raise PermissionDenied(refusal)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this export is no longer kept; ask for the export again.") from None
    return FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=CONTENT_TYPES[job.file_format]
    )


# De-duplication ----------------------------------------------------------------------------------


@review_view()
def duplicate_queue(request: HttpRequest, review: Review) -> HttpResponse:
    pairs = (
        DuplicatePair.objects.filter(review=review, status=DuplicateStatus.PENDING)
        .select_related("record__search", "original__search")
        .order_by("id")
    )
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    merged = DuplicatePair.objects.filter(review=review, status=DuplicateStatus.MERGED).count()
    return render(request, "review/duplicate_queue.html", {"review": review, "page": page, "merged": merged})


def _pair(review: Review, pair_id: int) -> DuplicatePair:
    return first_or_404(
        DuplicatePair.objects.filter(review=review, pk=pair_id).select_related(
            "record__search", "original__search", "decided_by"
        ),
        "No such pair in this review.",
    )


@review_view(methods=["GET", "POST"], write_perm="review.resolve_duplicates")
def duplicate_pair(request: HttpRequest, review: Review, pair_id: int) -> HttpResponse:
    pair = _pair(review, pair_id)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "confirm" and (
            page := confirmation(
                request,
                review=review,
                question=f"Merge #{pair.record_id} into #{pair.original_id}?",
                explanation=f"#{pair.record_id} becomes a duplicate of #{pair.original_id}: it leaves screening "
                "and PRISMA counts it among the duplicates removed. You can undo the merge from the message "
                "that follows or from the record's page.",
                button="Merge the records",
                cancel_url=request.path,
            )
        ):
            return page
        try:
            if decision == "confirm":
                kept = merging.confirm_pair(pair=pair, user=request.user)
                undo_message(
                    request,
                    f"Merged: #{pair.record_id} is now a duplicate of #{kept.pk}.",
                    url=reverse("review:record_unmerge", args=[review.slug, pair.record_id]),
                    button="Undo the merge",
                    fields={},
                )
            elif decision == "reject":
                merging.reject_pair(pair=pair, user=request.user)
                messages.success(
                    request, f"Kept apart: #{pair.record_id} and #{pair.original_id} both go to screening."
                )
            else:
                messages.error(request, "Choose “Duplicates” or “Not duplicates”.")
                return redirect("review:duplicate_pair", review_slug=review.slug, pair_id=pair.pk)
        except ValidationError as error:
            messages.error(request, refusal(error))
            return redirect("review:duplicate_pair", review_slug=review.slug, pair_id=pair.pk)
        following = (
            DuplicatePair.objects.filter(review=review, status=DuplicateStatus.PENDING).order_by("id").first()
        )
        if following is not None:
            return redirect("review:duplicate_pair", review_slug=review.slug, pair_id=following.pk)
        return redirect("review:duplicates", review_slug=review.slug)
    return render(
        request,
        "review/duplicate_pair.html",
        {
            "review": review,
            "pair": pair,
            "rows": merging.compare(pair.record, pair.original),
            "can_resolve": request.user.has_perm("review.resolve_duplicates", review),
            "history": pair.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


@review_view(methods=["POST"], perm="review.resolve_duplicates")
def record_unmerge(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_record(review, record_id)
    report_write(
        request,
        lambda: merging.unmerge(record=record, user=request.user),
        done=f"Merge undone: #{record.pk} goes to screening again.",
    )
    return redirect("review:record", review_slug=review.slug, record_id=record.pk)


# The record list and the record page: search, filters, keyset pages, curation, RIS ---------------------


def _list_query(request: HttpRequest) -> str:
    """The list's search, filters and sort as a query string, without the page position."""
    query = request.GET.copy()
    for key in ("after", "before", "last"):
        query.pop(key, None)
    return query.urlencode()


def _filtered_records(request: HttpRequest, review: Review) -> tuple[RecordListForm, QuerySet]:
    """The list's form read from the query string, and the review's records it lets through."""
    form = RecordListForm(
        request.GET, review=review, app_filters=app_record_filters(review=review, user=request.user)
    )
    return form, form.apply(Record.objects.for_review(review))


def _filter_chips(request: HttpRequest, form: RecordListForm) -> list[dict[str, str]]:
    """Each filter in use, with the list's query string without it (back to the first page)."""
    chips = []
    for name, text in form.chips():
        query = request.GET.copy()
        for key in (name, "after", "before", "last"):
            query.pop(key, None)
        chips.append({"text": text, "clear": query.urlencode()})
    return chips


@review_view()
def record_list(request: HttpRequest, review: Review) -> HttpResponse:
    form, records = _filtered_records(request, review)
    problems = form.problems()
    shown = records.select_related("search").only(*LIST_FIELDS)
    try:
        page = keyset_page(
            shown,
            sort_name=form.sort_name,
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
            last="last" in request.GET,
        )
    except BadCursor as error:
        problems.append(f"{error} Here is the first page.")
        page = keyset_page(shown, sort_name=form.sort_name)
    attach_curation(page.records)
    count, more = capped_count(records)
    return render(
        request,
        "review/record_list.html",
        {
            "review": review,
            "form": form,
            "chips": _filter_chips(request, form),
            "page": page,
            "count": count,
            "count_capped": more,
            "problems": problems,
            "list_query": _list_query(request),
            "here": request.get_full_path(),
            "action_form": RecordActionForm(None, review=review),
            "can_remove": request.user.has_perm("review.remove_records", review),
            "can_label": request.user.has_perm("review.label_records", review),
        },
        status=400 if problems else 200,
    )


@review_view()
def record_detail(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_record(review, record_id)
    attach_curation([record])
    return render(
        request,
        "review/record_detail.html",
        {
            "review": review,
            "record": record,
            "history": record_history(record),
            "duplicates": record.duplicates.all(),
            "can_resolve": request.user.has_perm("review.resolve_duplicates", review),
            "can_remove": request.user.has_perm("review.remove_records", review),
            "can_label": request.user.has_perm("review.label_records", review),
            "action_form": RecordActionForm(None, review=review),
            "here": request.get_full_path(),
        },
    )


def _back(request: HttpRequest, review: Review) -> str:
    """Where an action returns: the list page or record page it came from (never another site or review)."""
    target = request.POST.get("next", "")
    if target.startswith(reverse("review:records", args=[review.slug])) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return reverse("review:records", args=[review.slug])


def _ris_download(review: Review, records, name: str) -> StreamingHttpResponse:
    chunks = ris_export.ris_chunks(ris_export.ris_records(records).iterator(chunk_size=2000))
    response = StreamingHttpResponse(chunks, content_type=ris_export.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-{name}.ris"'
    return response


@review_view(methods=["POST"])
def record_action(request: HttpRequest, review: Review) -> HttpResponse:
    """One action on the ticked records (or one record, from its page): remove, restore, label, take a
    label off, export as RIS."""
    # Exporting only reads; anything else, even an action not understood, is for members who may write.
    permission = RecordActionForm.PERMISSIONS.get(request.POST.get("action", ""), "review.write")
    if not request.user.has_perm(permission, review):
        raise PermissionDenied("Your role in this review does not allow this.")
    form = RecordActionForm(request.POST, review=review)
    back = _back(request, review)
    if not form.is_valid():
        for problem in form.problems():
            messages.error(request, problem)
        return redirect(back)
    action, ids, data = form.cleaned_data["action"], form.record_ids(), form.cleaned_data
    if action == "export":
        return _ris_download(
            review, Record.objects.for_review(review).filter(pk__in=ids).order_by("id"), "selected"
        )
    try:
        if action == "remove":
            result = curation.remove_records(
                review=review,
                record_ids=ids,
                user=request.user,
                kind=data["removal_kind"],
                reason=data["reason"],
            )
            kind = RemovalKind(data["removal_kind"]).label.lower()
            if result.removed:
                messages.success(
                    request, f"{_records(len(result.removed))} removed before screening ({kind})."
                )
            for why in result.left_alone():
                messages.warning(request, f"Left as they were: {why}.")
        elif action == "restore":
            restored = curation.restore_records(review=review, record_ids=ids, user=request.user)
            messages.success(
                request, f"{_records(len(restored))} restored: back among the records to screen."
            )
        elif action == "label":
            done = curation.label_records(
                review=review, record_ids=ids, label=data["label"], user=request.user
            )
            messages.success(request, f"“{data['label']}” added to {_records(len(done)).lower()}.")
        else:
            done = curation.unlabel_records(
                review=review, record_ids=ids, label=data["label"], user=request.user
            )
            messages.success(request, f"“{data['label']}” taken off {_records(len(done)).lower()}.")
    except ValidationError as error:
        messages.error(request, refusal(error))
    return redirect(back)


def _records(n: int) -> str:
    return f"{n:,} record" if n == 1 else f"{n:,} records"


@review_view()
def record_list_ris(request: HttpRequest, review: Review) -> HttpResponse:
    """Every record the list's search and filters find, in the list's order, as RIS."""
    form, records = _filtered_records(request, review)
    if form.errors:
        return redirect(f"{reverse('review:records', args=[review.slug])}?{_list_query(request)}")
    return _ris_download(review, in_order(records, form.sort_name), "records")


@review_view(methods=["GET", "POST"], write_perm="review.label_records")
def labels(request: HttpRequest, review: Review) -> HttpResponse:
    form = LabelForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        label = form.save(commit=False)
        label.review, label.created_by = review, request.user
        label._history_user = request.user
        label.save()
        messages.success(request, f"Label “{label.name}” created.")
        return redirect("review:labels", review_slug=review.slug)
    # Ordered here: a counting query leaves the model’s ordering out, as on the imports page.
    found = (
        Label.objects.for_review(review)
        .annotate(records=Count("record_labels", filter=Q(record_labels__removed_at__isnull=True)))
        .order_by("name", "id")
    )
    return render(
        request,
        "review/labels.html",
        {
            "review": review,
            "form": form,
            "labels": found,
            "can_label": request.user.has_perm("review.label_records", review),
        },
        status=400 if form.errors else 200,
    )


def _label(review: Review, label_id: int) -> Label:
    return first_or_404(Label.objects.for_review(review).filter(pk=label_id), "No such label in this review.")


@review_view(methods=["POST"], perm="review.label_records")
def label_rename(request: HttpRequest, review: Review, label_id: int) -> HttpResponse:
    label = _label(review, label_id)
    old_name = label.name
    form = LabelForm(request.POST, instance=label, review=review)
    if form.is_valid():
        label = form.save(commit=False)
        label._history_user = request.user
        label.save()
        messages.success(request, f"“{old_name}” is now called “{label.name}”.")
    else:
        messages.error(request, " ".join(form.errors["name"]))
    return redirect("review:labels", review_slug=review.slug)


@review_view(methods=["POST"], perm="review.label_records")
def label_delete(request: HttpRequest, review: Review, label_id: int) -> HttpResponse:
    label = _label(review, label_id)
    report_write(
        request,
        lambda: curation.delete_label(label=label, user=request.user),
        done=f"Label “{label.name}” deleted.",
    )
    return redirect("review:labels", review_slug=review.slug)


# PRISMA 2020 ---------------------------------------------------------------------------------------

PRISMA_DOWNLOADS = {
    "svg": ("image/svg+xml", "prisma-flow-diagram.svg"),
    "png": ("image/png", "prisma-flow-diagram.png"),
    "csv": ("text/csv; charset=utf-8", "PRISMA.csv"),
}
# The diagram is its own SVG document in a frame of the PRISMA page: matplotlib styles it with a <style>
# element and style attributes, which the site's policy forbids on pages. It runs no script.
SVG_POLICY = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE], "frame-ancestors": [CSP.SELF]}


@review_view()
def prisma(request: HttpRequest, review: Review) -> HttpResponse:
    counts = prisma_counts(review)
    return render(
        request,
        "review/prisma.html",
        {
            "review": review,
            "counts": counts,
            "problems": counts.inconsistencies(),
            "size": diagram_size(counts),
        },
    )


@xframe_options_sameorigin
@csp_override(SVG_POLICY)
@review_view()
def prisma_diagram(request: HttpRequest, review: Review) -> HttpResponse:
    """The diagram shown on the PRISMA page, its links opening in the page rather than in the frame."""
    return HttpResponse(diagram_for_page(prisma_counts(review)), content_type="image/svg+xml")


@review_view()
def prisma_download(request: HttpRequest, review: Review, file_format: str) -> HttpResponse:
    if file_format not in PRISMA_DOWNLOADS:
        raise Http404("There is no PRISMA download in that format.")
    counts = prisma_counts(review)
    content_type, file_name = PRISMA_DOWNLOADS[file_format]
    body = to_prisma2020_csv(counts) if file_format == "csv" else flow_diagram(counts, fmt=file_format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-{file_name}"'
    return response
