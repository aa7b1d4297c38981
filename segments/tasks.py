"""Thin Celery tasks: ids in, one service call."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from segments.models import SegmentationRun
from segments.services import imports, runs
from segweb.celery import app

# How often beat looks for runs and imports whose worker died (see fail_stale_runs/imports).
STALE_WORK_CHECK_SECONDS = 300.0


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
    run = runs.execute_run(run_id)
    if run.status == SegmentationRun.Status.RUNNING:
        # Another attempt holds the run; should its worker be dead, take over once it is stale.
        raise self.retry(countdown=runs.seconds_until_stale(run) + 1)


@shared_task
def scheduled_run_task(schedule_name: str) -> None:
    slot = timezone.now().replace(second=0, microsecond=0)
    slot_name = f"{schedule_name[:80]}:{slot:%Y-%m-%dT%H:%M}"  # one run per beat slot
    runs.request_run(SegmentationRun.Trigger.SCHEDULED, schedule_slot=slot_name)


@shared_task
def fail_stale_runs_task() -> None:
    runs.fail_stale_runs()


@shared_task
def fail_stale_imports_task() -> None:
    imports.fail_stale_imports()


app.add_periodic_task(
    STALE_WORK_CHECK_SECONDS, fail_stale_runs_task.s(), name="Fail stale segmentation runs"
)
app.add_periodic_task(
    STALE_WORK_CHECK_SECONDS, fail_stale_imports_task.s(), name="Fail stale imports"
)
