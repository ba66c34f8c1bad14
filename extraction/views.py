from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from extraction import services
from extraction.access import get_consensus_value, get_copy, get_field, get_report, get_study
from extraction.comparison import display_value, input_value
from extraction.constants import FieldLevel, FieldType, Provenance
from extraction.definitions import export_definition, library_template, parse_json
from extraction.forms import ArmsForm, FieldForm, ImportForm
from extraction.models import ConsensusValue, ExtractionCopy, FormVersion
from review import services as review_services
from review.access import review_view
from review.exports.jobs import export_panel
from review.models import Membership, Record, Review, Study

# ---------------------------------------------------------------- studies

# Offered under the study list (extraction/apps.py registers them).
EXTRACTION_EXPORTS = ["extraction.consensus-wide", "extraction.consensus-long", "extraction.raw-copies"]


@review_view()
def study_list(request: HttpRequest, review: Review) -> HttpResponse:
    form = services.get_form(review=review)
    studies = Study.objects.for_review(review).prefetch_related(
        Prefetch("reports", queryset=Record.objects.only("id", "title", "authors", "year", "study_id")),
        Prefetch(
            "extraction_copies",
            queryset=ExtractionCopy.objects.filter(form=form).select_related("reviewer"),
            to_attr="copies",
        ),
    )
    consensus = {
        row["consensus__study_id"]: row
        for row in ConsensusValue.objects.filter(consensus__study__review=review, consensus__form=form)
        .values("consensus__study_id")
        .annotate(cells=Count("id"), pending=Count("id", filter=Q(provenance=Provenance.PENDING)))
    }
    rows = []
    for study in studies:
        mine = next((c for c in study.copies if c.reviewer_id == request.user.pk), None)
        rows.append(
            {
                "study": study,
                "mine": mine,
                "submitted": sum(c.is_locked for c in study.copies),
                "assigned": len(study.copies),
                "consensus": consensus.get(study.pk),
            }
        )
    return render(
        request,
        "extraction/study_list.html",
        {
            "review": review,
            "form": form,
            "version": services.published_version(form),
            "rows": rows,
            "extractors": _extractor_choices(review),
            "can_assign": request.user.has_perm("review.adjudicate", review),
            "can_reconcile": request.user.has_perm("review.adjudicate", review),
            "panel": export_panel(review=review, user=request.user, kinds=EXTRACTION_EXPORTS),
        },
    )


def _extractor_choices(review: Review) -> list[Membership]:
    return list(
        review.memberships.filter(
            Q(is_reviewer=True) | Q(is_owner=True) | Q(is_adjudicator=True)
        ).select_related("user")
    )


def _chosen_users(review: Review, request: HttpRequest) -> list:
    ids = {int(i) for i in request.POST.getlist("reviewers") if i.isdigit()}
    return [m.user for m in _extractor_choices(review) if m.user_id in ids]


@review_view(methods=["POST"], perm="review.adjudicate")
def assign_all(request: HttpRequest, review: Review) -> HttpResponse:
    reviewers = _chosen_users(review, request)
    try:
        count = services.assign_unassigned(review=review, reviewers=reviewers)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{count} studies assigned to {', '.join(u.username for u in reviewers)}.")
    return redirect("extraction:studies", review_slug=review.slug)


