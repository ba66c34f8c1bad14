from __future__ import annotations

from django.urls import path

from extraction.risk_of_bias import views
from extraction.urls import dual_coding_paths, named_paths

app_name = "rob"

# The kind's address (extraction/kinds.py: RiskOfBias.home_view), so extraction's generic pages leave it.
R = "reviews/<slug:review_slug>/rob/"

urlpatterns = [
    path(R, views.home, name="home"),
    *dual_coding_paths(R, views),
    *named_paths(
        R,
        views,
        {
            "setup": "setup/",
            "coders": "coders/",
            "study": "studies/<int:study_id>/",
            "result_add": "studies/<int:study_id>/results/",
            "result_weight": "results/<int:result_id>/weight/",
            "result_remove": "results/<int:result_id>/remove/",
            "plot": "plots/<slug:plot>.<slug:image>",
        },
    ),
]
