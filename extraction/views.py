"""Pages of the dual-coding workflow. Every address names the form kind (`kind`, a registered FormKind), so
one set of views serves data extraction and any other kind without knowing which."""

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
from django_htmx.http import trigger_client_event

from extraction import coding, reconciliation, versions, visibility
from extraction.access import (
    get_consensus_value,
    get_copy,
    get_field,
    get_form_or_404,
    get_report,
    get_study,
)
from extraction.comparison import display_value
from extraction.constants import FieldLevel, Provenance
from extraction.definitions import export_definition, parse_json
from extraction.forms import (
    ArmsForm,
    AssignForm,
    CodersForm,
    ConsensusValueForm,
    CopyForm,
    FieldForm,
    ImportForm,
    ReportLinkForm,
    TemplateForm,
    cell_key_name,
    cell_name,
    coder_memberships,
)
from extraction.kinds import FormKind
from extraction.models import Consensus, ConsensusValue, ExtractionCopy, FormVersion
from review import services as review_services
from review.access import review_view
from review.confirmation import confirmation, undo_message
from review.exports.jobs import export_panel
from review.feedback import attempt
from review.models import Record, Review, Study
from screening.models import FullText

TABLES = ("consensus-wide", "consensus-long", "raw-copies")


def export_kinds(kind: FormKind) -> list[str]:
    """The exports of one form kind (apps.py registers them), offered under its study list."""
    return [f"{kind.slug}.{table}" for table in TABLES]


# ---------------------------------------------------------------- studies


@review_view()
def study_list(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    form = versions.get_form(review=review, kind=kind)
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
        rows.append(
            {
                "study": study,
                "mine": next((c for c in study.copies if c.reviewer_id == request.user.pk), None),
                "submitted": sum(c.is_locked for c in study.copies),
                "assigned": len(study.copies),
                "all_submitted": visibility.all_submitted(study.copies),
                "progress": visibility.sees_progress(
                    user=request.user, review=review, study_copies=study.copies
                ),
                "consensus": consensus.get(study.pk),
            }
        )
    return render(
        request,
        "extraction/study_list.html",
        {
            "review": review,
            "kind": kind,
            "form": form,
            "version": versions.published_version(form),
            "rows": rows,
            "extractors": list(coder_memberships(review).select_related("user")),
            "can_assign": request.user.has_perm("review.adjudicate", review),
            "can_reconcile": request.user.has_perm("review.adjudicate", review),
            "panel": export_panel(review=review, user=request.user, kinds=export_kinds(kind)),
        },
    )


def _assign_form(request: HttpRequest, review: Review, kind: FormKind) -> AssignForm:
    return AssignForm(
        request.POST, review=review, form=versions.get_form(review=review, kind=kind), kind=kind
    )


def _form_errors(request: HttpRequest, form) -> None:
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))


