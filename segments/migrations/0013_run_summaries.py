"""Run summaries (what the run and dashboard pages show, stored with the run), and the member
indexes with the id as tie-break, for keyset pages.

The new indexes are built before the old ones go, so member pages stay indexed throughout.
Runs saved before this migration get their summary on first view (no data step here).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("segments", "0012_run_at_scale"),
    ]

    operations = [
        migrations.CreateModel(
            name="RunSummary",
            fields=[
                ("run", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="summary", serialize=False, to="segments.segmentationrun")),
                ("chart_data", models.JSONField(blank=True, null=True)),
                ("reach", models.JSONField(blank=True, null=True)),
                ("reach_version", models.PositiveIntegerField(default=0)),
                ("figures", models.JSONField(blank=True, default=dict)),
                ("figures_key", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["segment", "total_spending", "id"], name="assignment_spending"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["segment", "products_ordered", "id"], name="assignment_products"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["segment", "average_return_rate", "id"], name="assignment_return_rate"),
        ),
        migrations.RemoveIndex(
            model_name="assignment",
            name="segments_as_segment_9a0a11_idx",
        ),
        migrations.RemoveIndex(
            model_name="assignment",
            name="segments_as_segment_5db9d0_idx",
        ),
        migrations.RemoveIndex(
            model_name="assignment",
            name="segments_as_segment_19ee2c_idx",
        ),
        migrations.AlterField(
            model_name="assignment",
            name="segment",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="assignments", to="segments.segment"),
        ),
    ]
