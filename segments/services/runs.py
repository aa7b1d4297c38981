"""Segmentation runs: request one, cancel it, delete it (execution: services.run_execution).

At most one run is queued and one running at a time (database constraints): a second request
gets the active run back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from segments import clustering
from segments.features import FEATURE_SETS
from segments.models import SegmentationRun
from segments.services import audit, recovery, run_deletion

logger = logging.getLogger(__name__)
Status = SegmentationRun.Status


class RunIsActive(ValueError):
    """A queued or running run cannot be deleted."""


def request_run(
    trigger: str,
    user=None,
    *,
    feature_set: str = "study",
    k: int | None = None,
    kmax: int = clustering.DEFAULT_KMAX,
    random_state: int = 42,
    n_init: int = clustering.FIT_N_INIT,
    schedule_slot: str | None = None,
    enqueue: bool = True,
) -> tuple[SegmentationRun, bool]:
    """Queue a run, or return the one already queued or running (and False).

    1. Recover runs whose worker died, so they stop blocking new ones.
    2. Return the run of this schedule slot, or the active run, if there is one.
    3. Create a queued run and enqueue its task once the transaction commits.
    """
    _check_parameters(feature_set, k, kmax, n_init)
    recovery.recover_runs()
    existing = _existing_run(schedule_slot)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            run = SegmentationRun.objects.create(
                trigger=trigger,
                requested_by=user if user is not None and user.is_authenticated else None,
                feature_set=feature_set,
                k_requested=k,
                kmax=kmax,
                random_state=random_state,
                n_init=n_init,
                schedule_slot=schedule_slot,
            )
    except IntegrityError:
        # Another request won the race for the one queued run (or this slot): use its run.
        existing = _existing_run(schedule_slot)
        if existing is None:
            raise
        return existing, False
    audit.record(
        audit.Action.RUN_REQUESTED, actor=user, obj=run, details={"trigger": trigger, "k": k}
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run, True


def cancel_run(run: SegmentationRun, user=None) -> bool:
    """Stop a queued or running run; its worker notices at its next step and writes nothing."""
    who = user.get_username() if user is not None and user.is_authenticated else "the system"
    now = timezone.now()
    cancelled = SegmentationRun.objects.filter(
        pk=run.pk, status__in=SegmentationRun.ACTIVE_STATUSES
    ).update(
        status=Status.CANCELLED,
        finished_at=now,
        heartbeat_at=None,
        error=f"Cancelled by {who} at {now:%Y-%m-%d %H:%M} UTC.",
    )
    if cancelled:
        audit.record(audit.Action.RUN_CANCELLED, actor=user, obj=run)
        recovery.enqueue_next_queued_run()
    return bool(cancelled)


def delete_run(run: SegmentationRun, user=None) -> None:
    """Hide a finished run from every page at once; a worker deletes it with its segments and
    assignments, in batches (its exports and notes stay). A run already going is left alone."""
    if run.is_active:
        raise RunIsActive(f"Run {run.pk} is still {run.status} and cannot be deleted.")
    run_deletion.mark_for_deletion(run, user)


def seconds_until_stale(run: SegmentationRun) -> float:
    """How long until a running run counts as abandoned (0 when it already does)."""
    if run.heartbeat_at is None:
        return 0.0
    stale_at = run.heartbeat_at + timedelta(seconds=settings.SEGWEB_STALE_SECONDS)
    return max(0.0, (stale_at - timezone.now()).total_seconds())


def run_summary(run: SegmentationRun) -> str:
    """One line for the command line: status, k, sizes and time."""
    if run.status != Status.SUCCEEDED:
        return f"Run {run.pk}: {run.get_status_display().lower()}. {run.error}".strip()
    sizes = ", ".join(f"{size:,}" for size in run.segments.values_list("size", flat=True))
    seconds = sum((run.stage_seconds or {}).values())
    return (
        f"Run {run.pk}: succeeded, k={run.chosen_k} (suggested {run.suggested_k}), "
        f"{run.customers_used:,} customers in segments of {sizes}, {seconds:.1f} s."
    )


# Requests


def _check_parameters(feature_set: str, k: int | None, kmax: int, n_init: int) -> None:
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"Unknown feature set {feature_set!r}; use one of {FEATURE_SETS}.")
    if not 2 <= kmax <= clustering.MAX_K:
        raise ValueError(f"kmax must be between 2 and {clustering.MAX_K}.")
    if k is not None and not 1 <= k <= clustering.MAX_K:
        raise ValueError(f"k must be between 1 and {clustering.MAX_K}.")
    if n_init < 1:
        raise ValueError("n_init must be at least 1.")


def _existing_run(schedule_slot: str | None) -> SegmentationRun | None:
    if schedule_slot:
        slot_run = SegmentationRun.objects.filter(schedule_slot=schedule_slot).first()
        if slot_run is not None:
            return slot_run
    return SegmentationRun.objects.active().order_by("created_at", "id").first()


def _enqueue(run_id: int) -> None:
    """Queue the task; a broker that is down must not leave a run queued, blocking others."""
    error = recovery.enqueue_run(run_id)
    if error is not None:
        SegmentationRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=f"Could not queue the run: the task queue (broker) does not answer ({error}).",
        )
