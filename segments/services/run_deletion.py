"""Deleting runs off the request path, and keeping only the last SEGWEB_KEEP_RUNS of them.

A run to delete is marked DELETING, which hides it from every page at once; a worker then
deletes its assignments in batches, each its own short transaction (a million of them in one
statement would hold a request, and a transaction, for tens of seconds), and the run last. Its
exports and note history stay, with the run's number (models: SET_NULL).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from segments.models import Assignment, SegmentationRun
from segments.services import audit, recovery

logger = logging.getLogger(__name__)
Status = SegmentationRun.Status
# About a tenth of a second of work per batch on two cores.
BATCH_ROWS = 20_000
FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)


def mark_for_deletion(run: SegmentationRun, user=None, reason: str = "") -> bool:
    """Hide a finished run and queue its deletion (False if it is active or already going).

    The audit event and the task go with the status change: the task is sent once it commits.
    """
    with transaction.atomic():
        marked = SegmentationRun.objects.filter(pk=run.pk, status__in=FINISHED).update(
            status=Status.DELETING, heartbeat_at=timezone.now()
        )
        if marked:
            details = {"status": run.status, **({"reason": reason} if reason else {})}
            audit.record(audit.Action.RUN_DELETED, actor=user, obj=run, details=details)
            transaction.on_commit(lambda: recovery.enqueue_run_deletion(run.pk))
    return bool(marked)


def purge_run(run_id: int, batch_rows: int = BATCH_ROWS) -> bool:
    """Delete a run marked DELETING: its assignments batch by batch, then the run itself.

    Each batch refreshes the run's heartbeat, so a purge whose worker died is started again
    (resume_deletions); running it twice is harmless.
    """
    if not SegmentationRun.objects.filter(pk=run_id, status=Status.DELETING).exists():
        return False
    ids = Assignment.objects.filter(run_id=run_id).aggregate(low=Min("id"), high=Max("id"))
    if ids["low"] is not None:
        for start in range(ids["low"], ids["high"] + 1, batch_rows):
            _delete_batch(run_id, start, start + batch_rows - 1)
            SegmentationRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
    with transaction.atomic():
        # Segments (now without assignments) go with it; exports and notes keep the number.
        for run in SegmentationRun.objects.filter(pk=run_id, status=Status.DELETING):
            run.delete()
    return True


def resume_deletions(now: datetime | None = None) -> list[int]:
    """Queue again the deletions whose worker died or whose task was never sent."""
    stale = recovery.stale_before(now or timezone.now())
    waiting = SegmentationRun.objects.filter(status=Status.DELETING, heartbeat_at__lt=stale)
    run_ids = list(waiting.values_list("pk", flat=True))
    for run_id in run_ids:
        recovery.enqueue_run_deletion(run_id)
    return run_ids


def apply_retention(keep: int | None = None) -> list[int]:
    """Delete the finished runs older than the last `keep` succeeded ones (0: keep all).

    The current run is the latest success, so it is always kept; queued and running runs are
    never touched. Returns the ids of the runs marked for deletion.
    """
    keep = settings.SEGWEB_KEEP_RUNS if keep is None else keep
    if keep <= 0:
        return []
    kept = list(SegmentationRun.objects.current_first().values_list("pk", "created_at")[:keep])
    if len(kept) < keep:
        return []
    oldest_kept = min(created_at for _, created_at in kept)
    old = SegmentationRun.objects.filter(status__in=FINISHED, created_at__lt=oldest_kept)
    old = old.exclude(pk__in=[pk for pk, _ in kept])
    marked = [run.pk for run in old if mark_for_deletion(run, reason="retention")]
    if marked:
        logger.info("Retention (%s runs kept): deleting runs %s", keep, marked)
    return marked


def _delete_batch(run_id: int, first_id: int, last_id: int) -> int:
    """One range of ids (a run's assignments are written together: their ids follow each
    other), so each batch reads its own rows only, not the ones earlier batches deleted."""
    batch = Assignment.objects.filter(run_id=run_id, id__gte=first_id, id__lte=last_id)
    deleted, _ = batch.delete()  # one DELETE: nothing refers to assignments
    return deleted
