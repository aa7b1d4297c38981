"""Executing a segmentation run in a worker: claim it, compute it, save it whole or not at all.

A run is claimed with a conditional update whose row count says who won, so a duplicate
delivery of the task does nothing; the attempt number is the token every later write must still
hold, so a cancelled run or one taken over by another worker writes nothing more. While it
computes, a heartbeat thread says its worker lives (segments.services.recovery hands silent runs
to a live worker). Its results (segments and every assignment) are written in the same
transaction that marks it succeeded: a failed or cancelled run leaves no assignments behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from segments import aggregation, clustering, naming, playbook
from segments.features import model_inputs
from segments.models import Segment, SegmentationRun
from segments.services import recovery, run_deletion, run_store, run_summaries
from segments.services.heartbeat import heartbeat

logger = logging.getLogger(__name__)
Status = SegmentationRun.Status


class RunLost(Exception):
    """Another worker took the run over, or it was marked failed: stop without writing."""


@dataclass(frozen=True)
class SegmentDraft:
    profile: clustering.SegmentProfile
    name: str
    custom_name: str
    colour: str
    notes: str
    matched_from: Segment | None
    is_new: bool


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
    8. After a success, analyze the assignments and delete the runs past SEGWEB_KEEP_RUNS.
    """
    attempt = _claim(run_id)
    if attempt is not None:
        try:
            with heartbeat(lambda: _beat(run_id, attempt), f"run {run_id}"):
                _compute(SegmentationRun.objects.get(pk=run_id), attempt)
        except RunLost:
            logger.warning("Run %s was cancelled or taken over during attempt %s", run_id, attempt)
        except Exception as error:
            logger.exception("Run %s failed", run_id)
            _record_failure(run_id, attempt, error)
        recovery.enqueue_next_queued_run()
    run = SegmentationRun.objects.get(pk=run_id)
    if attempt is not None and run.status == Status.SUCCEEDED:
        _after_success()
    return run


def _after_success() -> None:
    """Statistics that know the new run, then retention (deletions go to a worker).

    Until the table is analyzed PostgreSQL takes the new run for one row, and plans its
    exports and member lists with nested loops (20 s instead of 5 s for a million members).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segments_assignment")
    run_deletion.apply_retention()


# Claiming and progress


def _owned(run_id: int, attempt: int) -> QuerySet:
    return SegmentationRun.objects.filter(pk=run_id, status=Status.RUNNING, attempts=attempt)


def _claim(run_id: int) -> int | None:
    """Take the run; the attempt number is the token later writes must still hold."""
    now = timezone.now()
    stale_before = recovery.stale_before(now)
    # Stale work is taken over until it has used up its attempts: then recovery fails it.
    claimable = Q(status=Status.QUEUED) | Q(
        status=Status.RUNNING, heartbeat_at__lt=stale_before, attempts__lt=recovery.MAX_ATTEMPTS
    )
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
    _pause_for_fault_tests(stage)


def _pause_for_fault_tests(stage: str) -> None:
    """SEGWEB_FAULT_PAUSE="fit:20" holds every run 20 s at the start of its fit stage, so the
    fault tests (make test-faults) can kill a worker in a stage of their choosing."""
    wanted, _, seconds = settings.SEGWEB_FAULT_PAUSE.partition(":")
    if wanted == stage:
        time.sleep(float(seconds or 0))


def _beat(run_id: int, attempt: int) -> bool:
    return bool(_owned(run_id, attempt).update(heartbeat_at=timezone.now()))


def _record_failure(run_id: int, attempt: int, error: Exception) -> None:
    """Mark the run failed; after a dropped database connection, on a fresh one.

    Should the database stay unreachable, the heartbeat stops too, and recovery ends the run.
    """
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    for retry in (False, True):
        try:
            _owned(run_id, attempt).update(
                status=Status.FAILED,
                error=text[:2000],
                finished_at=timezone.now(),
                heartbeat_at=None,
            )
            return
        except DatabaseError:
            connection.close()  # a broken connection is replaced on the next query
            if retry:
                logger.exception("Could not record the failure of run %s", run_id)
            else:
                time.sleep(1)


@contextmanager
def _timed(stage_seconds: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    stage_seconds[stage] = round(time.perf_counter() - started, 3)


# The computation


def _compute(run: SegmentationRun, attempt: int) -> None:
    seconds: dict[str, float] = {}
    _pause_for_fault_tests("load")
    with _timed(seconds, "load"):
        loaded = aggregation.load_customer_features(external_ids=False)
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
        {column: frame[column].to_numpy() for column in frame.columns},
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
        run_summaries.save_summary(run, segments, labels, rows)
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
