"""Fault cases with real processes (make test-faults): Celery workers killed with SIGKILL in every
stage, Redis and PostgreSQL restarted, a real gunicorn under load, simultaneous triggers.

Each case asserts its outcome only. What it measures (seconds, requests per second, peak memory)
goes to the Faults section of docs/reliability.md when SEGWEB_WRITE_RELIABILITY=1. Waits end as
soon as the outcome is there; their bounds are liveness limits (the issue's 2 minutes), not
timings. Restarting Redis or PostgreSQL disturbs whatever else uses them on this machine.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from segments import demo, roles
from segments.models import Assignment, Customer, DataImport, OrderLine, SegmentationRun
from segments.services import imports, runs
from tests import factories
from tests.fault_support import (
    Report,
    WebServer,
    kill_pool_process,
    peak_memory_mb,
    percentile,
    postgres_restartable,
    queued_messages,
    redis_restartable,
    redis_stopped,
    redis_version,
    restart_postgres,
    start_redis,
    start_web_server,
    stop_redis,
    stop_web_server,
)
from tests.run_data import demo_lines, groups_lines, insert_lines
from tests.worker_support import CELERY, ROOT, database_url, kill_worker, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis broker)"),
]
Status = SegmentationRun.Status
ImportStatus = DataImport.Status
# Every worker here: a dead one's work is stale 10 s after its last heartbeat.
FAST = {"SEGWEB_HEARTBEAT_SECONDS": "2", "SEGWEB_STALE_SECONDS": "10"}
LIVENESS = 120  # the target: a killed worker's run has ended within 2 minutes
STAGES = ("load", "features", "elbow", "fit", "save")
CUSTOMERS = 5_000
LOAD_SECONDS = 60
LOAD_CLIENTS = 4
TRIGGERS = 20
RUN_FORM = {"k": "auto", "kmax": "10", "feature_set": "study"}


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest) -> Iterator[Report]:
    """Collects each case's figures; writes docs/reliability.md once every case passed."""
    outcomes = Report()
    yield outcomes
    failed = request.session.testsfailed
    if os.environ.get("SEGWEB_WRITE_RELIABILITY") == "1" and outcomes.outcomes and not failed:
        outcomes.write(outcomes.environment)


@pytest.fixture(autouse=True)
def describe_machine(report: Report, transactional_db) -> None:
    if not report.environment:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0].split()[0]
        report.environment = (
            f"{timezone.now():%Y-%m-%d}, {os.cpu_count()} cores, PostgreSQL {postgres}, "
            f"Redis {redis_version()}"
        )


@pytest.fixture
def admin_cookies(transactional_db) -> dict[str, str]:
    """An Admin's session cookie, good for the real web server (same database and key)."""
    roles.create_role_groups(Group, Permission)  # transactional tests empty the groups table
    client = Client()
    client.force_login(factories.admin_user(username="fault-admin"))
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.fixture
def web_server(transactional_db) -> Iterator[WebServer]:
    server = start_web_server(database_url(), settings.SECRET_KEY)
    yield server
    stop_web_server(server)


@pytest.fixture
def start_beat(transactional_db) -> Iterator[Callable[..., subprocess.Popen]]:
    """`celery beat` as deployed (its schedule in the database), with env overrides."""
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [str(CELERY), "-A", "segweb", "beat", "--loglevel=WARNING"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), **env},
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill_worker(process)


@pytest.fixture
def restartable_redis() -> Iterator[None]:
    if not redis_restartable():
        pytest.skip("Redis is not on this machine: it cannot be restarted here")
    yield
    start_redis()  # whatever happened, later cases need it


def current(run_id: int) -> SegmentationRun:
    return SegmentationRun.objects.get(pk=run_id)


def holds(run_id: int, stage: str, attempt: int) -> bool:
    """The run is running in `stage` on its `attempt`-th worker."""
    run = current(run_id)
    return (run.status, run.stage, run.attempts) == (Status.RUNNING, stage, attempt)


def run_ended(run_id: int) -> Callable[[], bool]:
    return lambda: not current(run_id).is_active


def import_status(import_id: int) -> str:
    return DataImport.objects.values_list("status", flat=True).get(pk=import_id)


def import_ended(import_id: int) -> Callable[[], bool]:
    return lambda: import_status(import_id) not in (ImportStatus.PENDING, ImportStatus.RUNNING)


def seconds_between(start: datetime, end: datetime | None) -> float:
    return round(((end or timezone.now()) - start).total_seconds(), 1)


