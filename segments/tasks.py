"""Thin Celery tasks: ids in, one service call."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.utils import timezone

from segments.models import SegmentationRun
from segments.services import imports, recovery, run_deletion, run_execution, runs, schedules
from segweb.celery import app


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SEGWEB_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.SEGWEB_TASK_TIME_LIMIT,
)
def import_orders_task(import_id: int) -> None:
    imports.process_import(import_id)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SEGWEB_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.SEGWEB_TASK_TIME_LIMIT,
    max_retries=3,
)
def run_segmentation_task(self, run_id: int) -> None:
    run = run_execution.execute_run(run_id)
    if run.status == SegmentationRun.Status.RUNNING:
        # Another attempt holds the run; should its worker be dead, take over once it is stale.
        raise self.retry(countdown=runs.seconds_until_stale(run) + 1)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SEGWEB_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.SEGWEB_TASK_TIME_LIMIT,
)
def delete_run_task(run_id: int) -> None:
    run_deletion.purge_run(run_id)


@shared_task
def scheduled_run_task(schedule_name: str) -> None:
    # One run per beat slot, named after the schedule's time, not after this execution's.
    slot_name = schedules.schedule_slot(schedule_name, timezone.now())
    runs.request_run(SegmentationRun.Trigger.SCHEDULED, schedule_slot=slot_name)


@shared_task
def recover_stale_work_task() -> None:
    recovery.recover_stale_work()
    run_deletion.resume_deletions()


@worker_ready.connect
def recover_when_a_worker_starts(sender, **kwargs) -> None:
    """A new worker looks for work a dead one left, now and once that work can be stale."""
    recover_stale_work_task.delay()
    recover_stale_work_task.apply_async(countdown=settings.SEGWEB_STALE_SECONDS + 5)


app.add_periodic_task(
    float(settings.SEGWEB_RECOVERY_SECONDS),
    recover_stale_work_task.s(),
    name="Recover runs and imports whose worker died",
)
