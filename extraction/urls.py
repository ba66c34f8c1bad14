from django.urls import path

from extraction import views

app_name = "extraction"

R = "reviews/<slug:review_slug>/extraction/"

urlpatterns = [
    path(R, views.study_list, name="studies"),
    path(R + "assign/", views.assign_all, name="assign_all"),
    path(R + "studies/<int:study_id>/", views.study_detail, name="study"),
    path(R + "studies/<int:study_id>/assign/", views.study_assign, name="study_assign"),
    path(R + "reports/<int:record_id>/link/", views.report_link, name="report_link"),
    path(R + "reports/<int:record_id>/split/", views.report_split, name="report_split"),
    path(R + "copies/<int:copy_id>/", views.copy_detail, name="copy"),
    path(R + "copies/<int:copy_id>/autosave/", views.copy_autosave, name="copy_autosave"),
    path(R + "copies/<int:copy_id>/arms/", views.copy_arms, name="copy_arms"),
    path(R + "studies/<int:study_id>/reconcile/", views.reconcile, name="reconcile"),
    path(R + "consensus/<int:value_id>/", views.consensus_value, name="consensus_value"),
    path(R + "studies/<int:study_id>/consensus/", views.consensus_detail, name="consensus"),
    path(R + "form/", views.form_detail, name="form"),
    path(R + "form/draft/", views.form_draft, name="form_draft"),
    path(R + "form/fields/new/", views.field_add, name="field_add"),
    path(R + "form/fields/<int:field_id>/", views.field_edit, name="field_edit"),
    path(R + "form/fields/<int:field_id>/remove/", views.field_remove, name="field_remove"),
    path(R + "form/publish/", views.form_publish, name="form_publish"),
    path(R + "form/import/", views.form_import, name="form_import"),
    path(R + "form/template/", views.form_template, name="form_template"),
    path(R + "form/export.json", views.form_export, name="form_export"),
]