def assert_full_result(run: SegmentationRun) -> None:
    """One assignment for every customer who ordered something: nothing more, nothing less."""
    used = Customer.objects.count() - run.customers_excluded
    assert Assignment.objects.filter(run=run).count() == run.customers_used == used > 0


def assert_all_assignments_or_none(run_id: int) -> SegmentationRun:
    """Succeeded with an assignment for every customer it used, or failed with a reason and
    no assignments."""
    run = current(run_id)
    assigned = Assignment.objects.filter(run=run).count()
    if run.status == Status.SUCCEEDED:
        assert assigned == run.customers_used > 0
    else:
        assert run.status == Status.FAILED and run.error
        assert assigned == 0
    return run


def csrf_cookies(server: WebServer, cookies: dict[str, str]) -> dict[str, str]:
    """The session plus the CSRF cookie the runs page sets, ready for a form POST."""
    answer = server.request(reverse("segments:run-list"), cookies)
    assert answer.status == 200
    return {**cookies, settings.CSRF_COOKIE_NAME: answer.cookies[settings.CSRF_COOKIE_NAME]}


def post_run(server: WebServer, cookies: dict[str, str]) -> int:
    """Start a run through the real web server; the id of the run it redirects to."""
    form = {**RUN_FORM, "csrfmiddlewaretoken": cookies[settings.CSRF_COOKIE_NAME]}
    answer = server.request(reverse("segments:run-start"), cookies, form)
    assert answer.status == 302, answer
    return int(answer.location.rstrip("/").rsplit("/", 1)[1])


# 1. A worker killed in each stage --------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_worker_killed_in_a_stage_run_succeeds_on_a_rescue_worker(stage, start_worker, report):
    insert_lines(demo_lines(CUSTOMERS, seed=2))
    doomed = start_worker(f"doomed-{stage}", SEGWEB_FAULT_PAUSE=f"{stage}:60", **FAST)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)

    in_stage = wait_for(lambda: holds(run.pk, stage, attempt=1), timeout=LIVENESS)
    kill_worker(doomed)
    assert in_stage, f"the run never reached its {stage} stage"
    assert not Assignment.objects.filter(run=run).exists()
    rescue_started = timezone.now()
    rescue = start_worker(f"rescue-{stage}", **FAST)

    assert wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
    memory = peak_memory_mb(rescue.pid)
    run = current(run.pk)
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 2), run.error
    assert_full_result(run)
    report.add(
        f"Worker killed in the {stage} stage",
        f"succeeded on attempt 2, {run.customers_used:,} customers assigned",
        f"{seconds_between(rescue_started, run.finished_at)} s from the rescue worker's start",
        memory,
    )


def test_worker_pool_process_killed_run_succeeds_on_the_same_worker(start_worker, report):
    """The out-of-memory killer takes the pool process, not the worker: the worker hands the
    task back (reject_on_worker_lost), and its new pool process takes the run over once stale."""
    insert_lines(demo_lines(CUSTOMERS, seed=2))
    worker = start_worker("oom", SEGWEB_FAULT_PAUSE="fit:6", **FAST)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)

    assert wait_for(lambda: holds(run.pk, "fit", attempt=1), timeout=LIVENESS)
    killed_at = timezone.now()
    kill_pool_process(worker)

    assert wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
    memory = peak_memory_mb(worker.pid)
    run = current(run.pk)
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 2), run.error
    assert worker.poll() is None
    assert_full_result(run)
    report.add(
        "Worker's pool process killed (as the OOM killer does)",
        "succeeded on attempt 2 in the same worker's new pool process",
        f"{seconds_between(killed_at, run.finished_at)} s from the kill (incl. a 6 s pause)",
        memory,
    )


# 2. Repeatedly ---------------------------------------------------------------------------


def test_worker_killed_three_times_on_one_run_run_fails_with_the_reason(start_worker, report):
    insert_lines(demo_lines(CUSTOMERS, seed=2))
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)

    for attempt in (1, 2, 3):
        doomed = start_worker(f"doomed-{attempt}", SEGWEB_FAULT_PAUSE="elbow:60", **FAST)
        in_stage = wait_for(lambda a=attempt: holds(run.pk, "elbow", a), timeout=LIVENESS)
        kill_worker(doomed)
        assert in_stage, f"attempt {attempt} never reached the elbow"
    last_started = timezone.now()
    survivor = start_worker("survivor", **FAST)

    assert wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
    run = current(run.pk)
    assert (run.status, run.attempts) == (Status.FAILED, 3)
    assert "died 3 times" in run.error
    assert not Assignment.objects.filter(run=run).exists()
    report.add(
        "Worker killed 3 times on one run",
        "failed with the reason (“The worker died 3 times …”), no assignments",
        f"{seconds_between(last_started, run.finished_at)} s from the 4th worker's start",
        peak_memory_mb(survivor.pid),
    )