@review_view(methods=["POST"], perm="review.adjudicate")
def assign_all(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    form = _assign_form(request, review, kind)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("extraction:studies", review_slug=review.slug, kind=kind)
    reviewers = form.cleaned_data["reviewers"]
    attempt(
        request,
        lambda: coding.assign_unassigned(review=review, kind=kind, reviewers=reviewers),
        lambda count: f"{count} studies assigned to {', '.join(u.username for u in reviewers)}.",
    )
    return redirect("extraction:studies", review_slug=review.slug, kind=kind)


@review_view()
def study_detail(request: HttpRequest, review: Review, kind: FormKind, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = versions.get_form(review=review, kind=kind)
    copies = reconciliation.study_copies(study=study, form=form) if form else []
    return render(
        request,
        "extraction/study_detail.html",
        {
            "review": review,
            "kind": kind,
            "form": form,
            "study": study,
            "reports": study.reports.all(),
            "reports_with_pdf": reports_with_pdf(study.pk),
            "copies": shown_copies(request.user, review, copies),
            "all_submitted": visibility.all_submitted(copies),
            "other_studies": Study.objects.for_review(review).exclude(pk=study.pk).only("id", "label"),
            "extractors": list(coder_memberships(review).select_related("user")),
            "can_manage": request.user.has_perm("review.manage_studies", review),
            "can_assign": request.user.has_perm("review.adjudicate", review),
        },
    )


def shown_copies(user, review: Review, copies: list[ExtractionCopy]) -> list[dict]:
    """A study's copies as `user` may see them listed (any kind's study page): status and whether it opens."""
    return [
        {
            "copy": c,
            "status": visibility.shown_status(user=user, review=review, copy=c, study_copies=copies),
            "visible": visibility.can_see_copy(user=user, copy=c, study_copies=copies),
        }
        for c in copies
    ]


@review_view(methods=["POST"], perm="review.adjudicate")
def study_assign(request: HttpRequest, review: Review, kind: FormKind, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = _assign_form(request, review, kind)
    try:
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        coding.assign_study(study=study, kind=kind, reviewers=form.cleaned_data["reviewers"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        who = ", ".join(u.username for u in form.cleaned_data["reviewers"])
        messages.success(request, f"{study} assigned to {who}.")
    return redirect("extraction:study", review_slug=review.slug, kind=kind, study_id=study.pk)


@review_view(methods=["POST"], perm="review.manage_studies")
def report_link(request: HttpRequest, review: Review, kind: FormKind, record_id: int) -> HttpResponse:
    record = get_report(review, record_id)
    form = ReportLinkForm(request.POST, review=review)
    back = reverse(
        "extraction:study", kwargs={"review_slug": review.slug, "kind": kind, "study_id": record.study_id}
    )
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    study = form.cleaned_data["study"]
    if page := confirmation(
        request,
        review=review,
        question=f"Make “{record.short_citation}” a report of {study}?",
        explanation=f"Its data are then extracted once, with the other reports of {study}; {record.study} keeps "
        "any work already done on it.",
        button="Link the report",
        cancel_url=back,
    ):
        return page
    previous = record.study_id
    review_services.link_report(record=record, study=study)
    undo = (
        {
            "url": reverse("extraction:report_link", args=[review.slug, kind, record.pk]),
            "fields": {"study": previous},
        }
        if Study.objects.filter(pk=previous).exists()
        else {"url": reverse("extraction:report_split", args=[review.slug, kind, record.pk]), "fields": {}}
    )
    undo["fields"]["confirmed"] = "yes"
    undo_message(request, f"“{record.short_citation}” is now a report of {study}.", button="Undo", **undo)
    return redirect("extraction:study", review_slug=review.slug, kind=kind, study_id=study.pk)


@review_view(methods=["POST"], perm="review.manage_studies")
def report_split(request: HttpRequest, review: Review, kind: FormKind, record_id: int) -> HttpResponse:
    record = get_report(review, record_id)
    if page := confirmation(
        request,
        review=review,
        question=f"Split “{record.short_citation}” into its own study?",
        explanation=f"It leaves {record.study} and becomes a study of its own, extracted on its own.",
        button="Split the report",
        cancel_url=reverse(
            "extraction:study", kwargs={"review_slug": review.slug, "kind": kind, "study_id": record.study_id}
        ),
    ):
        return page
    previous = record.study_id
    study = review_services.split_report(record=record)
    undo_message(
        request,
        f"“{record.short_citation}” is its own study again.",
        url=reverse("extraction:report_link", args=[review.slug, kind, record.pk]),
        button="Undo",
        fields={"study": previous, "confirmed": "yes"},
    )
    return redirect("extraction:study", review_slug=review.slug, kind=kind, study_id=study.pk)


# ---------------------------------------------------------------- one coder's copy


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
    note: str = ""  # “Does not apply”, or what the kind proposes


def _cell_note(key: coding.CellKey, judgement: coding.Judgement) -> str:
    if key in judgement.skipped:
        return "Does not apply."
    if key in judgement.proposals:
        return f"Proposed: {display_value(judgement.proposals[key]) or '—'}"
    return ""


def _cell_view(data: coding.CopyData, cell, judgement: coding.Judgement, errors: dict, posted) -> CellView:
    f, arm, outcome = cell
    key = coding.cell_key(f.pk, arm and arm.pk, outcome and outcome.pk)
    stored = data.values.get(key)
    name = cell_name(f, arm, outcome)
    if posted is not None and key in errors:
        # Show what was typed next to its message, not the stored value.
        raw = posted.getlist(f"v-{name}")
        text = raw[-1] if raw else ""
        selected = [r for r in raw if r]
    else:
        value = stored.value if stored else None
        text = display_value(value)
        selected = value if isinstance(value, list) else []
    where = " — ".join(str(p) for p in (outcome, arm) if p)
    return CellView(
        name=name,
        label=f"{f.label} — {where}" if where else f.label,
        field=f,
        arm=arm,
        outcome=outcome,
        text=text,
        selected=selected,
        comment=stored.comment if stored else "",
        report_id=stored.report_id if stored else None,
        page=stored.page if stored else "",
        error=errors.get(key, ""),
        note=_cell_note(key, judgement),
    )


PER_ARM = (FieldLevel.ARM, FieldLevel.ARM_OUTCOME)


def _copy_sections(data: coding.CopyData, errors: dict, posted=None) -> list[dict]:
    """The copy's questions section by section. A section's run of per-arm questions is one grid (arms as
    columns, a row per question, per outcome for results); the others are one item each."""
    judgement = data.judge()
    cells_of: dict[int, list[CellView]] = {f.pk: [] for f in data.fields}
    for cell in data.cells():
        cells_of[cell[0].pk].append(_cell_view(data, cell, judgement, errors, posted))
    outcome_order = {o.pk: position for position, o in enumerate(data.outcomes)}
    sections: list[dict] = []
    for f in data.fields:
        if not sections or sections[-1]["title"] != f.section:
            sections.append({"title": f.section, "items": [], "commented": False})
        section, cells = sections[-1], cells_of[f.pk]
        # A section whose answers already carry a comment or a source opens with them shown.
        section["commented"] |= any(c.comment or c.page or c.report_id for c in cells)
        if f.level not in PER_ARM or not cells:
            section["items"].append({"field": f, "cells": cells})
            continue
        if not section["items"] or "grid" not in section["items"][-1]:
            section["items"].append({"grid": [], "arms": data.arms})
        by_outcome: dict[int, list[CellView]] = {}
        for c in cells:
            by_outcome.setdefault(c.outcome.pk if c.outcome else 0, []).append(c)
        for row_cells in by_outcome.values():
            section["items"][-1]["grid"].append(
                {"field": f, "outcome": row_cells[0].outcome, "cells": row_cells}
            )
    for section in sections:
        for item in section["items"]:
            if "grid" in item:
                # Per-arm questions first, then each outcome's results together.
                item["grid"].sort(
                    key=lambda row: -1 if row["outcome"] is None else outcome_order[row["outcome"].pk]
                )
                for previous, row in zip([None, *item["grid"]], item["grid"], strict=False):
                    row["starts_outcome"] = row["outcome"] is not None and (
                        previous is None or previous["outcome"] != row["outcome"]
                    )
    return sections


def reports_with_pdf(study_id: int) -> set[int]:
    """The ids of a study's reports that have a full-text PDF (served by screening, sandboxed)."""
    return set(
        FullText.objects.filter(record__study_id=study_id).exclude(pdf="").values_list("record_id", flat=True)
    )


def report_pdfs(data: coding.CopyData) -> list[Record]:
    """The copy's study's reports that have a PDF, shown beside the form."""
    with_pdf = reports_with_pdf(data.copy.study_id)
    return [r for r in data.reports if r.pk in with_pdf]


def visible_copy(
    request: HttpRequest, review: Review, kind: FormKind, copy_id: int
) -> tuple[ExtractionCopy, list]:
    """The copy and its study's copies, if the user may see it (any kind's pages call this)."""
    copy = get_copy(review, kind, copy_id)
    copies = reconciliation.study_copies(study=copy.study, form=copy.form)
    if not visibility.can_see_copy(user=request.user, copy=copy, study_copies=copies):
        # Blinding: another coder's copy does not exist for you until everyone has submitted.
        raise Http404("No such extraction in this review.")
    return copy, copies


def save_posted(request: HttpRequest, copy: ExtractionCopy) -> tuple[coding.CopyData, dict]:
    """Read the posted answers with a CopyForm and save the valid ones: the data as it was, and the
    messages by cell."""
    if copy.reviewer_id != request.user.pk:
        raise PermissionDenied("Only the assigned reviewer fills this copy.")
    data = coding.load_copy(copy)
    form = CopyForm(request.POST, copy_data=data)
    form.is_valid()
    errors = form.cell_errors()
    errors |= coding.save_copy(copy=copy, user=request.user, entries=form.entries())
    return data, errors


def _to_copy(review: Review, kind: FormKind, copy: ExtractionCopy) -> HttpResponse:
    return redirect("extraction:copy", review_slug=review.slug, kind=kind, copy_id=copy.pk)


@review_view(methods=["GET", "POST"], write_perm="review.write")
def copy_detail(request: HttpRequest, review: Review, kind: FormKind, copy_id: int) -> HttpResponse:
    copy, copies = visible_copy(request, review, kind, copy_id)
    errors: dict = {}
    posted = None
    missing: list[dict] = []
    if request.method == "POST":
        if copy.is_locked and copy.reviewer_id == request.user.pk:
            messages.error(request, "This copy is submitted and locked; it can no longer change.")
            return _to_copy(review, kind, copy)
        # The answers are kept as a draft either way (drafts may be incomplete); only submitting is refused.
        _, errors = save_posted(request, copy)
        posted = request.POST
        if errors:
            messages.error(
                request, f"{len(errors)} answer(s) could not be saved; see the messages at the fields."
            )
        elif request.POST.get("action") != "submit":
            messages.success(request, "Draft saved.")
            return _to_copy(review, kind, copy)
        else:
            try:
                coding.submit_copy(copy=copy, user=request.user)
            except coding.MissingAnswers as refusal:
                # Listed above the form, each linking to its field, and marked at the field.
                missing = [{"label": m.label, "name": cell_key_name(m.key)} for m in refusal.missing]
                errors = {m.key: "Required: answer this to submit." for m in refusal.missing}
            except ValidationError as refusal:
                messages.error(request, "Not submitted: " + " ".join(refusal.messages))
            else:
                messages.success(request, f"Your {kind.noun} of {copy.study} is submitted and locked.")
                return _to_copy(review, kind, copy)
        copy.refresh_from_db()
    data = coding.load_copy(copy)
    arms_form = ArmsForm(
        initial={
            "arms": "\n".join(a.name for a in data.arms),
            "outcomes": "\n".join(
                " | ".join(filter(None, (o.name, o.time_point, o.measure))) for o in data.outcomes
            ),
        }
    )
    sees_progress = visibility.sees_progress(user=request.user, review=review, study_copies=copies)
    return render(
        request,
        "extraction/copy.html",
        {
            "sections": _copy_sections(data, errors, posted),
            "missing_answers": missing,
            "review": review,
            "kind": kind,
            "copy": copy,
            "data": data,
            "pdfs": report_pdfs(data),
            "editable": copy.reviewer_id == request.user.pk and not copy.is_locked,
            "arms_form": arms_form,
            "needs_arms": any(f.level in PER_ARM for f in data.fields),
            "needs_outcomes": any(
                f.level in (FieldLevel.OUTCOME, FieldLevel.ARM_OUTCOME) for f in data.fields
            ),
            "newer_version": _newer_version(copy),
            "status": _copy_status(copies) if sees_progress else "",
        },
        status=400 if errors else 200,
    )


def _newer_version(copy: ExtractionCopy) -> FormVersion | None:
    latest = versions.published_version(copy.form)
    return latest if latest and latest.number > copy.version.number else None


def _copy_status(copies: list[ExtractionCopy]) -> str:
    done = sum(c.is_locked for c in copies)
    return f"{done} of {len(copies)} copies submitted"


@review_view(methods=["POST"], write_perm="review.write")
def copy_autosave(request: HttpRequest, review: Review, kind: FormKind, copy_id: int) -> HttpResponse:
    """Drafts save themselves: the page posts on every change; the answer updates the status line and, at
    each field, its message and note (out-of-band), never the inputs the coder may be typing in."""
    copy, _ = visible_copy(request, review, kind, copy_id)
    try:
        data, errors = save_posted(request, copy)
    except ValidationError as error:
        return render(
            request, "extraction/copy.html#autosave", {"message": " ".join(error.messages), "cells": []}
        )
    judgement = coding.load_copy(copy).judge()
    cells = []
    for f, a, o in data.cells():
        key = coding.cell_key(f.pk, a and a.pk, o and o.pk)
        cells.append(
            {"name": cell_name(f, a, o), "error": errors.get(key, ""), "note": _cell_note(key, judgement)}
        )
    message = f"{len(errors)} answer(s) not saved: see the fields." if errors else "Draft saved."
    return render(
        request, "extraction/copy.html#autosave", {"message": message, "cells": cells, "failed": bool(errors)}
    )


@review_view(methods=["POST"], write_perm="review.write")
def copy_arms(request: HttpRequest, review: Review, kind: FormKind, copy_id: int) -> HttpResponse:
    copy, _ = visible_copy(request, review, kind, copy_id)
    form = ArmsForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        coding.set_arms(copy=copy, user=request.user, names=form.cleaned_data["arms"])
        coding.set_outcomes(copy=copy, user=request.user, rows=form.cleaned_data["outcomes"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Arms and outcomes saved.")
    return _to_copy(review, kind, copy)


# ---------------------------------------------------------------- reconciliation and consensus


def _to_study(review: Review, kind: FormKind, study: Study) -> HttpResponse:
    return redirect("extraction:study", review_slug=review.slug, kind=kind, study_id=study.pk)


@review_view(perm="review.adjudicate")
def reconcile(request: HttpRequest, review: Review, kind: FormKind, study_id: int) -> HttpResponse:
    """The copies side by side. Reading it changes nothing: the consensus is started by a POST (the button
    on this page), after which each disagreement gets its choices."""
    study = get_study(review, study_id)
    form = get_form_or_404(review, kind)
    copies = reconciliation.study_copies(study=study, form=form)
    if not visibility.all_submitted(copies):
        messages.error(
            request, f"Reconciliation opens once every copy is submitted ({_copy_status(copies)})."
        )
        return _to_study(review, kind, study)
    comparison = reconciliation.build_comparison(study=study, form=form, copies=copies)
    return render(
        request,
        "extraction/reconcile.html",
        {"review": review, "kind": kind, "study": study, "comparison": comparison},
    )


@review_view(methods=["POST"], perm="review.adjudicate")
def consensus_start(request: HttpRequest, review: Review, kind: FormKind, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = get_form_or_404(review, kind)
    try:
        reconciliation.start_consensus(study=study, form=form, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _to_study(review, kind, study)
    return redirect("extraction:reconcile", review_slug=review.slug, kind=kind, study_id=study.pk)


def resolve_posted(request: HttpRequest, cv: ConsensusValue) -> tuple[dict | None, str]:
    """Settle a consensus value as the reconciler chose on the page (a ConsensusValueForm): what a stale
    save found (the stored value and the one attempted), or why the choice was refused."""
    study, form = cv.consensus.study, cv.consensus.form
    choice = ConsensusValueForm(request.POST, copies=reconciliation.study_copies(study=study, form=form))
    if not choice.is_valid():
        return None, choice.message()
    try:
        reconciliation.resolve_value(consensus_value=cv, user=request.user, **choice.decision())
    except reconciliation.StaleConsensus as conflict:
        return {
            "message": str(conflict),
            "theirs": conflict.current,
            "yours": display_value(conflict.attempted),
        }, ""
    except ValidationError as invalid:
        return None, " ".join(invalid.messages)
    return None, ""


def with_open_count(response: HttpResponse, comparison) -> HttpResponse:
    """A saved consensus row answers with that row only: the page's "N still to reconcile" (#open-count)
    follows through an htmx event config/static/js/app.js applies, as a <tr> answer cannot carry it."""
    trigger_client_event(response, "countsChanged", {"counts": {"open-count": len(comparison.open_rows)}})
    return response


@review_view(methods=["POST"], perm="review.adjudicate")
def consensus_value(request: HttpRequest, review: Review, kind: FormKind, value_id: int) -> HttpResponse:
    cv = get_consensus_value(review, kind, value_id)
    study, form = cv.consensus.study, cv.consensus.form
    stale, error = resolve_posted(request, cv)
    if not request.headers.get("HX-Request"):
        if stale or error:
            messages.error(request, stale["message"] if stale else error)
        return redirect("extraction:reconcile", review_slug=review.slug, kind=kind, study_id=study.pk)
    comparison = reconciliation.build_comparison(study=study, form=form)
    row = next(r for r in comparison.rows if r.consensus and r.consensus.pk == cv.pk)
    response = render(
        request,
        "extraction/reconcile.html#row",
        {
            "review": review,
            "kind": kind,
            "row": row,
            "comparison": comparison,
            "stale": stale,
            "error": error,
            "typed": request.POST,
        },
        status=409 if stale else (400 if error else 200),
    )
    return with_open_count(response, comparison)


def consensus_history(consensus: Consensus, *related: str, changes_only: bool = False):
    """The consensus's last 100 changes, newest first, for its page (any kind's); `changes_only` leaves out
    the values written when it started."""
    rows = ConsensusValue.history.filter(consensus_id=consensus.pk)
    if changes_only:
        rows = rows.filter(history_type="~")
    return rows.select_related("history_user", "field", *related).order_by("-history_date")[:100]


@review_view()
def consensus_detail(request: HttpRequest, review: Review, kind: FormKind, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = get_form_or_404(review, kind)
    consensus = form.consensus_records.filter(study=study).first()
    if consensus is None:
        raise Http404("There is no consensus for this study yet.")
    values = consensus.values.select_related("field", "source_copy__reviewer", "decided_by")
    history = consensus_history(consensus)
    return render(
        request,
        "extraction/consensus.html",
        {
            "review": review,
            "kind": kind,
            "study": study,
            "consensus": consensus,
            "values": values,
            "history": history,
        },
    )


# ---------------------------------------------------------------- the form builder


def _version_from(request: HttpRequest, form) -> FormVersion | None:
    number = request.GET.get("version", "")
    if number.isdigit() and form is not None:
        return form.versions.filter(number=int(number)).first()
    return versions.draft_version(form) or versions.published_version(form)


@review_view()
def form_detail(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    form = versions.get_form(review=review, kind=kind)
    version = _version_from(request, form)
    fields = list(version.fields.in_order()) if version else []
    can_edit = request.user.has_perm("review.change_review", review)
    editable = bool(can_edit and version and not version.is_published)
    return render(
        request,
        "extraction/form.html",
        {
            "review": review,
            "kind": kind,
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
            "changes": versions.version_changes(version) if version else None,
            "can_edit": can_edit,
            "editable": editable,
            "import_form": ImportForm(),
            "coders_form": CodersForm(
                instance=form, initial={} if form else {"coders_per_study": kind.default_coders}
            ),
            "coders_per_study": form.coders_per_study if form else kind.default_coders,
        },
    )


def _to_form_page(review: Review, kind: FormKind) -> HttpResponse:
    return redirect("extraction:form", review_slug=review.slug, kind=kind)


@review_view(methods=["POST"], perm="review.change_review")
def form_coders(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    settings_form = CodersForm(request.POST, instance=versions.get_form(review=review, kind=kind))
    if not settings_form.is_valid():
        _form_errors(request, settings_form)
        return _to_form_page(review, kind)
    coders = settings_form.cleaned_data["coders_per_study"]
    versions.set_coders_per_study(review=review, kind=kind, coders=coders)
    messages.success(request, f"Each study is now coded by {coders} people; assigned studies keep theirs.")
    return _to_form_page(review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def form_draft(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    form = versions.get_form(review=review, kind=kind)
    if form is None:
        messages.error(request, "There is no form yet: import one or install the template.")
        return _to_form_page(review, kind)
    draft = versions.start_draft(form=form, user=request.user)
    messages.success(request, f"Draft version {draft.number} opened; published versions stay as they were.")
    return _to_form_page(review, kind)


def _save_field(request: HttpRequest, review: Review, kind: FormKind, field=None) -> HttpResponse:
    draft = versions.draft_version(versions.get_form(review=review, kind=kind))
    if draft is None:
        messages.error(request, "Open a draft version first; published versions cannot change.")
        return _to_form_page(review, kind)
    field_form = FieldForm(request.POST, instance=field, prefix=f"f{field.pk}" if field else "new")
    if not field_form.is_valid():
        for name, errors in field_form.errors.items():
            messages.error(request, f"{name}: {' '.join(errors)}")
        return _to_form_page(review, kind)
    attempt(
        request,
        lambda: versions.save_field(version=draft, data=field_form.field_data(), field=field),
        lambda _: f"Field “{field_form.cleaned_data['label']}” saved in draft version {draft.number}.",
    )
    return _to_form_page(review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def field_add(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    return _save_field(request, review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def field_edit(request: HttpRequest, review: Review, kind: FormKind, field_id: int) -> HttpResponse:
    return _save_field(request, review, kind, get_field(review, kind, field_id))


@review_view(methods=["POST"], perm="review.change_review")
def field_remove(request: HttpRequest, review: Review, kind: FormKind, field_id: int) -> HttpResponse:
    field = get_field(review, kind, field_id)
    attempt(
        request,
        lambda: versions.remove_field(field=field),
        lambda _: f"Field “{field.label}” removed from the draft.",
    )
    return _to_form_page(review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def form_publish(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    draft = versions.draft_version(versions.get_form(review=review, kind=kind))
    if draft is None:
        messages.error(request, "There is no draft to publish.")
        return _to_form_page(review, kind)
    attempt(
        request,
        lambda: versions.publish_version(version=draft, user=request.user),
        lambda _: (
            f"Version {draft.number} published. New assignments use it; values already entered keep "
            "their version."
        ),
    )
    return _to_form_page(review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def form_import(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    import_form = ImportForm(request.POST, request.FILES)
    if not import_form.is_valid():
        messages.error(request, "Choose a JSON file to import.")
        return _to_form_page(review, kind)
    upload = import_form.cleaned_data["file"]
    attempt(
        request,
        lambda: versions.import_definition(
            review=review, kind=kind, data=parse_json(upload.read(), file_name=upload.name), user=request.user
        ),
        lambda version: f"{upload.name} imported as draft version {version.number}; publish it to use it.",
        refused=f"{upload.name} was not imported, nothing changed: ",
    )
    return _to_form_page(review, kind)


@review_view(methods=["POST"], perm="review.change_review")
def form_template(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    chosen = TemplateForm(request.POST, kind=kind)
    if not chosen.is_valid():
        _form_errors(request, chosen)
        return _to_form_page(review, kind)
    template = chosen.templates[chosen.cleaned_data["template"]]
    version = versions.import_definition(review=review, kind=kind, data=template.load(), user=request.user)
    messages.success(
        request, f"{template.label[:1].upper()}{template.label[1:]} is draft version {version.number}."
    )
    return _to_form_page(review, kind)


@review_view()
def form_export(request: HttpRequest, review: Review, kind: FormKind) -> HttpResponse:
    form = get_form_or_404(review, kind)
    version = _version_from(request, form)
    if version is None:
        raise Http404(f"This review has no {kind.noun} form yet.")
    data = export_definition(name=form.name, fields=version.fields.in_order())
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    name = f"{review.slug}-{kind.file_prefix}form-v{version.number}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
