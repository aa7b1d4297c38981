from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from segments.selectors import SCHEDULED_RUN_TASK
from segments.services.schedules import ScheduleSpec, save_schedule
from tests import factories

pytestmark = pytest.mark.django_db
LIST_URL = reverse("segments:schedule-list")
CREATE_URL = reverse("segments:schedule-create")


def other_task() -> PeriodicTask:
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    return PeriodicTask.objects.create(
        name="Something else", task="other.task", interval=every_hour
    )


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(factories.admin_user())
    return client


def test_schedule_list_shows_scheduled_runs_only(admin: Client) -> None:
    save_schedule(ScheduleSpec("Nightly run", True, "30", "1", "*"))
    other_task()
    content = admin.get(LIST_URL).content.decode()
    assert "Nightly run" in content
    assert "Something else" not in content


def test_schedule_create_saves_periodic_task(admin: Client) -> None:
    data = {"name": "Fridays", "enabled": "on", "minute": "15", "hour": "6", "day_of_week": "5"}
    response = admin.post(CREATE_URL, data)
    assert response["Location"] == LIST_URL
    task = PeriodicTask.objects.get(name="Fridays")
    assert task.task == SCHEDULED_RUN_TASK
    assert json.loads(task.kwargs) == {"schedule_name": "Fridays"}
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("15", "6", "5")


def test_schedule_create_invalid_crontab_shows_error(admin: Client) -> None:
    data = {"name": "Bad", "minute": "99", "hour": "6", "day_of_week": "5"}
    response = admin.post(CREATE_URL, data)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not PeriodicTask.objects.filter(name="Bad").exists()


def test_schedule_create_duplicate_name_shows_error(admin: Client) -> None:
    save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    data = {"name": "Weekly", "minute": "0", "hour": "4", "day_of_week": "1"}
    response = admin.post(CREATE_URL, data)
    assert b"already exists" in response.content


def test_schedule_edit_form_shows_current_values(admin: Client) -> None:
    task = save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    content = admin.get(reverse("segments:schedule-edit", args=[task.pk])).content.decode()
    assert 'value="Weekly"' in content
    assert 'name="hour" value="3"' in content


def test_schedule_edit_disables_and_moves(admin: Client) -> None:
    task = save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    data = {"name": "Weekly", "minute": "0", "hour": "22", "day_of_week": "0"}
    admin.post(reverse("segments:schedule-edit", args=[task.pk]), data)
    task.refresh_from_db()
    assert task.enabled is False
    assert (task.crontab.hour, task.crontab.day_of_week) == ("22", "0")


def test_schedule_delete_removes_task(admin: Client) -> None:
    task = save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    response = admin.post(reverse("segments:schedule-delete", args=[task.pk]))
    assert response["Location"] == LIST_URL
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()


def test_schedule_delete_other_task_is_404(admin: Client) -> None:
    other = other_task()
    response = admin.post(reverse("segments:schedule-delete", args=[other.pk]))
    assert response.status_code == 404
    assert PeriodicTask.objects.filter(pk=other.pk).exists()


def test_schedule_delete_marketing_gets_403(client: Client) -> None:
    task = save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    client.force_login(factories.marketing_user())
    assert client.post(reverse("segments:schedule-delete", args=[task.pk])).status_code == 403
    assert PeriodicTask.objects.filter(pk=task.pk).exists()


def test_schedule_list_describes_crontab_in_words(admin: Client, settings) -> None:
    save_schedule(ScheduleSpec("Weekly", True, "0", "3", "1"))
    save_schedule(ScheduleSpec("Daily", True, "30", "22", "*"))
    content = admin.get(LIST_URL).content.decode()
    assert f"Mondays at 03:00 {settings.TIME_ZONE}" in content
    assert f"Every day at 22:30 {settings.TIME_ZONE}" in content


def test_schedule_list_last_run_is_the_last_run_the_schedule_started(admin: Client) -> None:
    save_schedule(ScheduleSpec("Nightly run", True, "30", "1", "*"))
    save_schedule(ScheduleSpec("Weekly run", True, "0", "3", "1"))
    factories.SegmentationRunFactory(schedule_slot="Nightly run:2026-11-24T01:30")
    latest = factories.SegmentationRunFactory(schedule_slot="Nightly run:2026-11-25T01:30")
    factories.SegmentationRunFactory()  # started by hand: no schedule's

    content = admin.get(LIST_URL).content.decode()

    rows = {name: next(row for row in content.split("<tr") if name in row) for name in
            ("Nightly run", "Weekly run")}  # fmt: skip
    last_run = {name: row.split('data-testid="schedule-last-run">')[1].split("</td>")[0]
                for name, row in rows.items()}  # fmt: skip
    assert f">Run {latest.pk}</a> (succeeded)" in last_run["Nightly run"]
    assert last_run["Weekly run"] == "not yet"
