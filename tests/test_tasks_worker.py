"""A real Celery worker process on Redis runs segmentations, and survives being killed."""

from __future__ import annotations

import os
import time

import pytest
from django.test import override_settings

from segments.models import Assignment, SegmentationRun
from segments.services import runs
from tests.run_data import demo_lines, groups_lines, insert_lines
from tests.worker_support import kill_worker, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis broker)"),
]
Status = SegmentationRun.Status
# The kill test's worker: limits short enough to see recovery within a minute or two.
SHORT_LIMITS = {
    "SEGWEB_TASK_SOFT_TIME_LIMIT": "20",
    "SEGWEB_TASK_TIME_LIMIT": "25",
    "CELERY_VISIBILITY_TIMEOUT": "30",
}


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


def test_worker_killed_mid_run_ends_retried_or_failed_without_partial_assignments(start_worker):
    insert_lines(demo_lines(30_000, seed=2))
    first = start_worker("segweb-doomed", **SHORT_LIMITS)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, kmax=15, n_init=30)

    in_progress = wait_for(lambda: run_status(run.pk).stage in ("elbow", "fit"), timeout=120)
    kill_worker(first)

    assert in_progress, "the run never reached the elbow"
    killed = run_status(run.pk)
    assert killed.status == Status.RUNNING
    assert not Assignment.objects.filter(run=run).exists()
    # The broker hands the unacknowledged task to a new worker after its visibility timeout,
    # and that worker takes over once the run's heartbeat is older than the hard time limit.
    time.sleep(int(SHORT_LIMITS["CELERY_VISIBILITY_TIMEOUT"]) + 1)
    start_worker("segweb-rescue", **SHORT_LIMITS)

    rescued = wait_for(lambda: not run_status(run.pk).is_active, timeout=90, every=0.5)
    if not rescued:
        # What request_run and the periodic check do meanwhile, with the worker's limits.
        with override_settings(SEGWEB_TASK_TIME_LIMIT=int(SHORT_LIMITS["SEGWEB_TASK_TIME_LIMIT"])):
            runs.fail_stale_runs()

    assert not run_status(run.pk).is_active, "the run stayed active"
    run = run_status(run.pk)
    assignments = Assignment.objects.filter(run=run).count()
    if run.status == Status.SUCCEEDED:
        assert run.attempts == 2
        assert assignments == run.customers_used
    else:
        assert run.status == Status.FAILED
        assert assignments == 0
