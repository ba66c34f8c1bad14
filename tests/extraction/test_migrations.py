"""The number of extractors per study moved from the review to its extraction form: forwards and backwards,
no review loses its setting. Form fields existing before their history began get their creation row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("extraction", "0001_forms_copies_consensus"), ("review", "0003_export_jobs")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_extractors_per_study_move_to_the_form_and_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate(BEFORE)
        Review = apps.get_model("review", "Review")
        ExtractionForm = apps.get_model("extraction", "ExtractionForm")
        with_form = Review.objects.create(slug="with-form", title="A", reviewers_per_study_extraction=3)
        form = ExtractionForm.objects.create(review=with_form, kind="extraction", name="Form")
        version = apps.get_model("extraction", "FormVersion").objects.create(form=form, number=1)
        apps.get_model("extraction", "FormField").objects.create(
            version=version, key="design", label="Design", section="Methods", field_type="text"
        )
        changed = Review.objects.create(slug="changed", title="B", reviewers_per_study_extraction=1)
        Review.objects.create(slug="default", title="C")

        apps = migrate(latest)
        forms = {
            f.review.slug: (f.coders_per_study, f.name)
            for f in apps.get_model("extraction", "ExtractionForm").objects.select_related("review")
        }
        assert forms == {"with-form": (3, "Form"), "changed": (1, "Data extraction")}
        [created] = apps.get_model("extraction", "HistoricalFormField").objects.all()
        assert (created.key, created.history_type, created.history_date) == (
            "design",
            "+",
            version.created_at,
        )

        apps = migrate(BEFORE)
        Review = apps.get_model("review", "Review")
        assert dict(Review.objects.values_list("slug", "reviewers_per_study_extraction")) == {
            "with-form": 3,
            "changed": 1,
            "default": 2,
        }
        # The form made only to hold the setting went back with it; the real one stays.
        assert list(
            apps.get_model("extraction", "ExtractionForm").objects.values_list("review_id", flat=True)
        ) == [with_form.pk]
        assert changed.pk not in apps.get_model("extraction", "ExtractionForm").objects.values_list(
            "review_id", flat=True
        )
    finally:
        migrate(latest)
