"""Export records and strategy note revisions outlive their run.

Their link to the run (or segment) becomes SET_NULL, and each keeps a snapshot: the run's number
(and the segment's name), filled here for the rows already there.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, NullIf


def fill_snapshots(apps, schema_editor):
    ExportRecord = apps.get_model("segments", "ExportRecord")
    Revision = apps.get_model("segments", "StrategyNoteRevision")
    Segment = apps.get_model("segments", "Segment")
    ExportRecord.objects.filter(run_number__isnull=True).update(run_number=F("run_id"))
    segments = Segment.objects.filter(pk=OuterRef("segment_id"))
    Revision.objects.filter(segment__isnull=False).update(
        run_number=Subquery(segments.values("run_id")[:1]),
        segment_name=Coalesce(
            NullIf(F("custom_name"), models.Value("")),
            Subquery(segments.values("name")[:1]),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("segments", "0006_audit_event")]

    operations = [
        migrations.AlterField(
            model_name="exportrecord",
            name="run",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="exports",
                to="segments.segmentationrun",
            ),
        ),
        migrations.AlterField(
            model_name="strategynoterevision",
            name="segment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="note_revisions",
                to="segments.segment",
            ),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="run_number",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="strategynoterevision",
            name="run_number",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="strategynoterevision",
            name="segment_name",
            field=models.CharField(blank=True, max_length=120),
        ),
        # Last: rows updated before an ALTER TABLE in the same transaction would block it.
        migrations.RunPython(fill_snapshots, migrations.RunPython.noop),
    ]
