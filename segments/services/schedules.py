"""Re-run schedules: django-celery-beat periodic tasks that call the scheduled run task."""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from segments import cron
from segments.selectors import SCHEDULED_RUN_TASK
from segments.services import audit


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    enabled: bool
    minute: str
    hour: str
    day_of_week: str


def save_schedule(
    spec: ScheduleSpec, task: PeriodicTask | None = None, user: AbstractBaseUser | None = None
) -> PeriodicTask:
    """Create or update a periodic re-run (a new task when `task` is None).

    1. Find or create the crontab for the minute, hour and day of week, in the app's time zone.
    2. Point the task at it, with the schedule's name as the task's argument.
    3. Record who saved what.
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
        created = task is None
        task = task or PeriodicTask(task=SCHEDULED_RUN_TASK)
        task.name = spec.name
        task.enabled = spec.enabled
        task.crontab = crontab
        task.kwargs = json.dumps({"schedule_name": spec.name})
        task.save()
        details = {**asdict(spec), "created": created}
        saved = audit.Action.SCHEDULE_SAVED
        audit.record(saved, actor=user, obj=task, object_repr=task.name, details=details)
    return task


def delete_schedule(task: PeriodicTask, user: AbstractBaseUser | None = None) -> None:
    with transaction.atomic():
        audit.record(audit.Action.SCHEDULE_DELETED, actor=user, obj=task, object_repr=task.name)
        task.delete()


def schedule_slot(schedule_name: str, now: datetime) -> str:
    """The beat slot a scheduled run belongs to, e.g. "Weekly re-run:2026-11-30T03:00" (UTC).

    The time is the schedule's latest time at or before `now`, not when the task happens to
    execute: a tick executed minutes late (a busy worker, a redelivery) names the same slot, and
    request_run finds that slot's run instead of starting a second one. A schedule that no
    longer has a valid crontab (deleted meanwhile) falls back to the minute of `now`.
    """
    task = (
        PeriodicTask.objects.filter(name=schedule_name, crontab__isnull=False)
        .select_related("crontab")
        .first()
    )
    fired = None
    if task is not None:
        crontab = task.crontab
        spec = cron.CronSpec(
            minute=crontab.minute,
            hour=crontab.hour,
            day_of_week=crontab.day_of_week,
            day_of_month=crontab.day_of_month,
            month_of_year=crontab.month_of_year,
            timezone=str(crontab.timezone),
        )
        with suppress(ValueError):  # a crontab that never fires (beat does not run it either)
            fired = cron.latest_fire_time(spec, now)
    slot = (fired or now).astimezone(UTC).replace(second=0, microsecond=0)
    return f"{schedule_name[:80]}:{slot:%Y-%m-%dT%H:%M}"
