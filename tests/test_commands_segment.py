from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from segments import tasks
from segments.models import SegmentationRun
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db


def segment(*args: str) -> str:
    out = StringIO()
    call_command("segment", *args, stdout=out)
    return out.getvalue()


def test_segment_sync_runs_in_process_and_prints_summary():
    insert_lines(groups_lines())

    output = segment("--sync", "--kmax", "6")

    run = SegmentationRun.objects.get()
    assert run.status == SegmentationRun.Status.SUCCEEDED
    assert run.trigger == SegmentationRun.Trigger.COMMAND
    assert output.startswith(f"Run {run.pk}: succeeded, k=3")


def test_segment_k_and_features_are_passed_to_the_run():
    insert_lines(groups_lines())

    segment("--sync", "--k", "2", "--features", "rfm")

    run = SegmentationRun.objects.get()
    assert (run.k_requested, run.chosen_k, run.feature_set) == (2, 2, "rfm")


def test_segment_without_sync_queues_the_run(monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.run_segmentation_task, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        output = segment()

    run = SegmentationRun.objects.get()
    assert queued == [run.pk]
    assert run.status == SegmentationRun.Status.QUEUED
    assert f"Run {run.pk} queued" in output


def test_segment_active_run_is_reported_not_duplicated(monkeypatch):
    monkeypatch.setattr(tasks.run_segmentation_task, "delay", lambda run_id: None)
    segment()

    output = segment()

    assert SegmentationRun.objects.count() == 1
    assert "already queued" in output


def test_segment_sync_failure_exits_with_error():
    with pytest.raises(CommandError, match="failed"):
        segment("--sync")


@pytest.mark.parametrize("bad", [["--k", "0"], ["--k", "many"], ["--kmax", "40"]])
def test_segment_bad_arguments_are_refused(bad):
    with pytest.raises(CommandError):
        segment(*bad)
