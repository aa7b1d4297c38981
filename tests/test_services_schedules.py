from __future__ import annotations

import json

import pytest
from django_celery_beat.models import CrontabSchedule

from segments.selectors import SCHEDULED_RUN_TASK
from segments.services.schedules import ScheduleSpec, delete_schedule, save_schedule

pytestmark = pytest.mark.django_db


def test_save_schedule_creates_task_with_crontab() -> None:
    task = save_schedule(ScheduleSpec("Nightly", True, "5", "2", "*"))
    assert task.task == SCHEDULED_RUN_TASK
    assert json.loads(task.kwargs) == {"schedule_name": "Nightly"}
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("5", "2", "*")


def test_save_schedule_rename_updates_kwargs_and_reuses_crontab() -> None:
    task = save_schedule(ScheduleSpec("Nightly", True, "5", "2", "*"))
    crontabs = CrontabSchedule.objects.count()
    renamed = save_schedule(ScheduleSpec("Every night", False, "5", "2", "*"), task)
    assert renamed.pk == task.pk
    assert json.loads(renamed.kwargs) == {"schedule_name": "Every night"}
    assert renamed.enabled is False
    assert CrontabSchedule.objects.count() == crontabs


def test_delete_schedule_removes_task() -> None:
    task = save_schedule(ScheduleSpec("Nightly", True, "5", "2", "*"))
    delete_schedule(task)
    assert not type(task).objects.filter(pk=task.pk).exists()
