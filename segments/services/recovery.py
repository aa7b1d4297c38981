"""Recovery from dead workers: silent work goes to a live worker again, or fails with a reason.

A run or import whose heartbeat (segments.services.heartbeat) is older than
SEGWEB_STALE_SECONDS has lost its worker: its task is queued again, and the live worker that
receives it takes the work over (the claims accept stale work), until MAX_ATTEMPTS workers have
died on it; then it fails with a reason. Work still queued after SEGWEB_STALE_SECONDS gets its
task again too, since the message may be gone (a broker restarted without persistence); after the
broker's visibility timeout it fails: no worker is there. Claims are conditional updates with
an attempt token, so a task delivered twice does nothing the second time.

recover_stale_work() runs every SEGWEB_RECOVERY_SECONDS (beat), when a worker starts, and before
a run is requested.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from segments.models import DataImport, SegmentationRun

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
RunStatus = SegmentationRun.Status
ImportStatus = DataImport.Status


@dataclass(frozen=True)
class Recovered:
    runs_requeued: int
    runs_failed: int
    imports_requeued: int
    imports_failed: int

    def __str__(self) -> str:
        return (
            f"runs: {self.runs_requeued} queued again, {self.runs_failed} failed; "
            f"imports: {self.imports_requeued} queued again, {self.imports_failed} failed"
        )


def recover_stale_work() -> Recovered:
    runs_requeued, runs_failed = recover_runs()
    imports_requeued, imports_failed = recover_imports()
    recovered = Recovered(runs_requeued, runs_failed, imports_requeued, imports_failed)
    if runs_requeued or runs_failed or imports_requeued or imports_failed:
        logger.warning("Recovered stale work: %s", recovered)
    return recovered


def stale_before(now: datetime | None = None) -> datetime:
    """Heartbeats older than this belong to dead workers."""
    return (now or timezone.now()) - timedelta(seconds=settings.SEGWEB_STALE_SECONDS)


def recover_runs() -> tuple[int, int]:
    """1. fail silent runs that used up their attempts, 2. fail runs queued past the visibility
    timeout, 3. queue again the other silent runs and the runs still waiting."""
    now = timezone.now()
    silent = SegmentationRun.objects.filter(_silent(now), status=RunStatus.RUNNING)
    failed = silent.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=RunStatus.FAILED,
        finished_at=now,
        heartbeat_at=None,
        error=(
            f"The worker died {MAX_ATTEMPTS} times during this run, so it was given up: "
            "check the worker's memory and logs, then run it again."
        ),
    )
    failed += _queued_too_long(SegmentationRun.objects.filter(status=RunStatus.QUEUED), now).update(
        status=RunStatus.FAILED,
        finished_at=now,
        error="No worker picked the run up; is the worker running? Run it again once it is.",
    )
    waiting = SegmentationRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=stale_before(now)
    )
    again = [*silent.values_list("pk", flat=True), *waiting.values_list("pk", flat=True)]
    for run_id in again:
        enqueue_run(run_id)
    return len(again), failed


def recover_imports() -> tuple[int, int]:
    """The same for imports. An import started on the command line has no stored file for a
    worker to take over: when its process dies, it fails."""
    now = timezone.now()
    silent = DataImport.objects.filter(_silent(now), status=ImportStatus.RUNNING)
    given_up = silent.filter(Q(attempts__gte=MAX_ATTEMPTS) | Q(file=""))
    failed = _fail_imports(
        given_up, now, "The import stopped with its worker; nothing was saved. Upload it again."
    )
    pending = DataImport.objects.filter(status=ImportStatus.PENDING)
    failed += _fail_imports(
        _queued_too_long(pending, now),
        now,
        "No worker picked the upload up; nothing was saved. Upload it again once it runs.",
    )
    waiting = pending.filter(created_at__lt=stale_before(now))
    again = [*silent.values_list("pk", flat=True), *waiting.values_list("pk", flat=True)]
    for import_id in again:
        enqueue_import(import_id)
    return len(again), failed


def enqueue_run(run_id: int) -> Exception | None:
    """Queue the run's task; the broker's error (logged) when it cannot be reached."""
    from segments.tasks import run_segmentation_task  # tasks import the services

    return _send(run_segmentation_task, run_id)


def enqueue_next_queued_run() -> None:
    """A run that waited while another held the only running slot gets its task now."""
    waiting = SegmentationRun.objects.filter(status=RunStatus.QUEUED).order_by("created_at", "id")
    run_id = waiting.values_list("pk", flat=True).first()
    if run_id is not None:
        enqueue_run(run_id)


def enqueue_run_deletion(run_id: int) -> Exception | None:
    from segments.tasks import delete_run_task

    return _send(delete_run_task, run_id)


def enqueue_import(import_id: int) -> Exception | None:
    from segments.tasks import import_orders_task

    return _send(import_orders_task, import_id)


def _send(task, object_id: int) -> Exception | None:
    try:
        task.delay(object_id)
    except Exception as error:  # the broker is down: the next check tries again
        logger.exception("Could not queue %s(%s)", task.name, object_id)
        return error
    return None


def _silent(now: datetime) -> Q:
    """Running work whose heartbeat stopped (or that never wrote one since its claim)."""
    before = stale_before(now)
    return Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)


def _queued_too_long(queryset: QuerySet, now: datetime) -> QuerySet:
    limit = timedelta(seconds=settings.CELERY_BROKER_VISIBILITY_TIMEOUT)
    return queryset.filter(created_at__lt=now - limit)


def _fail_imports(queryset: QuerySet, now: datetime, message: str) -> int:
    """Fail the imports and delete their stored uploads (nothing will read them again)."""
    failed = 0
    for data_import in queryset:
        claimed = DataImport.objects.filter(pk=data_import.pk, status=data_import.status).update(
            status=ImportStatus.FAILED, finished_at=now, progress=100, error_message=message
        )
        if claimed and data_import.file:
            data_import.file.delete(save=False)
            DataImport.objects.filter(pk=data_import.pk).update(file="")
        failed += claimed
    return failed
