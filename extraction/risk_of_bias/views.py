"""The risk-of-bias pages: the review's page (results, status, agreement, plots, exports), a study's
results and assessors, an assessor's assessment with suggestions live as they answer, reconciliation result
by result and domain by domain, the consensus, and the plots as images. Copies, blinding, consensus,
provenance and locking are extraction's services, called as its own pages call them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from extraction import coding, reconciliation, versions, visibility
from extraction.forms import AssignForm, CodersForm, coder_memberships
from extraction.models import ConsensusValue, ExtractionCopy, Outcome
from extraction.risk_of_bias import agreement, results, services, sheets
from extraction.risk_of_bias.access import get_consensus_value, get_form_or_404, get_result, get_study
from extraction.risk_of_bias.forms import PlotForm, ResultForm, ToolsForm, WeightForm
from extraction.risk_of_bias.kind import FAMILIES, RISK_OF_BIAS
from extraction.risk_of_bias.models import AssessedResult
from extraction.rob.plots import summary_plot, traffic_light
from extraction.views import (
    consensus_history,
    resolve_posted,
    save_posted,
    shown_copies,
    visible_copy,
    with_open_count,
)
from review.access import review_view
from review.exports.jobs import export_panel
from review.feedback import attempt
from review.models import Review, Study

KIND = RISK_OF_BIAS
TABLE_EXPORTS = ["rob.table", "rob.answers"]


def _home(review: Review) -> HttpResponse:
    return redirect("rob:home", review_slug=review.slug)


def _to_study(review: Review, study: Study) -> HttpResponse:
    return redirect("rob:study", review_slug=review.slug, study_id=study.pk)


def _valid(request: HttpRequest, form) -> bool:
    """Is the posted form valid? If not, its messages are shown on the next page."""
    if form.is_valid():
        return True
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return False


def _copies_by_study(form) -> dict[int, list[ExtractionCopy]]:
    by_study: dict[int, list[ExtractionCopy]] = defaultdict(list)
    if form is not None:
        for copy in ExtractionCopy.objects.filter(form=form).select_related("reviewer"):
            by_study[copy.study_id].append(copy)
    return by_study


def _progress(request: HttpRequest, review: Review, copies: list[ExtractionCopy]) -> dict:
    """What the user may know of a study's assessment (extraction/visibility.py decides)."""
    return {
        "mine": next((c for c in copies if c.reviewer_id == request.user.pk), None),
        "assigned": len(copies),
        "submitted": sum(c.is_locked for c in copies),
        "progress": visibility.sees_progress(user=request.user, review=review, study_copies=copies),
        "all_submitted": visibility.all_submitted(copies),
    }


# ---------------------------------------------------------------- the review's page


@review_view()
def home(request: HttpRequest, review: Review) -> HttpResponse:
    form = services.get_form(review)
    version = versions.published_version(form)
    rows = results.review_results(review=review, form=form)
    copies = _copies_by_study(form)
    by_study: dict[int, list[results.ResultRow]] = defaultdict(list)
    for row in rows:
        by_study[row.result.study_id].append(row)
    studies = [
        {"study": study, "results": by_study[study.pk], **_progress(request, review, copies[study.pk])}
        for study in Study.objects.for_review(review).only("id", "label")
    ]
    plots = []
    for scale, name in FAMILIES.items():
        plotted = results.reconciled_in(rows, scale)
        if plotted:
            weighted = all(r.result.weight is not None for r in plotted)
            plots.append({"scale": scale, "name": name, "count": len(plotted), "weighted": weighted})
    tools = services.version_tools(version)
    robvis = [f"rob.robvis-{key}" for key in sorted({r.result.tool for r in rows})]
    return render(
        request,
        "risk_of_bias/home.html",
        {
            "review": review,
            "form": form,
            "version": version,
            "tools": tools,
            "studies": studies,
            "results_count": len(rows),
            "pairs": agreement.domain_agreement(review=review, form=form),
            "plots": plots,
            "palette": "colourblind" if request.GET.get("palette") == "colourblind" else "default",
            "tools_form": ToolsForm(initial={"tools": tools}),
            "coders_form": CodersForm(
                instance=form, initial={} if form else {"coders_per_study": KIND.default_coders}
            ),
            "assessors": list(coder_memberships(review).select_related("user")),
            "can_setup": request.user.has_perm("review.change_review", review),
            "can_assign": request.user.has_perm("review.adjudicate", review),
            "panel": export_panel(review=review, user=request.user, kinds=TABLE_EXPORTS + robvis),
        },
    )