@review_view()
def study_detail(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = services.get_form(review=review)
    copies = services.study_copies(study=study, form=form) if form else []
    others = Study.objects.for_review(review).exclude(pk=study.pk).only("id", "label")
    return render(
        request,
        "extraction/study_detail.html",
        {
            "review": review,
            "study": study,
            "reports": study.reports.all(),
            "copies": copies,
            "all_submitted": services.all_submitted(copies),
            "other_studies": others,
            "extractors": _extractor_choices(review),
            "can_manage": request.user.has_perm("review.manage_studies", review),
            "can_assign": request.user.has_perm("review.adjudicate", review),
        },
    )


@review_view(methods=["POST"], perm="review.adjudicate")
def study_assign(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    reviewers = _chosen_users(review, request)
    try:
        services.check_extractor_count(review=review, reviewers=reviewers)
        services.assign_study(study=study, reviewers=reviewers)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{study} assigned to {', '.join(u.username for u in reviewers)}.")
    return redirect("extraction:study", review_slug=review.slug, study_id=study.pk)


@review_view(methods=["POST"], perm="review.manage_studies")
def report_link(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_report(review, record_id)
    target = request.POST.get("study", "")
    study = get_study(review, int(target)) if target.isdigit() else None
    if study is None:
        messages.error(request, "Choose the study this report belongs to.")
        return redirect("extraction:study", review_slug=review.slug, study_id=record.study_id)
    review_services.link_report(record=record, study=study)
    messages.success(request, f"“{record.short_citation}” is now a report of {study}.")
    return redirect("extraction:study", review_slug=review.slug, study_id=study.pk)


@review_view(methods=["POST"], perm="review.manage_studies")
def report_split(request: HttpRequest, review: Review, record_id: int) -> HttpResponse:
    record = get_report(review, record_id)
    study = review_services.split_report(record=record)
    messages.success(request, f"“{record.short_citation}” is its own study again.")
    return redirect("extraction:study", review_slug=review.slug, study_id=study.pk)


# ---------------------------------------------------------------- one reviewer's copy


@dataclass
class CellView:
    name: str
    label: str
    field: Any
    arm: Any
    outcome: Any
    text: str
    selected: list
    comment: str
    report_id: int | None
    page: str
    error: str = ""


def _cell_name(field, arm, outcome) -> str:
    return f"{field.pk}-{arm.pk if arm else 0}-{outcome.pk if outcome else 0}"


def _copy_sections(data: services.CopyData, errors: dict, posted=None) -> list[dict]:
    sections: list[dict] = []
    for f, arm, outcome in data.cells():
        key = services.cell_key(f.pk, arm and arm.pk, outcome and outcome.pk)
        stored = data.values.get(key)
        name = _cell_name(f, arm, outcome)
        if posted is not None and key in errors:
            # Show what was typed next to its message, not the stored value.
            raw = posted.getlist(f"v-{name}")
            text = raw[-1] if raw else ""
            selected = [r for r in raw if r]
        else:
            value = stored.value if stored else None
            text = input_value(value)
            selected = value if isinstance(value, list) else []
        where = " — ".join(str(p) for p in (outcome, arm) if p)
        where = f" — {where}" if where else ""
        cell = CellView(
            name=name,
            label=f"{f.label}{where}",
            field=f,
            arm=arm,
            outcome=outcome,
            text=text,
            selected=selected,
            comment=stored.comment if stored else "",
            report_id=stored.report_id if stored else None,
            page=stored.page if stored else "",
            error=errors.get(key, ""),
        )
        if not sections or sections[-1]["title"] != f.section:
            sections.append({"title": f.section, "fields": []})
        fields = sections[-1]["fields"]
        if not fields or fields[-1]["field"].pk != f.pk:
            fields.append({"field": f, "cells": []})
        fields[-1]["cells"].append(cell)
    return sections


def _entries(data: services.CopyData, post) -> dict:
    entries = {}
    for f, arm, outcome in data.cells():
        name = _cell_name(f, arm, outcome)
        if f"v-{name}" not in post:
            continue
        raw = post.getlist(f"v-{name}") if f.field_type == FieldType.MULTI_CHOICE else post.get(f"v-{name}")
        entries[services.cell_key(f.pk, arm and arm.pk, outcome and outcome.pk)] = {
            "value": raw,
            "comment": post.get(f"c-{name}", ""),
            "report": post.get(f"r-{name}", ""),
            "page": post.get(f"p-{name}", ""),
        }
    return entries


def _copy_for(request: HttpRequest, review: Review, copy_id: int) -> tuple[ExtractionCopy, list]:
    copy = get_copy(review, copy_id)
    copies = services.study_copies(study=copy.study, form=copy.form)
    if not services.can_see_copy(user=request.user, copy=copy, study_copies=copies):
        # Blinding: another reviewer's copy does not exist for you until everyone has submitted.
        raise Http404("No such extraction in this review.")
    return copy, copies


@review_view(methods=["GET", "POST"], write_perm="review.write")
def copy_detail(request: HttpRequest, review: Review, copy_id: int) -> HttpResponse:
    copy, copies = _copy_for(request, review, copy_id)
    errors: dict = {}
    posted = None
    if request.method == "POST":
        if copy.reviewer_id != request.user.pk:
            raise PermissionDenied("Only the assigned reviewer fills this copy.")
        if copy.is_locked:
            messages.error(request, "This copy is submitted and locked; it can no longer change.")
            return redirect("extraction:copy", review_slug=review.slug, copy_id=copy.pk)
        errors = services.save_copy(
            copy=copy, user=request.user, entries=_entries(services.load_copy(copy), request.POST)
        )
        posted = request.POST
        if errors:
            messages.error(
                request, f"{len(errors)} answer(s) could not be saved; see the messages at the fields."
            )
        elif request.POST.get("action") == "submit":
            try:
                services.submit_copy(copy=copy, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Your extraction of {copy.study} is submitted and locked.")
                return redirect("extraction:copy", review_slug=review.slug, copy_id=copy.pk)
        else:
            messages.success(request, "Draft saved.")
            return redirect("extraction:copy", review_slug=review.slug, copy_id=copy.pk)
        copy.refresh_from_db()
    data = services.load_copy(copy)
    arms_form = ArmsForm(
        initial={
            "arms": "\n".join(a.name for a in data.arms),
            "outcomes": "\n".join(
                " | ".join(filter(None, (o.name, o.time_point, o.measure))) for o in data.outcomes
            ),
        }
    )
    return render(
        request,
        "extraction/copy.html",
        {
            "review": review,
            "copy": copy,
            "data": data,
            "sections": _copy_sections(data, errors, posted),
            "editable": copy.reviewer_id == request.user.pk and not copy.is_locked,
            "arms_form": arms_form,
            "needs_arms": any(f.level in (FieldLevel.ARM, FieldLevel.ARM_OUTCOME) for f in data.fields),
            "needs_outcomes": any(
                f.level in (FieldLevel.OUTCOME, FieldLevel.ARM_OUTCOME) for f in data.fields
            ),
            "status": _copy_status(copies),
            "newer_version": _newer_version(copy),
        },
        status=400 if errors else 200,
    )


def _newer_version(copy: ExtractionCopy) -> FormVersion | None:
    latest = services.published_version(copy.form)
    return latest if latest and latest.number > copy.version.number else None


def _copy_status(copies: list[ExtractionCopy]) -> str:
    done = sum(c.is_locked for c in copies)
    return f"{done} of {len(copies)} copies submitted"


@review_view(methods=["POST"], write_perm="review.write")
def copy_autosave(request: HttpRequest, review: Review, copy_id: int) -> HttpResponse:
    """Drafts save themselves: the page posts on every change; the answer updates the status line and the
    message at each field (out-of-band), never the inputs the reviewer may be typing in."""
    copy, _ = _copy_for(request, review, copy_id)
    if copy.reviewer_id != request.user.pk:
        raise PermissionDenied("Only the assigned reviewer fills this copy.")
    data = services.load_copy(copy)
    try:
        errors = services.save_copy(copy=copy, user=request.user, entries=_entries(data, request.POST))
    except ValidationError as error:
        return render(
            request, "extraction/copy.html#autosave", {"message": " ".join(error.messages), "cells": []}
        )
    cells = [
        {
            "name": _cell_name(f, a, o),
            "error": errors.get(services.cell_key(f.pk, a and a.pk, o and o.pk), ""),
        }
        for f, a, o in data.cells()
    ]
    message = f"{len(errors)} answer(s) not saved: see the fields." if errors else "Draft saved."
    return render(
        request, "extraction/copy.html#autosave", {"message": message, "cells": cells, "failed": bool(errors)}
    )


@review_view(methods=["POST"], write_perm="review.write")
def copy_arms(request: HttpRequest, review: Review, copy_id: int) -> HttpResponse:
    copy, _ = _copy_for(request, review, copy_id)
    form = ArmsForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.set_arms(copy=copy, user=request.user, names=form.cleaned_data["arms"])
        services.set_outcomes(copy=copy, user=request.user, rows=form.cleaned_data["outcomes"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Arms and outcomes saved.")
    return redirect("extraction:copy", review_slug=review.slug, copy_id=copy.pk)


# ---------------------------------------------------------------- reconciliation and consensus


@review_view(perm="review.adjudicate")
def reconcile(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = services.get_form(review=review)
    if form is None:
        raise Http404("This review has no extraction form yet.")
    copies = services.study_copies(study=study, form=form)
    if not services.all_submitted(copies):
        messages.error(
            request, f"Reconciliation opens once every copy is submitted ({_copy_status(copies)})."
        )
        return redirect("extraction:study", review_slug=review.slug, study_id=study.pk)
    services.start_consensus(study=study, form=form, user=request.user)
    comparison = services.build_comparison(study=study, form=form, copies=copies)
    return render(
        request, "extraction/reconcile.html", {"review": review, "study": study, "comparison": comparison}
    )


@review_view(methods=["POST"], perm="review.adjudicate")
def consensus_value(request: HttpRequest, review: Review, value_id: int) -> HttpResponse:
    cv = get_consensus_value(review, value_id)
    revision = request.POST.get("revision", "")
    stale = None
    error = ""
    try:
        cv = services.resolve_value(
            consensus_value=cv,
            user=request.user,
            revision=int(revision) if revision.isdigit() else -1,
            source=request.POST.get("source", ""),
            raw=request.POST.get("value", ""),
            note=request.POST.get("note", ""),
        )
    except services.StaleConsensus as conflict:
        stale = {
            "message": str(conflict),
            "theirs": conflict.current,
            "yours": display_value(conflict.attempted),
        }
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if not request.headers.get("HX-Request"):
        if stale or error:
            messages.error(request, stale["message"] if stale else error)
        return redirect("extraction:reconcile", review_slug=review.slug, study_id=cv.consensus.study_id)
    comparison = services.build_comparison(study=cv.consensus.study, form=cv.consensus.form)
    row = next(r for r in comparison.rows if r.consensus and r.consensus.pk == cv.pk)
    return render(
        request,
        "extraction/reconcile.html#row",
        {
            "review": review,
            "row": row,
            "comparison": comparison,
            "stale": stale,
            "error": error,
            "typed": request.POST,
        },
        status=409 if stale else (400 if error else 200),
    )


@review_view()
def consensus_detail(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = services.get_form(review=review)
    consensus = form and form.consensus_records.filter(study=study).first()
    if consensus is None:
        raise Http404("There is no consensus for this study yet.")
    values = consensus.values.select_related("field", "source_copy__reviewer", "decided_by")
    history = (
        ConsensusValue.history.filter(consensus_id=consensus.pk)
        .select_related("history_user", "field")
        .order_by("-history_date")[:100]
    )
    return render(
        request,
        "extraction/consensus.html",
        {"review": review, "study": study, "consensus": consensus, "values": values, "history": history},
    )


# ---------------------------------------------------------------- the form builder


def _version_from(request: HttpRequest, form) -> FormVersion | None:
    number = request.GET.get("version", "")
    if number.isdigit() and form is not None:
        return form.versions.filter(number=int(number)).first()
    return services.draft_version(form) or services.published_version(form)


@review_view()
def form_detail(request: HttpRequest, review: Review) -> HttpResponse:
    form = services.get_form(review=review)
    version = _version_from(request, form)
    fields = list(version.fields.in_order()) if version else []
    can_edit = request.user.has_perm("review.change_review", review)
    editable = bool(can_edit and version and not version.is_published)
    return render(
        request,
        "extraction/form.html",
        {
            "review": review,
            "form": form,
            "version": version,
            "versions": list(form.versions.all()) if form else [],
            "fields": fields,
            "field_forms": [(f, FieldForm(instance=f, prefix=f"f{f.pk}")) for f in fields]
            if editable
            else [],
            "new_field_form": FieldForm(
                prefix="new",
                initial={"position": len(fields), "section": fields[-1].section if fields else ""},
            ),
            "changes": services.version_changes(version) if version else None,
            "can_edit": can_edit,
            "editable": editable,
            "import_form": ImportForm(),
        },
    )


def _to_form_page(review: Review) -> HttpResponse:
    return redirect("extraction:form", review_slug=review.slug)


@review_view(methods=["POST"], perm="review.change_review")
def form_draft(request: HttpRequest, review: Review) -> HttpResponse:
    form = services.get_form(review=review)
    if form is None:
        messages.error(request, "There is no form yet: import one or install the template.")
        return _to_form_page(review)
    draft = services.start_draft(form=form, user=request.user)
    messages.success(request, f"Draft version {draft.number} opened; published versions stay as they were.")
    return _to_form_page(review)


def _save_field(request: HttpRequest, review: Review, field=None) -> HttpResponse:
    form = services.get_form(review=review)
    draft = services.draft_version(form)
    if draft is None:
        messages.error(request, "Open a draft version first; published versions cannot change.")
        return _to_form_page(review)
    field_form = FieldForm(request.POST, instance=field, prefix=f"f{field.pk}" if field else "new")
    if not field_form.is_valid():
        for name, errors in field_form.errors.items():
            messages.error(request, f"{name}: {' '.join(errors)}")
        return _to_form_page(review)
    try:
        services.save_field(version=draft, data=field_form.field_data(), field=field)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Field “{field_form.cleaned_data['label']}” saved in draft version {draft.number}."
        )
    return _to_form_page(review)


@review_view(methods=["POST"], perm="review.change_review")
def field_add(request: HttpRequest, review: Review) -> HttpResponse:
    return _save_field(request, review)


@review_view(methods=["POST"], perm="review.change_review")
def field_edit(request: HttpRequest, review: Review, field_id: int) -> HttpResponse:
    return _save_field(request, review, get_field(review, field_id))


@review_view(methods=["POST"], perm="review.change_review")
def field_remove(request: HttpRequest, review: Review, field_id: int) -> HttpResponse:
    field = get_field(review, field_id)
    try:
        services.remove_field(field=field)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Field “{field.label}” removed from the draft.")
    return _to_form_page(review)


@review_view(methods=["POST"], perm="review.change_review")
def form_publish(request: HttpRequest, review: Review) -> HttpResponse:
    draft = services.draft_version(services.get_form(review=review))
    if draft is None:
        messages.error(request, "There is no draft to publish.")
        return _to_form_page(review)
    try:
        services.publish_version(version=draft, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Version {draft.number} published. New assignments use it; values already entered keep their version.",
        )
    return _to_form_page(review)


@review_view(methods=["POST"], perm="review.change_review")
def form_import(request: HttpRequest, review: Review) -> HttpResponse:
    import_form = ImportForm(request.POST, request.FILES)
    if not import_form.is_valid():
        messages.error(request, "Choose a JSON file to import.")
        return _to_form_page(review)
    upload = import_form.cleaned_data["file"]
    try:
        data = parse_json(upload.read(), file_name=upload.name)
        version = services.import_definition(review=review, data=data, user=request.user)
    except ValidationError as error:
        messages.error(
            request, f"{upload.name} was not imported, nothing changed: " + " ".join(error.messages)
        )
    else:
        messages.success(
            request, f"{upload.name} imported as draft version {version.number}; publish it to use it."
        )
    return _to_form_page(review)


@review_view(methods=["POST"], perm="review.change_review")
def form_template(request: HttpRequest, review: Review) -> HttpResponse:
    version = services.import_definition(
        review=review, data=library_template("ketamine_depression"), user=request.user
    )
    messages.success(request, f"The ketamine-for-depression template is draft version {version.number}.")
    return _to_form_page(review)


@review_view()
def form_export(request: HttpRequest, review: Review) -> HttpResponse:
    form = services.get_form(review=review)
    version = _version_from(request, form)
    if version is None:
        raise Http404("This review has no extraction form yet.")
    data = export_definition(name=form.name, fields=version.fields.in_order())
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-form-v{version.number}.json"'
    return response


def nav_url(review: Review) -> str:
    return reverse("extraction:studies", kwargs={"review_slug": review.slug})
