"""Segmentation runs: request one, execute it in a worker, delete it, recover from dead workers.

A run is claimed with a conditional update whose row count says who won, so a duplicate
delivery of the task does nothing. Its results (segments and every assignment) are written
in the same transaction that marks it succeeded: a failed run leaves no assignments behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from segments import aggregation, clustering, naming, playbook
from segments.features import FEATURE_SETS, model_inputs
from segments.models import Segment, SegmentationRun
from segments.services import run_store

logger = logging.getLogger(__name__)
Status = SegmentationRun.Status


class RunLost(Exception):
    """Another worker took the run over, or it was marked failed: stop without writing."""


class RunIsActive(ValueError):
    """A queued or running run cannot be deleted."""


@dataclass(frozen=True)
class SegmentDraft:
    profile: clustering.SegmentProfile
    name: str
    custom_name: str
    colour: str
    notes: str
    matched_from: Segment | None
    is_new: bool


def request_run(
    trigger: str,
    user=None,
    *,
    feature_set: str = "study",
    k: int | None = None,
    kmax: int = clustering.DEFAULT_KMAX,
    random_state: int = 42,
    n_init: int = 10,
    schedule_slot: str | None = None,
    enqueue: bool = True,
) -> tuple[SegmentationRun, bool]:
    """Queue a run, or return the one already queued or running (and False).

    1. Fail runs whose worker died, so they stop blocking new ones.
    2. Return the run of this schedule slot, or the active run, if there is one.
    3. Create a queued run and enqueue its task once the transaction commits.
    """
    _check_parameters(feature_set, k, kmax, n_init)
    fail_stale_runs()
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
    if enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run, True


def execute_run(run_id: int) -> SegmentationRun:
    """Claim the run and compute it; a run that cannot be claimed is returned untouched.

    1. Claim: queued -> running, or take over a running run whose worker died (attempts + 1).
    2. Load every customer's features from the database.
    3. Elbow: spread within segments and silhouette for k = 1..kmax.
    4. Choose k: the admin's number or the suggestion.
    5. Fit K-means on all customers.
    6. Name the segments, match them with the previous run's, draft strategy notes.
    7. Save segments and all assignments and mark the run succeeded in one transaction;
       on an error, mark it failed with the error text (no assignments are left).
    """
    attempt = _claim(run_id)
    if attempt is not None:
        try:
            _compute(SegmentationRun.objects.get(pk=run_id), attempt)
        except RunLost:
            logger.warning("Run %s was taken over or stopped while attempt %s ran", run_id, attempt)
        except Exception as error:
            logger.exception("Run %s failed", run_id)
            _record_failure(run_id, attempt, error)
    return SegmentationRun.objects.get(pk=run_id)


def delete_run(run: SegmentationRun) -> None:
    """Delete a finished run with its segments and assignments."""
    if run.is_active:
        raise RunIsActive(f"Run {run.pk} is still {run.status} and cannot be deleted.")
    with transaction.atomic():
        run.assignments.all().delete()
        run.delete()


def fail_stale_runs() -> int:
    """Mark failed the runs no worker is looking after; returns how many.

    A running run whose heartbeat is older than the task's hard time limit has lost its
    worker (no healthy attempt lives that long); a queued run older than the broker's
    visibility timeout was never picked up.
    """
    now = timezone.now()
    hard_limit = timedelta(seconds=settings.SEGWEB_TASK_TIME_LIMIT)
    queue_limit = timedelta(seconds=settings.CELERY_BROKER_VISIBILITY_TIMEOUT)
    stopped = SegmentationRun.objects.filter(
        Q(heartbeat_at__lt=now - hard_limit) | Q(heartbeat_at__isnull=True),
        status=Status.RUNNING,
    ).update(
        status=Status.FAILED,
        finished_at=now,
        error=f"The worker stopped responding (no progress for {hard_limit}); run it again.",
    )
    never_started = SegmentationRun.objects.filter(
        status=Status.QUEUED, created_at__lt=now - queue_limit
    ).update(
        status=Status.FAILED,
        finished_at=now,
        error=f"No worker picked the run up within {queue_limit}; is the worker running?",
    )
    return stopped + never_started


def seconds_until_stale(run: SegmentationRun) -> float:
    """How long until a running run counts as abandoned (0 when it already does)."""
    if run.heartbeat_at is None:
        return 0.0
    stale_at = run.heartbeat_at + timedelta(seconds=settings.SEGWEB_TASK_TIME_LIMIT)
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


# Claiming and progress


def _owned(run_id: int, attempt: int) -> QuerySet:
    return SegmentationRun.objects.filter(pk=run_id, status=Status.RUNNING, attempts=attempt)


def _claim(run_id: int) -> int | None:
    """Take the run; the attempt number is the token later writes must still hold."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.SEGWEB_TASK_TIME_LIMIT)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale_before)
    try:
        with transaction.atomic():
            claimed = SegmentationRun.objects.filter(claimable, pk=run_id).update(
                status=Status.RUNNING,
                attempts=F("attempts") + 1,
                started_at=now,
                heartbeat_at=now,
                stage="load",
                progress=0,
                error="",
            )
    except IntegrityError:  # another run is running: this one waits for a later delivery
        return None
    if not claimed:
        return None
    return SegmentationRun.objects.values_list("attempts", flat=True).get(pk=run_id)


