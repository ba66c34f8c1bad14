from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from review import services
from review.access import get_record, review_view
from review.forms import AddMemberForm, ReviewCreateForm, ReviewForm, RolesForm
from review.models import Membership, Record, Review
from review.reporting import dashboard_summary


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
    return render(request, "review/dashboard.html", {"review": review, "summary": summary})


@review_view(methods=["GET", "POST"], write_perm="review.change_review")
def review_settings(request: HttpRequest, review: Review) -> HttpResponse:
    reasons = "\n".join(r.label for r in review.exclusion_reasons.filter(is_active=True))
    form = ReviewForm(request.POST or None, instance=review, initial={"exclusion_reasons": reasons})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            review = form.save()
            services.set_exclusion_reasons(review=review, labels=form.exclusion_reason_labels())
        messages.success(request, "Settings saved.")
        return redirect("review:settings", review_slug=review.slug)
    can_edit = request.user.has_perm("review.change_review", review)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "review/review_form.html", {"form": form, "review": review, "can_edit": can_edit})


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
    membership = Membership.objects.filter(review=review, pk=membership_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    return membership


@review_view(methods=["POST"], perm="review.manage_team")
def team_roles(request: HttpRequest, review: Review, membership_id: int) -> HttpResponse:
    membership = _membership(review, membership_id)
    form = RolesForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        try:
            services.set_roles(membership=membership, roles=set(form.cleaned_data["roles"]))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Roles of {membership.user.username} saved.")
    return redirect("review:team", review_slug=review.slug)


@review_view(methods=["POST"])
def team_remove(request: HttpRequest, review: Review, membership_id: int) -> HttpResponse:
    membership = _membership(review, membership_id)
    leaving = membership.user_id == request.user.pk
    if not leaving and not request.user.has_perm("review.manage_team", review):
        raise PermissionDenied("Only owners manage the team.")
    try:
        services.remove_member(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review:team", review_slug=review.slug)
    if leaving:
        messages.success(request, f"You left “{review.title}”.")
        return redirect("review:home")
    messages.success(request, f"{membership.user.username} was removed from the team.")
    return redirect("review:team", review_slug=review.slug)


@review_view()
def record_list(request: HttpRequest, review: Review) -> HttpResponse:
    records = (
        Record.objects.for_review(review)
        .select_related("search")
        .only(
            "id",
            "title",
            "authors",
            "year",
            "journal",
            "doi",
            "pmid",
            "duplicate_of_id",
            "search__source_name",
        )
    )
    query = request.GET.get("q", "").strip()
    if query:
        records = records.filter(Q(title__icontains=query) | Q(doi__iexact=query) | Q(pmid=query))
    show = request.GET.get("show", "all")
    if show == "unique":
        records = records.unique()
    elif show == "duplicates":
        records = records.duplicates()
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(
        request, "review/record_list.html", {"review": review, "page": page, "query": query, "show": show}
    )


@review_view()
def record_detail(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_record(review, record_id)
    history = record.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "review/record_detail.html",
        {"review": review, "record": record, "history": history, "duplicates": record.duplicates.all()},
    )
