"""A real Celery worker process on Redis runs segmentations, and survives being killed."""

from __future__ import annotations

import os

import pytest

from segments.models import Assignment, SegmentationRun
from segments.services import runs
from tests.run_data import demo_lines, groups_lines, insert_lines
from tests.worker_support import kill_worker, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis broker)"),
]
Status = SegmentationRun.Status
# The kill test's workers: a short heartbeat and staleness, to see recovery within a minute.
FAST_RECOVERY = {"SEGWEB_HEARTBEAT_SECONDS": "2", "SEGWEB_STALE_SECONDS": "10"}


def run_status(run_id: int) -> SegmentationRun:
    return SegmentationRun.objects.get(pk=run_id)


def test_worker_runs_a_requested_segmentation_to_success(start_worker):
    insert_lines(groups_lines())
    start_worker("segweb-test")

    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)  # enqueued on commit

    assert wait_for(lambda: not run_status(run.pk).is_active, timeout=120, every=0.5)
    run = run_status(run.pk)
    assert run.status == Status.SUCCEEDED, run.error
    assert run.chosen_k == 3
    assert Assignment.objects.filter(run=run).count() == run.customers_used == 90


def test_worker_killed_mid_run_is_taken_over_by_a_new_worker(start_worker):
    insert_lines(demo_lines(30_000, seed=2))
    first = start_worker("segweb-doomed", SEGWEB_FAULT_PAUSE="elbow:60", **FAST_RECOVERY)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)

    in_progress = wait_for(lambda: run_status(run.pk).stage == "elbow", timeout=120)
    kill_worker(first)

    assert in_progress, "the run never reached the elbow"
    killed = run_status(run.pk)
    assert killed.status == Status.RUNNING
    assert not Assignment.objects.filter(run=run).exists()
    # A new worker looks for stale work when it starts and again once a heartbeat can be stale;
    # it does not wait for the broker's visibility timeout (an hour).
    start_worker("segweb-rescue", **FAST_RECOVERY)

    assert wait_for(lambda: not run_status(run.pk).is_active, timeout=120, every=0.5)
    run = run_status(run.pk)
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 2), run.error
    assert Assignment.objects.filter(run=run).count() == run.customers_used