# 3. Mid-import ---------------------------------------------------------------------------


def start_big_import(tmp_path: Path) -> tuple[DataImport, int]:
    """Upload 30,000 customers' orders (about 86,000 lines, 8 s of importing) to the worker."""
    orders = demo.generate_orders(30_000, seed=5).lines
    demo.write_orders_csv(orders, tmp_path / "orders.csv")
    with open(tmp_path / "orders.csv", "rb") as handle:
        return imports.start_import(File(handle, name="orders.csv"), "auto", None), len(orders)


def import_saving(import_id: int) -> Callable[[], bool]:
    """Progress 70 and 85 are written from inside the import's transaction."""
    return lambda: DataImport.objects.get(pk=import_id).progress >= 70


def assert_all_lines_or_none(import_id: int, lines: int) -> DataImport:
    """Succeeded with every line of the file, or failed with a reason and none."""
    data_import = DataImport.objects.get(pk=import_id)
    stored = OrderLine.objects.filter(data_import=data_import).count()
    if data_import.status == ImportStatus.SUCCEEDED:
        assert stored == data_import.lines_imported == lines
    else:
        assert data_import.status == ImportStatus.FAILED and data_import.error_message
        assert stored == 0
    assert not data_import.file  # the upload is deleted once the import has an outcome
    return data_import


def test_worker_killed_mid_import_import_ends_with_all_lines_or_none(
    start_worker, report, tmp_path: Path
):
    doomed = start_worker("doomed-import", **FAST)
    data_import, lines = start_big_import(tmp_path)

    saving = wait_for(import_saving(data_import.pk), timeout=LIVENESS)
    kill_worker(doomed)
    killed = DataImport.objects.get(pk=data_import.pk)
    assert saving and killed.status == ImportStatus.RUNNING, killed.status
    rescue_started = timezone.now()
    rescue = start_worker("rescue-import", **FAST)

    assert wait_for(import_ended(data_import.pk), timeout=LIVENESS, every=0.5)
    data_import = assert_all_lines_or_none(data_import.pk, lines)
    assert data_import.status == ImportStatus.FAILED or data_import.attempts == 2
    report.add(
        "Worker killed mid-import (inside its transaction)",
        f"{data_import.status} on attempt {data_import.attempts}, "
        f"{data_import.lines_imported:,} of {lines:,} lines stored (all or none)",
        f"{seconds_between(rescue_started, data_import.finished_at)} s from the rescue "
        "worker's start",
        peak_memory_mb(rescue.pid),
    )


# 4. Redis restarted while work is queued ---------------------------------------------------


def test_redis_restarted_with_work_queued_each_completes_once(
    restartable_redis, start_worker, report, tmp_path: Path
):
    insert_lines(groups_lines())
    demo.write_orders_csv(demo.generate_orders(300, seed=9).lines, tmp_path / "orders.csv")
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)
    with open(tmp_path / "orders.csv", "rb") as handle:
        data_import = imports.start_import(File(handle, name="orders.csv"), "auto", None)
    assert queued_messages() == 2

    stop_redis()
    start_redis()
    assert queued_messages() == 0  # Redis keeps nothing on disk: both messages are gone
    worker_started = timezone.now()
    worker = start_worker("after-restart", **FAST)

    assert wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
    assert wait_for(import_ended(data_import.pk), timeout=LIVENESS, every=0.5)
    run, data_import = current(run.pk), DataImport.objects.get(pk=data_import.pk)
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 1), run.error
    assert (data_import.status, data_import.attempts) == (ImportStatus.SUCCEEDED, 1)
    assert SegmentationRun.objects.count() == 1
    # The run may have computed before the import added its customers: its own snapshot.
    assert Assignment.objects.filter(run=run).count() == run.customers_used > 0
    last = max(run.finished_at, data_import.finished_at)
    report.add(
        "Redis restarted while a run and an import are queued, no worker up",
        "both messages lost; recovery queued them again: each succeeded once (attempts 1)",
        f"{seconds_between(worker_started, last)} s from the worker's start",
        peak_memory_mb(worker.pid),
    )


