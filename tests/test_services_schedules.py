from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest import mock

import pytest
from django_celery_beat.models import CrontabSchedule

from segments.models import AuditEvent, SegmentationRun
from segments.selectors import SCHEDULED_RUN_TASK
from segments.services.schedules import (
    ScheduleSpec,
    delete_schedule,
    save_schedule,
    schedule_slot,
)
from segments.tasks import scheduled_run_task
from tests import factories

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


def test_save_and_delete_schedule_are_recorded() -> None:
    admin = factories.admin_user(username="ada")
    task = save_schedule(ScheduleSpec("Nightly", True, "5", "2", "*"), user=admin)
    save_schedule(ScheduleSpec("Nightly", False, "5", "2", "*"), task, user=admin)
    task_id = task.pk
    delete_schedule(task, user=admin)
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == ["schedule_saved", "schedule_saved", "schedule_deleted"]
    assert {(e.actor, e.object_type, e.object_id, e.object_repr) for e in events} == {
        (admin, "schedule", str(task_id), "Nightly")
    }
    assert [e.details.get("created") for e in events[:2]] == [True, False]
    assert events[1].details["enabled"] is False


# Slots: named after the schedule's time, however late the task executes


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("executed", "slot"),
    [
        (at(2026, 11, 30, 3, 0, 0), "Weekly:2026-11-30T03:00"),
        (at(2026, 11, 30, 3, 0, 59), "Weekly:2026-11-30T03:00"),
        (at(2026, 11, 30, 3, 1, 5), "Weekly:2026-11-30T03:00"),  # a minute late: same slot
        (at(2026, 11, 30, 4, 30), "Weekly:2026-11-30T03:00"),
        (at(2026, 11, 30, 2, 59, 58), "Weekly:2026-11-30T03:00"),  # beat's clock a little ahead
        (at(2026, 12, 7, 3, 0, 10), "Weekly:2026-12-07T03:00"),
    ],
)
def test_schedule_slot_derived_from_crontab(executed: datetime, slot: str) -> None:
    save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))  # Mondays 03:00
    assert schedule_slot("Weekly", executed) == slot


def test_schedule_slot_local_time_zone_named_in_utc(settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    assert schedule_slot("Weekly", at(2026, 6, 1, 2, 10)) == "Weekly:2026-06-01T02:00"


def test_schedule_slot_unknown_schedule_uses_the_minute() -> None:
    assert schedule_slot("Gone", at(2026, 11, 30, 3, 1, 5)) == "Gone:2026-11-30T03:01"


def test_scheduled_run_task_tick_executed_late_after_run_finished_makes_no_second_run() -> None:
    save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    # The same beat tick delivered twice: on time, then (a redelivery) a minute and a half late,
    # after the first run has finished.
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30, 3, 0, 1)):
        scheduled_run_task("Weekly")
    SegmentationRun.objects.update(status=SegmentationRun.Status.SUCCEEDED)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30, 3, 1, 30)):
        scheduled_run_task("Weekly")
    run = SegmentationRun.objects.get()
    assert run.schedule_slot == "Weekly:2026-11-30T03:00"
