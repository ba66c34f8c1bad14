# Screening's per-record decision was called RecordStage / Vote.outcome, which read like extraction's
# clinical outcomes. Renames only: every row and its history are kept.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0003_export_jobs'),
        ('screening', '0001_votes_outcomes_full_texts'),
    ]

    operations = [
        migrations.RenameModel(old_name='RecordStage', new_name='ScreeningDecision'),
        migrations.RenameModel(old_name='HistoricalRecordStage', new_name='HistoricalScreeningDecision'),
        migrations.RenameField(model_name='screeningdecision', old_name='decision', new_name='verdict'),
        migrations.RenameField(model_name='historicalscreeningdecision', old_name='decision', new_name='verdict'),
        migrations.RenameField(model_name='vote', old_name='outcome', new_name='decision'),
        migrations.RenameField(model_name='historicalvote', old_name='outcome', new_name='decision'),
        migrations.RenameIndex(
            model_name='screeningdecision', new_name='decision_queue_idx', old_name='recordstage_queue_idx'
        ),
        migrations.AlterModelOptions(
            name='historicalscreeningdecision',
            options={'get_latest_by': ('history_date', 'history_id'), 'ordering': ('-history_date', '-history_id'), 'verbose_name': 'historical screening decision', 'verbose_name_plural': 'historical screening decisions'},
        ),
        migrations.AlterField(
            model_name='screeningdecision',
            name='record',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='screening_decisions', to='review.record'),
        ),
        migrations.AlterField(
            model_name='screeningdecision',
            name='review',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='screening_decisions', to='review.review'),
        ),
    ]