def test_redis_restarted_under_a_live_worker_queued_run_completes_once(
    restartable_redis, start_worker, start_beat, report, tmp_path: Path
):
    """As deployed: the worker and beat stay up and reconnect; beat's recovery queues the run
    again, since the message died with Redis."""
    insert_lines(groups_lines())
    start_beat(SEGWEB_RECOVERY_SECONDS="5", **FAST)
    worker = start_worker("live", **FAST)
    data_import, lines = start_big_import(tmp_path)  # keeps the one pool process busy
    assert wait_for(lambda: import_status(data_import.pk) == ImportStatus.RUNNING, LIVENESS)
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)  # waits behind the import

    restarted = timezone.now()
    stop_redis()
    start_redis()

    assert wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
    assert wait_for(import_ended(data_import.pk), timeout=LIVENESS, every=0.5)
    run = current(run.pk)
    assert (run.status, run.attempts) == (Status.SUCCEEDED, 1), run.error
    assert Assignment.objects.filter(run=run).count() == run.customers_used > 0
    data_import = assert_all_lines_or_none(data_import.pk, lines)
    assert worker.poll() is None
    report.add(
        "Redis restarted under a live worker and beat while a run is queued",
        f"worker and beat reconnected; beat's recovery queued the lost run again: succeeded "
        f"once (attempts 1); the import in progress {data_import.status}",
        f"{seconds_between(restarted, run.finished_at)} s from the restart",
        peak_memory_mb(worker.pid),
    )


# 5. Broker down --------------------------------------------------------------------------


def test_broker_down_upload_and_run_request_fail_with_the_reason(
    restartable_redis, admin_cookies, report
):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = admin_cookies[settings.SESSION_COOKIE_NAME]
    upload = SimpleUploadedFile("orders.csv", b"customer_id,order_id\n", content_type="text/csv")

    with redis_stopped():
        started = time.perf_counter()
        form = {"file": upload, "requested_format": "auto"}
        uploaded = client.post(reverse("segments:import-upload"), form)
        upload_seconds = time.perf_counter() - started
        requested = client.post(reverse("segments:run-start"), RUN_FORM)

    assert (uploaded.status_code, requested.status_code) == (302, 302)
    data_import, run = DataImport.objects.get(), SegmentationRun.objects.get()
    assert data_import.status == ImportStatus.FAILED
    assert "task queue (broker) does not answer" in data_import.error_message
    assert not data_import.file
    assert run.status == Status.FAILED
    assert "broker" in run.error
    report.add(
        "Broker down at upload and at run request",
        "redirect (no 500); the import and the run are failed with the broker's reason",
        f"{upload_seconds:.1f} s for the upload's answer",
    )


# 6. PostgreSQL restarted -------------------------------------------------------------------


def test_postgres_restarted_mid_run_and_mid_import_work_ends_and_site_carries_on(
    start_worker, web_server, admin_cookies, report, tmp_path: Path
):
    if not postgres_restartable(connection.settings_dict):
        pytest.skip("the database server is not on this machine: it cannot be restarted here")
    insert_lines(groups_lines())
    # Two workers: the one that takes the run holds it in its fit stage; the other imports.
    workers = [start_worker(f"through-restart-{n}", SEGWEB_FAULT_PAUSE="fit:25", **FAST)
               for n in (1, 2)]  # fmt: skip
    cookies = csrf_cookies(web_server, admin_cookies)
    first_id = post_run(web_server, cookies)
    assert wait_for(lambda: holds(first_id, "fit", attempt=1), timeout=LIVENESS)
    data_import, lines = start_big_import(tmp_path)
    assert wait_for(import_saving(data_import.pk), timeout=LIVENESS)

    restarting = timezone.now()
    restart_postgres(connection.settings_dict)
    back = timezone.now()
    connections.close_all()  # this process's connection died with the server too
    pages = [reverse("login"), reverse("segments:dashboard")]
    statuses = poll_pages(web_server, pages, cookies, timeout=30)
    answer_seconds = seconds_between(back, None)

    assert statuses[-len(pages) :] == [200] * len(pages), statuses
    assert wait_for(run_ended(first_id), timeout=LIVENESS, every=0.5)
    assert wait_for(import_ended(data_import.pk), timeout=LIVENESS, every=0.5)
    first = assert_all_assignments_or_none(first_id)
    data_import = assert_all_lines_or_none(data_import.pk, lines)
    second_id = post_run(web_server, cookies)  # the same web server and workers
    assert wait_for(run_ended(second_id), timeout=LIVENESS, every=0.5)
    second = current(second_id)
    assert (second.status, second.attempts) == (Status.SUCCEEDED, 1), second.error
    assert_full_result(second)
    ended = [
        seconds_between(restarting, end) for end in (first.finished_at, data_import.finished_at)
    ]
    report.add(
        "PostgreSQL restarted mid-run and mid-import",
        f"run held in a 25 s fault pause: {first.status} ({first.error[:50] or 'no error'}…); "
        f"import: {data_import.status}, all lines or none; the site answered and the next run "
        "succeeded without restarting web or workers",
        f"{answer_seconds} s until the login page and the dashboard answered "
        f"({len(statuses) - len(pages)} failed answers before; the restart took "
        f"{seconds_between(restarting, back)} s); run ended {ended[0]} s, import {ended[1]} s "
        "after the restart began",
        max(peak_memory_mb(worker.pid) for worker in workers),
    )


