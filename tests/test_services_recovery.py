from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone

from segments.models import DataImport, OrderLine, SegmentationRun
from segments.services import imports, recovery, run_execution, runs
from tests.browser_support import eager_celery
from tests.factories import SegmentationRunFactory
from tests.import_samples import a_few_orders, write_csv
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db
Status = SegmentationRun.Status
ImportStatus = DataImport.Status


@pytest.fixture
def groups() -> None:
    insert_lines(groups_lines((40, 30, 20)))


def silent_run(seconds: float, attempts: int = 1) -> SegmentationRun:
    return SegmentationRunFactory(
        status=Status.RUNNING,
        attempts=attempts,
        started_at=timezone.now() - timedelta(seconds=seconds + 5),
        heartbeat_at=timezone.now() - timedelta(seconds=seconds),
    )


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_runs_silent_run_is_taken_over_by_a_live_worker(groups):
    run = silent_run(61)

    with eager_celery():  # the task runs here, as a live worker would run it
        assert recovery.recover_runs() == (1, 0)

    run.refresh_from_db()
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 2)


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_runs_live_run_is_left_alone():
    run = silent_run(30)

    assert recovery.recover_runs() == (0, 0)
    run.refresh_from_db()
    assert run.status == Status.RUNNING


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_runs_after_the_last_attempt_fails_with_a_reason():
    run = silent_run(61, attempts=recovery.MAX_ATTEMPTS)

    assert recovery.recover_runs() == (0, 1)
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert f"died {recovery.MAX_ATTEMPTS} times" in run.error


@override_settings(SEGWEB_STALE_SECONDS=60, CELERY_BROKER_VISIBILITY_TIMEOUT=600)
@pytest.mark.parametrize(("waited", "outcome"), [(61, Status.SUCCEEDED), (601, Status.FAILED)])
def test_recover_runs_queued_run_gets_its_task_again_until_the_queue_expires(
    groups, waited, outcome
):
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False)
    SegmentationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(seconds=waited)
    )

    with eager_celery():
        recovery.recover_runs()

    run.refresh_from_db()
    assert run.status == outcome


def running_upload(settings, tmp_path, silent_seconds: float, attempts: int = 1) -> DataImport:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    content = write_csv(tmp_path / "o.csv", a_few_orders()).read_bytes()
    data_import = DataImport(file_name="orders.csv", status=ImportStatus.RUNNING, attempts=attempts)
    data_import.file.save("orders.csv", SimpleUploadedFile("orders.csv", content), save=False)
    data_import.started_at = data_import.heartbeat_at = timezone.now() - timedelta(
        seconds=silent_seconds
    )
    data_import.save()
    return data_import


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_imports_silent_upload_is_taken_over_and_its_file_removed(settings, tmp_path):
    stale = running_upload(settings, tmp_path, 61)
    stored = stale.file.path

    with eager_celery():
        assert recovery.recover_imports() == (1, 0)

    stale.refresh_from_db()
    assert (stale.status, stale.lines_imported, stale.attempts) == (ImportStatus.SUCCEEDED, 5, 2)
    assert not stale.file
    assert not (tmp_path / "media").joinpath(stored).exists()


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_imports_last_attempt_fails_and_removes_the_upload(settings, tmp_path):
    stale = running_upload(settings, tmp_path, 61, attempts=recovery.MAX_ATTEMPTS)
    stored = stale.file.path

    assert recovery.recover_imports() == (0, 1)

    stale.refresh_from_db()
    assert stale.status == ImportStatus.FAILED
    assert "Upload it again" in stale.error_message
    assert not stale.file
    assert not (tmp_path / "media").joinpath(stored).exists()


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_imports_command_line_import_whose_process_died_fails():
    gone = DataImport.objects.create(
        file_name="orders.csv",
        status=ImportStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=120),
        heartbeat_at=timezone.now() - timedelta(seconds=120),
    )

    assert recovery.recover_imports() == (0, 1)
    gone.refresh_from_db()
    assert gone.status == ImportStatus.FAILED


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_recover_imports_live_import_is_left_alone(settings, tmp_path):
    live = running_upload(settings, tmp_path, 10)

    assert recovery.recover_imports() == (0, 0)
    live.refresh_from_db()
    assert live.status == ImportStatus.RUNNING


@pytest.mark.django_db(transaction=True)
@override_settings(SEGWEB_HEARTBEAT_SECONDS=1, SEGWEB_FAULT_PAUSE="fit:3")
def test_execute_run_heartbeat_is_written_while_a_stage_computes():
    insert_lines(groups_lines((40, 30, 20)))
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False)
    worker = threading.Thread(target=run_execution.execute_run, args=(run.pk,))
    worker.start()
    try:
        beats = []
        deadline = time.monotonic() + 30
        while len(set(beats)) < 3 and time.monotonic() < deadline:
            current = SegmentationRun.objects.get(pk=run.pk)
            if current.stage == "fit" and current.status == Status.RUNNING:
                beats.append(current.heartbeat_at)
            time.sleep(0.3)
    finally:
        worker.join()
    # The stage held still for 3 s, yet the heartbeat moved on every second.
    assert len(set(beats)) >= 3
    assert SegmentationRun.objects.get(pk=run.pk).status == Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_execute_run_dropped_database_connection_ends_the_run_failed(monkeypatch):
    insert_lines(groups_lines((40, 30, 20)))

    def drop_connection(*args, **kwargs):
        connection.connection.close()  # what a database restart looks like to the client
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(run_execution.clustering, "fit_kmeans", drop_connection)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False)

    run = run_execution.execute_run(run.pk)

    assert run.status == Status.FAILED
    assert "server closed the connection" in run.error


def test_start_import_broker_down_fails_the_upload_with_the_reason(settings, tmp_path, monkeypatch):
    """The handling only: make test-faults stops the real Redis during an upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from kombu.exceptions import OperationalError as BrokerDown

    from segments import tasks

    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_orders_task, "delay", refuse)
    settings.MEDIA_ROOT = tmp_path / "media"
    content = write_csv(tmp_path / "o.csv", a_few_orders()).read_bytes()
    data_import = imports.start_import(SimpleUploadedFile("orders.csv", content), "auto", None)
    stored = data_import.file.path

    imports._enqueue_upload(data_import)  # what the commit runs

    data_import.refresh_from_db()
    assert data_import.status == ImportStatus.FAILED
    assert "task queue (broker) does not answer" in data_import.error_message
    assert not data_import.file
    assert not (tmp_path / "media").joinpath(stored).exists()


def test_run_import_taken_over_meanwhile_writes_nothing(settings, tmp_path):
    """A slow first worker finishing after a live one took the import over leaves no trace."""
    data_import = running_upload(settings, tmp_path, 0, attempts=1)
    DataImport.objects.filter(pk=data_import.pk).update(attempts=2)  # the takeover

    imports.run_import(data_import, Path(data_import.file.path))

    data_import.refresh_from_db()
    assert (data_import.status, data_import.attempts) == (ImportStatus.RUNNING, 2)
    assert not OrderLine.objects.exists()


@override_settings(SEGWEB_STALE_SECONDS=60)
def test_execute_run_stale_run_out_of_attempts_is_not_taken_over() -> None:
    """A redelivered task must not give a run a fourth worker: recovery fails it instead."""
    run = silent_run(61, attempts=recovery.MAX_ATTEMPTS)
    run_execution.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (Status.RUNNING, recovery.MAX_ATTEMPTS)
    recovery.recover_runs()
    run.refresh_from_db()
    assert run.status == Status.FAILED
