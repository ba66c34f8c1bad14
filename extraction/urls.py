from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern, path, register_converter

from extraction import kinds, views

app_name = "extraction"


def _generic_kind(slug: str) -> kinds.FormKind:
    kind = kinds.get_kind(slug)
    if kind.own_pages:
        raise LookupError(f"The form kind “{slug}” has pages of its own.")
    return kind


class FormKindConverter:
    """A registered form kind's slug in the address; any other word does not match (the next pattern is
    tried), so /reviews/<review>/screening/ and the like stay the other apps'. Neither does a kind with
    pages of its own: its app serves that address."""

    regex = kinds.SLUG_RE.pattern

    def to_python(self, value: str) -> kinds.FormKind:
        try:
            return _generic_kind(value)
        except LookupError as error:
            raise ValueError(str(error)) from None

    def reserved_words(self) -> list[str]:
        """Every kind's slug: a review may not be called after one (review.services.check_review_slug)."""
        return [kind.slug for kind in kinds.all_kinds()]

    def to_url(self, value: kinds.FormKind | str) -> str:
        slug = value.slug if isinstance(value, kinds.FormKind) else value
        try:
            return _generic_kind(slug).slug
        except LookupError as error:
            raise ValueError(str(error)) from None


register_converter(FormKindConverter, "form_kind")


def dual_coding_paths(prefix: str, views: ModuleType) -> list[URLPattern]:
    """The addresses every form kind's pages share, under `prefix`, with the same names and views of the same
    names: assigning coders, a coder's copy, reconciliation and the consensus (extraction's generic pages
    and kinds with pages of their own, such as risk of bias)."""
    return [
        path(prefix + "assign/", views.assign_all, name="assign_all"),
        path(prefix + "studies/<int:study_id>/assign/", views.study_assign, name="study_assign"),
        path(prefix + "copies/<int:copy_id>/", views.copy_detail, name="copy"),
        path(prefix + "copies/<int:copy_id>/autosave/", views.copy_autosave, name="copy_autosave"),
        path(prefix + "studies/<int:study_id>/reconcile/", views.reconcile, name="reconcile"),
        path(
            prefix + "studies/<int:study_id>/reconcile/start/", views.consensus_start, name="consensus_start"
        ),
        path(prefix + "consensus/<int:value_id>/", views.consensus_value, name="consensus_value"),
        path(prefix + "studies/<int:study_id>/consensus/", views.consensus_detail, name="consensus"),
    ]


def named_paths(prefix: str, views: ModuleType, routes: dict[str, str]) -> list[URLPattern]:
    """{name: route}, each served by the view of that name in `views`, under `prefix`."""
    return [path(prefix + route, getattr(views, name), name=name) for name, route in routes.items()]


R = "reviews/<slug:review_slug>/<form_kind:kind>/"

urlpatterns = [
    path(R, views.study_list, name="studies"),
    *dual_coding_paths(R, views),
    path(R + "studies/<int:study_id>/", views.study_detail, name="study"),
    path(R + "reports/<int:record_id>/link/", views.report_link, name="report_link"),
    path(R + "reports/<int:record_id>/split/", views.report_split, name="report_split"),
    path(R + "copies/<int:copy_id>/arms/", views.copy_arms, name="copy_arms"),
    path(R + "form/", views.form_detail, name="form"),
    path(R + "form/coders/", views.form_coders, name="form_coders"),
    path(R + "form/draft/", views.form_draft, name="form_draft"),
    path(R + "form/fields/new/", views.field_add, name="field_add"),
    path(R + "form/fields/<int:field_id>/", views.field_edit, name="field_edit"),
    path(R + "form/fields/<int:field_id>/remove/", views.field_remove, name="field_remove"),
    path(R + "form/publish/", views.form_publish, name="form_publish"),
    path(R + "form/import/", views.form_import, name="form_import"),
    path(R + "form/template/", views.form_template, name="form_template"),
    path(R + "form/export.json", views.form_export, name="form_export"),
]