@review_view(methods=["POST"], perm="review.change_review")
def setup(request: HttpRequest, review: Review) -> HttpResponse:
    chosen = ToolsForm(request.POST)
    if _valid(request, chosen):
        tools = chosen.cleaned_data["tools"]
        attempt(
            request,
            lambda: services.install_tools(review=review, tools=tools, user=request.user),
            lambda version: f"Risk-of-bias form version {version.number}: {', '.join(tools)}.",
        )
    return _home(review)


@review_view(methods=["POST"], perm="review.change_review")
def coders(request: HttpRequest, review: Review) -> HttpResponse:
    chosen = CodersForm(request.POST, instance=services.get_form(review))
    if _valid(request, chosen):
        count = chosen.cleaned_data["coders_per_study"]
        versions.set_coders_per_study(review=review, kind=KIND, coders=count)
        messages.success(
            request, f"Each study is now assessed by {count} people; assigned studies keep theirs."
        )
    return _home(review)


def _assign_form(request: HttpRequest, review: Review) -> AssignForm:
    return AssignForm(request.POST, review=review, form=services.get_form(review), kind=KIND)


def _assign(
    request: HttpRequest, review: Review, assign: Callable, success: Callable[[Any, str], str]
) -> None:
    """Assign the assessors the posted form names with `assign(reviewers)`; say what came of it."""
    chosen = _assign_form(request, review)
    if _valid(request, chosen):
        who = chosen.cleaned_data["reviewers"]
        names = ", ".join(u.username for u in who)
        attempt(request, lambda: assign(who), lambda done: success(done, names))


@review_view(methods=["POST"], perm="review.adjudicate")
def assign_all(request: HttpRequest, review: Review) -> HttpResponse:
    _assign(
        request,
        review,
        lambda who: services.assign_unassigned(review=review, reviewers=who),
        lambda count, names: f"{count} studies assigned to {names}.",
    )
    return _home(review)


# ---------------------------------------------------------------- a study: its results and assessors


