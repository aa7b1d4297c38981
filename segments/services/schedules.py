"""Re-run schedules: django-celery-beat periodic tasks that call the scheduled run task."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from segments.selectors import SCHEDULED_RUN_TASK


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    enabled: bool
    minute: str
    hour: str
    day_of_week: str


def save_schedule(spec: ScheduleSpec, task: PeriodicTask | None = None) -> PeriodicTask:
    """Create or update a periodic re-run (a new task when `task` is None).

    1. Find or create the crontab for the minute, hour and day of week, in the app's time zone.
    2. Point the task at it, with the schedule's name as the task's argument.
    """
    with transaction.atomic():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=spec.minute,
            hour=spec.hour,
            day_of_week=spec.day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        task = task or PeriodicTask(task=SCHEDULED_RUN_TASK)
        task.name = spec.name
        task.enabled = spec.enabled
        task.crontab = crontab
        task.kwargs = json.dumps({"schedule_name": spec.name})
        task.save()
    return task


def delete_schedule(task: PeriodicTask) -> None:
    task.delete()
