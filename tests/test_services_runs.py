from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from sklearn.metrics import adjusted_rand_score

from segments import tasks
from segments.models import Assignment, Segment, SegmentationRun
from segments.services import run_deletion, run_execution, run_store, runs
from tests.factories import SegmentationRunFactory, UserFactory
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db
Status = SegmentationRun.Status
SIZES = (40, 30, 20)


@pytest.fixture
def groups() -> None:
    insert_lines(groups_lines(SIZES))


def new_run(**parameters) -> SegmentationRun:
    run, created = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False, **parameters)
    assert created
    return run


def test_execute_run_well_separated_groups_are_recovered(groups):
    run = run_execution.execute_run(new_run().pk)

    assert run.status == Status.SUCCEEDED, run.error
    assert run.chosen_k == run.suggested_k == 3
    assert run.customers_used == sum(SIZES)
    assignments = Assignment.objects.filter(run=run).values_list(
        "customer__external_id", "segment__index"
    )
    truth = [customer.split("-")[0] for customer, _ in assignments]
    assert adjusted_rand_score(truth, [index for _, index in assignments]) >= 0.95
    assert sorted(run.segments.values_list("size", flat=True)) == sorted(SIZES)


def test_execute_run_records_progress_snapshot_elbow_and_stage_seconds(groups):
    run = run_execution.execute_run(new_run(kmax=6).pk)

    assert (run.stage, run.progress, run.attempts) == ("done", 100, 1)
    assert run.lines_used > 0 and run.data_from and run.data_to
    assert [point["k"] for point in run.elbow] == [1, 2, 3, 4, 5, 6]
    assert set(run.stage_seconds) == {"load", "features", "elbow", "fit", "save"}
    assert run.suggestion_reason.startswith("3 segments")
    segment = run.segments.get(index=2)
    assert set(segment.profile) >= {"products_ordered", "average_return_rate", "total_spending"}
    assert segment.strategy_notes
    assert segment.colour.startswith("#")


def test_execute_run_chosen_k_overrides_suggestion(groups):
    run = run_execution.execute_run(new_run(k=2).pk)

    assert run.chosen_k == 2
    assert run.segments.count() == 2


def test_execute_run_same_data_and_random_state_give_identical_assignments(groups):
    first = run_execution.execute_run(new_run(k=4).pk)
    second = run_execution.execute_run(new_run(k=4).pk)

    def labels(run):
        return list(
            run.assignments.order_by("customer_id").values_list("customer_id", "segment__index")
        )

    assert labels(first) == labels(second)


def test_execute_run_duplicate_delivery_does_nothing(groups):
    run = run_execution.execute_run(new_run().pk)
    finished_at = run.finished_at

    again = run_execution.execute_run(run.pk)

    assert again.attempts == 1
    assert again.finished_at == finished_at
    assert Assignment.objects.filter(run=run).count() == sum(SIZES)


def test_request_run_second_request_returns_the_active_run():
    first, created = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False)
    second, created_again = runs.request_run(SegmentationRun.Trigger.COMMAND, enqueue=False)

    assert created and not created_again
    assert second.pk == first.pk
    assert SegmentationRun.objects.count() == 1


def test_request_run_enqueues_the_task_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.run_segmentation_task, "delay", queued.append)
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, user, k=3, kmax=8)

    assert queued == [run.pk]
    assert (run.requested_by, run.k_requested, run.kmax) == (user, 3, 8)


def test_request_run_broker_down_fails_the_run(monkeypatch, django_capture_on_commit_callbacks):
    def refuse(run_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.run_segmentation_task, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)

    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "broker unreachable" in run.error


@pytest.mark.parametrize("parameters", [{"kmax": 1}, {"kmax": 16}, {"k": 0}, {"feature_set": "x"}])
def test_request_run_bad_parameters_raise(parameters):
    with pytest.raises(ValueError):
        runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False, **parameters)


def test_execute_run_failure_records_error_and_leaves_no_assignments(groups, monkeypatch):
    write = run_store.write_assignments

    def write_then_fail(rows):
        write(rows)  # every assignment is written, then the transaction fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_store, "write_assignments", write_then_fail)

    run = run_execution.execute_run(new_run().pk)

    assert run.status == Status.FAILED
    assert "disk full" in run.error
    assert run.finished_at is not None
    assert not Assignment.objects.filter(run=run).exists()
    assert not Segment.objects.filter(run=run).exists()


def test_execute_run_without_customers_fails_with_a_clear_message():
    run = run_execution.execute_run(new_run().pk)

    assert run.status == Status.FAILED
    assert "at least two customers" in run.error


