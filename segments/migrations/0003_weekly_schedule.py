"""Create the default weekly re-run schedule (editable in the app and in Django's admin)."""

from __future__ import annotations

import json

from django.db import migrations

WEEKLY_TASK_NAME = "Weekly segmentation re-run"
SCHEDULED_RUN_TASK = "segments.tasks.scheduled_run_task"


def create_weekly_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=WEEKLY_TASK_NAME,
        defaults={
            "task": SCHEDULED_RUN_TASK,
            "crontab": crontab,
            "kwargs": json.dumps({"schedule_name": WEEKLY_TASK_NAME}),
            "enabled": True,
            "description": "Re-segment all customers every Monday at 03:00 (k chosen by the elbow).",
        },
    )


def remove_weekly_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=WEEKLY_TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_weekly_schedule, remove_weekly_schedule)]