@review_view()
def study(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = services.get_form(review)
    version = versions.published_version(form)
    copies = reconciliation.study_copies(study=study, form=form) if form else []
    rows = [r for r in results.review_results(review=review, form=form) if r.result.study_id == study.pk]
    tools = services.version_tools(version)
    return render(
        request,
        "risk_of_bias/study.html",
        {
            "review": review,
            "study": study,
            "version": version,
            "rows": [(row, WeightForm(instance=row.result, prefix=f"w{row.result.pk}")) for row in rows],
            "result_form": ResultForm(tools=tools) if tools else None,
            "outcome_names": _extraction_outcomes(study),
            "copies": shown_copies(request.user, review, copies),
            "consensus": form is not None and form.consensus_records.filter(study=study).exists(),
            "assessors": list(coder_memberships(review).select_related("user")),
            "can_assign": request.user.has_perm("review.adjudicate", review),
            **_progress(request, review, copies),
        },
    )


def _extraction_outcomes(study: Study) -> list[str]:
    """The outcomes the study's data extraction names (its consensus, else its copies): offered when a
    result is named, so both modules speak of the same outcome."""
    agreed = ConsensusValue.objects.filter(
        consensus__study=study, consensus__form__kind="extraction"
    ).exclude(outcome_name="")
    names = {(cv.outcome_name, cv.time_point) for cv in agreed.only("outcome_name", "time_point")}
    if not names:
        extracted = Outcome.objects.filter(copy__study=study, copy__form__kind="extraction")
        names = {(o.name, o.time_point) for o in extracted.only("name", "time_point")}
    return sorted(name for name, _ in names)


@review_view(methods=["POST"], perm="review.adjudicate")
def result_add(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    tools = services.version_tools(versions.published_version(services.get_form(review)))
    named = ResultForm(request.POST, tools=tools)
    if _valid(request, named):
        data = named.cleaned_data
        attempt(
            request,
            lambda: services.add_result(
                study=study,
                outcome=data["outcome"],
                time_point=data["time_point"],
                tool=data["tool"],
                user=request.user,
                weight=data["weight"],
            ),
            lambda result: f"{result.label} will be assessed with {result.tool}.",
        )
    return _to_study(review, study)


@review_view(methods=["POST"], perm="review.adjudicate")
def result_weight(request: HttpRequest, review: Review, result_id: int) -> HttpResponse:
    result = get_result(review, result_id)
    # The form binds a fresh instance: a refused weight must not change `result` (its label is shown).
    weighed = WeightForm(
        request.POST, instance=AssessedResult.objects.get(pk=result.pk), prefix=f"w{result.pk}"
    )
    if _valid(request, weighed):
        services.set_weight(result=result, weight=weighed.cleaned_data["weight"], user=request.user)
        messages.success(request, f"Weight of {result.label} saved.")
    return _to_study(review, result.study)


@review_view(methods=["POST"], perm="review.adjudicate")
def result_remove(request: HttpRequest, review: Review, result_id: int) -> HttpResponse:
    result = get_result(review, result_id)
    removed = f"{result.label} is no longer assessed."
    attempt(request, lambda: services.remove_result(result=result, user=request.user), lambda _: removed)
    return _to_study(review, result.study)


@review_view(methods=["POST"], perm="review.adjudicate")
def study_assign(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    _assign(
        request,
        review,
        lambda who: services.assign_study(study=study, reviewers=who),
        lambda _, names: f"{study} assigned to {names}.",
    )
    return _to_study(review, study)


# ---------------------------------------------------------------- an assessor's assessment


def _to_copy(review: Review, copy: ExtractionCopy) -> HttpResponse:
    return redirect("rob:copy", review_slug=review.slug, copy_id=copy.pk)


@review_view(methods=["GET", "POST"], write_perm="review.write")
def copy_detail(request: HttpRequest, review: Review, copy_id: int) -> HttpResponse:
    copy, copies = visible_copy(request, review, KIND, copy_id)
    errors: dict = {}
    if request.method == "POST":
        if copy.is_locked:
            messages.error(request, "This assessment is submitted and locked; it can no longer change.")
            return _to_copy(review, copy)
        _, errors = save_posted(request, copy)
        if not errors and request.POST.get("action") == "submit":
            attempt(
                request,
                lambda: services.submit_assessment(copy=copy, user=request.user),
                lambda _: f"Your assessment of {copy.study} is submitted and locked.",
            )
            return _to_copy(review, copy)
        if not errors:
            messages.success(request, "Draft saved.")
            return _to_copy(review, copy)
        messages.error(
            request, f"{len(errors)} answer(s) could not be saved; see the messages at the questions."
        )
    data = coding.load_copy(copy)
    progress = visibility.sees_progress(user=request.user, review=review, study_copies=copies)
    return render(
        request,
        "risk_of_bias/copy.html",
        {
            "review": review,
            "copy": copy,
            "data": data,
            "sheets": sheets.result_sheets(data, errors),
            "labels": {r.key: r for r in AssessedResult.objects.filter(study=copy.study)},
            "editable": copy.reviewer_id == request.user.pk and not copy.is_locked,
            "status": f"{sum(c.is_locked for c in copies)} of {len(copies)} submitted" if progress else "",
        },
        status=400 if errors else 200,
    )


@review_view(methods=["POST"], write_perm="review.write")
def copy_autosave(request: HttpRequest, review: Review, copy_id: int) -> HttpResponse:
    """The page posts its answers on every change; the answer updates, out of band, each question's
    applicability note and message and each domain's suggested judgement, never an input being typed in."""
    copy, _ = visible_copy(request, review, KIND, copy_id)
    try:
        _, errors = save_posted(request, copy)
    except ValidationError as error:
        return render(request, "risk_of_bias/copy.html#autosave", {"message": " ".join(error.messages)})
    message = f"{len(errors)} answer(s) not saved: see the questions." if errors else "Draft saved."
    return render(
        request,
        "risk_of_bias/copy.html#autosave",
        {"message": message, "sheets": sheets.result_sheets(coding.load_copy(copy), errors)},
    )


# ---------------------------------------------------------------- reconciliation and consensus


@review_view(perm="review.adjudicate")
def reconcile(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    """The assessments side by side, result by result and domain by domain. Reading it changes nothing:
    the consensus starts with the button on this page."""
    study = get_study(review, study_id)
    form = get_form_or_404(review)
    copies = reconciliation.study_copies(study=study, form=form)
    if not visibility.all_submitted(copies):
        messages.error(request, "Reconciliation opens once every assessor has submitted.")
        return _to_study(review, study)
    comparison = reconciliation.build_comparison(study=study, form=form, copies=copies)
    return render(
        request,
        "risk_of_bias/reconcile.html",
        {
            "review": review,
            "study": study,
            "comparison": comparison,
            "results": sheets.reconcile_results(comparison),
        },
    )


@review_view(methods=["POST"], perm="review.adjudicate")
def consensus_start(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    try:
        reconciliation.start_consensus(study=study, form=get_form_or_404(review), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _to_study(review, study)
    return redirect("rob:reconcile", review_slug=review.slug, study_id=study.pk)


@review_view(methods=["POST"], perm="review.adjudicate")
def consensus_value(request: HttpRequest, review: Review, value_id: int) -> HttpResponse:
    cv = get_consensus_value(review, value_id)
    study, form = cv.consensus.study, cv.consensus.form
    stale, error = resolve_posted(request, cv)
    if not request.headers.get("HX-Request"):
        if stale or error:
            messages.error(request, stale["message"] if stale else error)
        return redirect("rob:reconcile", review_slug=review.slug, study_id=study.pk)
    comparison = reconciliation.build_comparison(study=study, form=form)
    row = sheets.find_row(sheets.reconcile_results(comparison), cv.pk)
    response = render(
        request,
        "risk_of_bias/reconcile.html#row",
        dict(review=review, item=row, comparison=comparison, stale=stale, error=error, typed=request.POST),
        status=409 if stale else (400 if error else 200),
    )
    return with_open_count(response, comparison)


@review_view()
def consensus_detail(request: HttpRequest, review: Review, study_id: int) -> HttpResponse:
    study = get_study(review, study_id)
    form = get_form_or_404(review)
    consensus = form.consensus_records.filter(study=study).first()
    if consensus is None:
        raise Http404("There is no consensus for this study yet.")
    comparison = reconciliation.build_comparison(study=study, form=form)
    judged = sheets.reconcile_results(comparison)
    rows = results.review_results(review=review, form=form)
    sheets.attach_support(judged, [row for row in rows if row.result.study_id == study.pk])
    # What reconcilers did (agreeing values were written once, when the consensus started).
    history = consensus_history(consensus, "source_copy__reviewer", changes_only=True)
    return render(
        request,
        "risk_of_bias/consensus.html",
        {
            "review": review,
            "study": study,
            "consensus": consensus,
            "results": judged,
            "history": history,
        },
    )


# ---------------------------------------------------------------- plots


PLOTS = {"traffic-light": traffic_light, "summary": summary_plot}
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@review_view()
def plot(request: HttpRequest, review: Review, plot: str, image: str) -> HttpResponse:
    """A plot of the consensus judgements as robvis draws it, SVG or PNG: ?scale=rob2|robins-i,
    palette=default|colourblind, weighted=1 (summary), download=1 (as a file)."""
    if plot not in PLOTS or image not in CONTENT_TYPES:
        raise Http404("No such plot.")
    options = PlotForm(request.GET)
    if not options.is_valid():
        return HttpResponse(options.message(), status=400, content_type="text/plain; charset=utf-8")
    scale = options.cleaned_data["scale"]
    rows = results.reconciled_in(results.review_results(review=review, form=services.get_form(review)), scale)
    if not rows:
        raise Http404("No result on this scale is reconciled yet.")
    extra = {"weighted": options.cleaned_data["weighted"]} if plot == "summary" else {}
    try:
        drawn = PLOTS[plot](
            [row.plotted() for row in rows],
            domains=results.plot_domains(rows),
            scale=scale,
            palette=options.cleaned_data["palette"],
            fmt=image,
            **extra,
        )
    except ValueError as error:  # a weighted summary with a result that has no weight
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(drawn, content_type=CONTENT_TYPES[image])
    if options.cleaned_data["download"]:
        response["Content-Disposition"] = f'attachment; filename="{review.slug}-rob-{plot}-{scale}.{image}"'
    return response