def test_execute_run_matched_segments_inherit_custom_name_and_notes(groups):
    first = run_execution.execute_run(new_run().pk)
    first.segments.filter(index=2).update(custom_name="VIPs", strategy_notes="Call them.")

    second = run_execution.execute_run(new_run().pk)

    assert second.previous_run == first
    vip = second.segments.get(index=2)
    assert (vip.custom_name, vip.strategy_notes) == ("VIPs", "Call them.")
    assert vip.matched_from == first.segments.get(index=2)
    assert not second.segments.filter(is_new=True).exists()
    assert second.vanished_segments == []
    colours = dict(second.segments.values_list("index", "colour"))
    assert colours == dict(first.segments.values_list("index", "colour"))


def test_execute_run_unmatched_segments_are_new_and_old_ones_vanish(groups):
    run_execution.execute_run(new_run(k=3).pk)

    second = run_execution.execute_run(new_run(k=2).pk)

    assert second.segments.filter(is_new=False).count() + len(second.vanished_segments) >= 2
    assert len(second.vanished_segments) == 3 - second.segments.filter(is_new=False).count()


def test_scheduled_run_task_same_slot_gives_one_run(monkeypatch):
    monkeypatch.setattr(tasks.run_segmentation_task, "delay", lambda run_id: None)

    tasks.scheduled_run_task("Weekly")
    first = SegmentationRun.objects.get()
    first.status = Status.FAILED  # even when it ended, its slot stays taken
    first.save()
    tasks.scheduled_run_task("Weekly")

    run = SegmentationRun.objects.get()
    assert run.trigger == SegmentationRun.Trigger.SCHEDULED
    assert run.schedule_slot.startswith("Weekly:")


def test_request_run_schedule_slot_taken_returns_its_run():
    first, _ = runs.request_run(
        SegmentationRun.Trigger.SCHEDULED, schedule_slot="w:2026-11-30T03:00", enqueue=False
    )
    SegmentationRun.objects.filter(pk=first.pk).update(status=Status.SUCCEEDED)

    again, created = runs.request_run(
        SegmentationRun.Trigger.SCHEDULED, schedule_slot="w:2026-11-30T03:00", enqueue=False
    )
    other, other_created = runs.request_run(
        SegmentationRun.Trigger.SCHEDULED, schedule_slot="w:2026-12-07T03:00", enqueue=False
    )

    assert (again.pk, created) == (first.pk, False)
    assert other_created and other.pk != first.pk


def test_current_run_is_latest_success_and_a_failed_run_does_not_replace_it(groups, monkeypatch):
    older = run_execution.execute_run(new_run().pk)
    newer = run_execution.execute_run(new_run().pk)
    monkeypatch.setattr(run_execution.clustering, "fit_kmeans", _explode)
    failed = run_execution.execute_run(new_run().pk)

    assert failed.status == Status.FAILED
    assert SegmentationRun.objects.current() == newer != older


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_execute_run_takes_over_a_stale_running_run(groups):
    run = new_run()
    SegmentationRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(seconds=61)
    )

    run = run_execution.execute_run(run.pk)

    assert run.status == Status.SUCCEEDED
    assert run.attempts == 2


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_execute_run_live_running_run_is_not_taken_over(groups):
    run = new_run()
    SegmentationRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )

    run = run_execution.execute_run(run.pk)

    assert (run.status, run.attempts) == (Status.RUNNING, 1)
    assert 0 < runs.seconds_until_stale(run) <= 60


def test_delete_run_hides_run_and_its_purge_removes_segments_and_assignments(groups):
    run = run_execution.execute_run(new_run().pk)

    runs.delete_run(run)

    assert SegmentationRun.objects.get(pk=run.pk).status == Status.DELETING
    assert run_deletion.purge_run(run.pk)
    assert not SegmentationRun.objects.filter(pk=run.pk).exists()
    assert not Assignment.objects.exists()
    assert not Segment.objects.exists()


def test_delete_run_active_run_is_refused():
    run = new_run()

    with pytest.raises(runs.RunIsActive):
        runs.delete_run(run)


def test_run_summary_names_k_sizes_and_time(groups):
    run = run_execution.execute_run(new_run().pk)

    summary = runs.run_summary(run)

    assert summary.startswith(f"Run {run.pk}: succeeded, k=3")
    assert "40" in summary and "30" in summary and "20" in summary


def _explode(*args, **kwargs):
    raise RuntimeError("boom")


def test_cancel_run_running_run_is_cancelled_and_its_attempt_writes_nothing():
    run = SegmentationRunFactory(status=Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    user = UserFactory(username="ines")

    assert runs.cancel_run(run, user)

    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert "Cancelled by ines" in run.error
    with pytest.raises(run_execution.RunLost):
        run_execution._advance(run.pk, 1, "fit", 50)
    assert run_execution.execute_run(run.pk).status == Status.CANCELLED  # not claimable any more


def test_cancel_run_finished_run_is_left_alone():
    run = SegmentationRunFactory(status=Status.SUCCEEDED)

    assert not runs.cancel_run(run)
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED


def test_execute_run_success_analyzes_assignments_for_the_planner(groups):
    run = run_execution.execute_run(new_run().pk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'segments_assignment'")
        assert cursor.fetchone()[0] == run.assignments.count() == sum(SIZES)
