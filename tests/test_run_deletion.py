from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from segments import selectors, tasks
from segments.models import Assignment, AuditEvent, Segment, SegmentationRun
from segments.services import run_deletion, run_execution, runs
from tests import factories
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db
Status = SegmentationRun.Status


def finished_run(days_ago: int, status: str = Status.SUCCEEDED, sizes=(2,)) -> SegmentationRun:
    """A run created and finished `days_ago` days back, with members when it succeeded."""
    run = factories.segmented_run(sizes=sizes, status=status)
    at = timezone.now() - timedelta(days=days_ago)
    SegmentationRun.objects.filter(pk=run.pk).update(created_at=at, finished_at=at)
    run.refresh_from_db()
    return run


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.delete_run_task, "delay", sent.append)
    return sent


def test_mark_for_deletion_hides_run_from_pages_at_once(client: Client) -> None:
    client.force_login(factories.admin_user())
    run = factories.segmented_run(sizes=(2,))
    segment, assignment = run.segments.get(), run.assignments.first()
    assert run_deletion.mark_for_deletion(run)
    assert selectors.get_run(run.pk) is None
    assert run not in selectors.runs_page(1).object_list
    assert selectors.customer_assignments(assignment.customer) == []
    assert client.get(reverse("segments:segment-detail", args=[segment.pk])).status_code == 404
    assert Assignment.objects.filter(run=run).count() == 2  # the worker deletes them


def test_mark_for_deletion_queues_the_task_once_committed(
    queued: list[int], django_capture_on_commit_callbacks
) -> None:
    run = factories.segmented_run()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_deletion.mark_for_deletion(run, reason="retention")
    assert queued == [run.pk]
    event = AuditEvent.objects.get(action=AuditEvent.Action.RUN_DELETED)
    assert event.details == {"status": "succeeded", "reason": "retention"}


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING, Status.DELETING])
def test_mark_for_deletion_active_or_deleting_run_is_left_alone(status, queued) -> None:
    run = factories.SegmentationRunFactory(status=status)
    assert not run_deletion.mark_for_deletion(run)
    assert SegmentationRun.objects.get(pk=run.pk).status == status
    assert not AuditEvent.objects.exists()


def test_purge_run_deletes_in_batches_and_keeps_other_runs_exports_and_notes() -> None:
    run, other = factories.segmented_run(sizes=(3, 2)), factories.segmented_run(sizes=(4,))
    # Ids of the two runs interleaved: the batches' id ranges hold the other run's rows too.
    factories.AssignmentFactory(segment=run.segments.first())
    export = factories.ExportRecordFactory(run=run, segment=run.segments.first(), rows=5)
    run_deletion.mark_for_deletion(run)
    assert run_deletion.purge_run(run.pk, batch_rows=2)
    assert not SegmentationRun.objects.filter(pk=run.pk).exists()
    assert not Segment.objects.filter(run_id=run.pk).exists()
    assert Assignment.objects.filter(run=other).count() == 4
    assert not Assignment.objects.filter(run_id=run.pk).exists()
    export.refresh_from_db()
    assert (export.run, export.segment, export.run_number, export.rows) == (None, None, run.pk, 5)


def test_purge_run_not_marked_deletes_nothing() -> None:
    run = factories.segmented_run()
    assert not run_deletion.purge_run(run.pk)
    assert Assignment.objects.filter(run=run).count() == 3


def test_delete_run_task_purges_the_run() -> None:
    run = factories.segmented_run()
    run_deletion.mark_for_deletion(run)
    tasks.delete_run_task.apply(args=[run.pk])
    assert not SegmentationRun.objects.filter(pk=run.pk).exists()


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_resume_deletions_queues_only_silent_deletions(queued: list[int]) -> None:
    silent, live = factories.segmented_run(), factories.segmented_run()
    for run in (silent, live):
        run_deletion.mark_for_deletion(run)
    SegmentationRun.objects.filter(pk=silent.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    assert run_deletion.resume_deletions() == [silent.pk]
    assert queued == [silent.pk]


def test_apply_retention_keeps_last_successes_and_newer_runs(queued) -> None:
    oldest, old_failure = finished_run(9), finished_run(8, Status.FAILED)
    kept, newer_failure, current = finished_run(7), finished_run(6, Status.FAILED), finished_run(5)
    running = factories.SegmentationRunFactory(status=Status.RUNNING)
    SegmentationRun.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(10))
    assert sorted(run_deletion.apply_retention(keep=2)) == sorted([oldest.pk, old_failure.pk])
    statuses = dict(SegmentationRun.objects.values_list("pk", "status"))
    assert statuses[kept.pk] == statuses[current.pk] == Status.SUCCEEDED
    assert (statuses[newer_failure.pk], statuses[running.pk]) == (Status.FAILED, Status.RUNNING)
    assert statuses[oldest.pk] == statuses[old_failure.pk] == Status.DELETING


@pytest.mark.parametrize("keep", [0, 3])
def test_apply_retention_off_or_fewer_successes_than_kept_deletes_nothing(keep, queued) -> None:
    finished_run(3), finished_run(2), finished_run(1)
    assert run_deletion.apply_retention(keep=keep) == []
    assert not SegmentationRun.objects.filter(status=Status.DELETING).exists()


@override_settings(SEGWEB_KEEP_RUNS=1)
def test_execute_run_success_applies_retention(queued) -> None:
    insert_lines(groups_lines((40, 30, 20)))
    earlier = finished_run(3)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False)
    assert run_execution.execute_run(run.pk).status == Status.SUCCEEDED
    assert SegmentationRun.objects.get(pk=earlier.pk).status == Status.DELETING