def poll_pages(server: WebServer, pages: list[str], cookies: dict, timeout: float) -> list[int]:
    """Fetch the pages until all answer 200 (or the time is up); every status seen, 0 for
    no answer at all."""
    statuses: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for page in pages:
            try:
                statuses.append(server.request(page, cookies).status)
            except OSError:
                statuses.append(0)
        if statuses[-len(pages) :] == [200] * len(pages):
            break
        time.sleep(0.2)
    return statuses


# 7. Load ---------------------------------------------------------------------------------


def test_load_four_clients_while_runs_execute_no_error(
    start_worker, web_server, admin_cookies, report
):
    insert_lines(demo_lines(20_000, seed=4))
    worker = start_worker("under-load", **FAST)
    first, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)
    assert wait_for(run_ended(first.pk), timeout=LIVENESS, every=0.5)
    assert current(first.pk).status == Status.SUCCEEDED
    segment = first.segments.order_by("index").first()
    pages = [
        reverse("segments:dashboard"),
        reverse("segments:run-list"),
        reverse("segments:run-detail", args=[first.pk]),
        reverse("segments:segment-detail", args=[segment.pk]),
    ]

    results, runs_done = load_while_running(web_server, admin_cookies, pages)

    failures = [result for result in results if not 200 <= result[0] < 400]
    latencies = [seconds for _, seconds in results]
    assert results and not failures, failures[:5]
    assert runs_done >= 1  # runs computed while the clients were at it
    report.add(
        f"Load: {LOAD_CLIENTS} clients for {LOAD_SECONDS} s while runs execute",
        f"{len(results):,} requests, 0 errors; {runs_done} runs of 20,000 customers succeeded "
        f"meanwhile; web server peak {peak_memory_mb(web_server.process.pid):,.0f} MB",
        f"{len(results) / LOAD_SECONDS:.1f} requests/s, p95 "
        f"{percentile(latencies, 0.95) * 1000:.0f} ms",
        peak_memory_mb(worker.pid),
    )


def load_while_running(
    server: WebServer, cookies: dict[str, str], pages: list[str]
) -> tuple[list[tuple[int, float]], int]:
    """LOAD_CLIENTS threads fetch the pages in turn while this thread keeps a run going."""
    results: list[tuple[int, float]] = []
    deadline = time.monotonic() + LOAD_SECONDS

    def client(offset: int) -> None:
        turn = offset
        while time.monotonic() < deadline:
            try:
                answer = server.request(pages[turn % len(pages)], cookies)
                results.append((answer.status, answer.seconds))
            except Exception as error:  # a refused or dropped connection counts as an error
                results.append((0, 0.0))
                print(f"load client {offset}: {error!r}")
            turn += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(LOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    runs_done = 0
    while time.monotonic() < deadline:
        run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL)
        wait_for(run_ended(run.pk), timeout=LIVENESS, every=0.5)
        runs_done += current(run.pk).status == Status.SUCCEEDED
    for thread in threads:
        thread.join()
    return results, runs_done


# 8. Simultaneous triggers ----------------------------------------------------------------


def test_twenty_simultaneous_triggers_make_one_run(web_server, admin_cookies, report):
    cookies = csrf_cookies(web_server, admin_cookies)
    barrier = threading.Barrier(TRIGGERS)
    run_ids: list[int] = []

    def trigger() -> None:
        barrier.wait()
        run_ids.append(post_run(web_server, cookies))

    started = time.perf_counter()
    threads = [threading.Thread(target=trigger) for _ in range(TRIGGERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started

    assert len(run_ids) == TRIGGERS and len(set(run_ids)) == 1
    assert SegmentationRun.objects.count() == 1
    report.add(
        "20 simultaneous run triggers",
        f"{TRIGGERS} POSTs to the run-start page on gunicorn (3 processes of 4 threads): "
        "one run, every answer redirects to it",
        f"{seconds:.1f} s for all {TRIGGERS} answers",
    )