def _advance(run_id: int, attempt: int, stage: str, progress: int, **fields) -> None:
    """A short write between stages: progress and a heartbeat that says the worker lives."""
    updated = _owned(run_id, attempt).update(
        stage=stage, progress=progress, heartbeat_at=timezone.now(), **fields
    )
    if not updated:
        raise RunLost


def _record_failure(run_id: int, attempt: int, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    _owned(run_id, attempt).update(
        status=Status.FAILED, error=text[:2000], finished_at=timezone.now(), heartbeat_at=None
    )


@contextmanager
def _timed(stage_seconds: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    stage_seconds[stage] = round(time.perf_counter() - started, 3)


# The computation


def _compute(run: SegmentationRun, attempt: int) -> None:
    seconds: dict[str, float] = {}
    with _timed(seconds, "load"):
        loaded = aggregation.load_customer_features()
    frame, snapshot = loaded.features.frame, loaded.snapshot
    if snapshot.customers < 2:
        raise ValueError("Segmenting needs at least two customers who ordered something.")
    _advance(
        run.pk,
        attempt,
        "features",
        15,
        lines_used=snapshot.lines,
        customers_used=snapshot.customers,
        customers_excluded=snapshot.customers_excluded,
        data_from=snapshot.first_day,
        data_to=snapshot.last_day,
        stage_seconds=seconds,
    )
    with _timed(seconds, "features"):
        inputs = model_inputs(frame, run.feature_set)
        population = naming.describe_population(frame)
    _advance(run.pk, attempt, "elbow", 25, stage_seconds=seconds)
    with _timed(seconds, "elbow"):
        points = clustering.elbow_curve(inputs, run.kmax, run.random_state)
    suggestion = clustering.suggest_k(points)
    k = min(run.k_requested or suggestion.k, len(points))
    _advance(
        run.pk,
        attempt,
        "fit",
        50,
        elbow=[point.as_dict() for point in points],
        suggested_k=suggestion.k,
        suggestion_reason=suggestion.reason,
        chosen_k=k,
        stage_seconds=seconds,
    )
    with _timed(seconds, "fit"):
        result = clustering.fit_kmeans(inputs, k, run.random_state, run.n_init)
        profiles = clustering.profile_segments(frame, result)
        previous = _previous_run(run)
        drafts, vanished = _draft_segments(profiles, population, previous)
    _advance(run.pk, attempt, "save", 80, stage_seconds=seconds)
    rows = run_store.assignment_rows(
        run.pk,
        np.zeros(len(frame), dtype=np.int64),  # segment ids are set once segments exist
        loaded.customer_pks,
        {column: frame[column].to_numpy() for column in frame.columns[1:]},
        inputs,
        result.distances,
    )
    _save(run, attempt, drafts, result.labels, rows, previous, vanished, seconds)


def _save(
    run: SegmentationRun,
    attempt: int,
    drafts: list[SegmentDraft],
    labels: np.ndarray,
    rows: run_store.AssignmentRows,
    previous: SegmentationRun | None,
    vanished: list[dict],
    seconds: dict[str, float],
) -> None:
    """Step 7: the run's whole result, or nothing, in one transaction."""
    started = time.perf_counter()
    with transaction.atomic():
        # Locks the run row first: a stale-run check waits, and a lost claim writes nothing.
        if not _owned(run.pk, attempt).update(heartbeat_at=timezone.now()):
            raise RunLost
        segments = Segment.objects.bulk_create(
            [_segment(run, draft) for draft in drafts], batch_size=100
        )
        segment_ids = np.array([segment.pk for segment in segments], dtype=np.int64)
        rows.columns["segment_id"] = segment_ids[labels]
        run_store.write_assignments(rows)
        _owned(run.pk, attempt).update(
            status=Status.SUCCEEDED,
            stage="done",
            progress=100,
            finished_at=timezone.now(),
            previous_run=previous,
            vanished_segments=vanished,
            stage_seconds=seconds,
        )
    # Timed after the commit, which checks every assignment's foreign keys on PostgreSQL.
    seconds["save"] = round(time.perf_counter() - started, 3)
    SegmentationRun.objects.filter(pk=run.pk).update(stage_seconds=seconds)


def _segment(run: SegmentationRun, draft: SegmentDraft) -> Segment:
    profile = draft.profile
    return Segment(
        run=run,
        index=profile.index,
        name=draft.name,
        custom_name=draft.custom_name,
        colour=draft.colour,
        size=profile.size,
        share=profile.share,
        centroid=profile.centroid,
        profile=profile.profile,
        strategy_notes=draft.notes,
        matched_from=draft.matched_from,
        is_new=draft.is_new,
    )


def _previous_run(run: SegmentationRun) -> SegmentationRun | None:
    """The latest success with the same features: its segments are comparable with ours."""
    earlier = SegmentationRun.objects.succeeded().filter(feature_set=run.feature_set)
    return earlier.exclude(pk=run.pk).order_by("-finished_at", "-id").first()


def _draft_segments(
    profiles: list[clustering.SegmentProfile],
    population: naming.Population,
    previous: SegmentationRun | None,
) -> tuple[list[SegmentDraft], list[dict]]:
    """Names, colours and notes; a segment matched with a previous one keeps its name and notes."""
    before = list(previous.segments.order_by("index")) if previous else []
    matching = clustering.match_segments(
        np.array([p.centroid for p in profiles]), np.array([s.centroid for s in before])
    )
    matched = {new: before[old] for new, old in matching.pairs.items()}
    names = naming.name_segments(profiles, population)
    colours = naming.segment_colours(len(profiles), {i: s.colour for i, s in matched.items()})
    drafts = []
    for profile, name, colour in zip(profiles, names, colours, strict=True):
        origin = matched.get(profile.index)
        traits = naming.describe_segment(profile, population)
        notes = origin.strategy_notes if origin else playbook.strategy_notes(traits)
        custom_name = origin.custom_name if origin else ""
        is_new = previous is not None and origin is None
        drafts.append(SegmentDraft(profile, name, custom_name, colour, notes, origin, is_new))
    vanished = [_vanished(before[index]) for index in matching.vanished]
    return drafts, vanished


def _vanished(segment: Segment) -> dict:
    return {
        "segment_id": segment.pk,
        "index": segment.index,
        "name": segment.display_name,
        "size": segment.size,
        "share": segment.share,
        "colour": segment.colour,
    }


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
    from segments.tasks import run_segmentation_task  # tasks import this module

    try:
        run_segmentation_task.delay(run_id)
    except Exception as error:  # a broker that is down must not leave a run queued forever
        logger.exception("Could not queue run %s", run_id)
        SegmentationRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=f"Could not queue the run: {error}",
        )
