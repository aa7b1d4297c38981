"""A real Celery worker process on Redis, sharing the test database with the test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
WORKER_OPTIONS = ("--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING")
BROKER_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    # A socket directory (the embedded server) goes percent-encoded in the host's place.
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def clear_broker() -> None:
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(*BROKER_KEYS)


@pytest.fixture
def start_worker(transactional_db) -> Iterator[Callable[..., subprocess.Popen]]:
    clear_broker()
    started: list[subprocess.Popen] = []

    def start(name: str, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [str(CELERY), "-A", "segweb", "worker", "-n", f"{name}@%h", *WORKER_OPTIONS],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), **env},
            start_new_session=True,  # its own process group: a kill takes the pool child too
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill_worker(process)
    clear_broker()


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children, as an out-of-memory kill or crash would."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(check: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False
