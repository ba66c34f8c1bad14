from __future__ import annotations

from django.urls import path

from extraction.risk_of_bias import views

app_name = "rob"

# The kind's address (extraction/kinds.py: RiskOfBias.home_view), so extraction's generic pages leave it.
R = "reviews/<slug:review_slug>/rob/"

urlpatterns = [
    path(R, views.home, name="home"),
    path(R + "setup/", views.setup, name="setup"),
    path(R + "coders/", views.coders, name="coders"),
    path(R + "assign/", views.assign_all, name="assign_all"),
    path(R + "studies/<int:study_id>/", views.study, name="study"),
    path(R + "studies/<int:study_id>/results/", views.result_add, name="result_add"),
    path(R + "studies/<int:study_id>/assign/", views.study_assign, name="study_assign"),
    path(R + "results/<int:result_id>/weight/", views.result_weight, name="result_weight"),
    path(R + "results/<int:result_id>/remove/", views.result_remove, name="result_remove"),
    path(R + "copies/<int:copy_id>/", views.copy_detail, name="copy"),
    path(R + "copies/<int:copy_id>/autosave/", views.copy_autosave, name="copy_autosave"),
    path(R + "studies/<int:study_id>/reconcile/", views.reconcile, name="reconcile"),
    path(R + "studies/<int:study_id>/reconcile/start/", views.consensus_start, name="consensus_start"),
    path(R + "consensus/<int:value_id>/", views.consensus_value, name="consensus_value"),
    path(R + "studies/<int:study_id>/consensus/", views.consensus_detail, name="consensus"),
    path(R + "plots/<slug:plot>.<slug:image>", views.plot, name="plot"),
]
