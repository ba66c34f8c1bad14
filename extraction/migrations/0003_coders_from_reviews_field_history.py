from django.db import migrations

DEFAULT_CODERS = 2


def coders_to_forms(apps, schema_editor):
    """The review's “independent extractors per study” becomes its data extraction form's setting. A review
    without a form that had changed the number gets a form (no versions yet) holding it."""
    Review = apps.get_model("review", "Review")
    ExtractionForm = apps.get_model("extraction", "ExtractionForm")
    for review_id, coders in Review.objects.values_list("pk", "reviewers_per_study_extraction"):
        updated = ExtractionForm.objects.filter(review_id=review_id, kind="extraction").update(
            coders_per_study=coders
        )
        if not updated and coders != DEFAULT_CODERS:
            ExtractionForm.objects.create(
                review_id=review_id, kind="extraction", name="Data extraction", coders_per_study=coders
            )


def coders_to_reviews(apps, schema_editor):
    """Back to the review; a form that held nothing but the setting (no version) goes with it."""
    Review = apps.get_model("review", "Review")
    ExtractionForm = apps.get_model("extraction", "ExtractionForm")
    for review_id, coders in ExtractionForm.objects.filter(kind="extraction").values_list(
        "review_id", "coders_per_study"
    ):
        Review.objects.filter(pk=review_id).update(reviewers_per_study_extraction=coders)
    ExtractionForm.objects.filter(kind="extraction", versions__isnull=True).delete()


def first_field_history(apps, schema_editor):
    """Every existing field gets its creation row, dated and signed as its version."""
    FormField = apps.get_model("extraction", "FormField")
    HistoricalFormField = apps.get_model("extraction", "HistoricalFormField")
    copied = [f.attname for f in FormField._meta.concrete_fields]
    rows = [
        HistoricalFormField(
            **{name: getattr(field, name) for name in copied},
            history_date=field.version.created_at,
            history_type="+",
            history_user_id=field.version.created_by_id,
        )
        for field in FormField.objects.select_related("version").iterator(chunk_size=2000)
    ]
    HistoricalFormField.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    """Data only: PostgreSQL refuses to alter a table in the transaction that changed its rows, so the
    schema changes are in 0002."""

    dependencies = [
        ("extraction", "0002_coders_per_form_kind_field_history"),
        ("review", "0003_export_jobs"),
    ]

    operations = [
        migrations.RunPython(coders_to_forms, coders_to_reviews),
        # Reversing 0002 drops the history table, so there is nothing to undo here.
        migrations.RunPython(first_field_history, migrations.RunPython.noop),
    ]
