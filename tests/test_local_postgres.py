from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest

from segweb import local_postgres


@pytest.fixture
def data_dir(tmp_path: Path):
    folder = tmp_path / "pg"
    yield folder
    local_postgres.stop_server(folder, force=True)


def server_version(folder: Path) -> int:
    with psycopg.connect(local_postgres.database_url(folder, "postgres")) as connection:
        return connection.info.server_version


def test_start_server_new_directory_initialises_and_answers(data_dir: Path) -> None:
    assert local_postgres.start_server(data_dir)
    assert (data_dir / "PG_VERSION").exists()
    assert server_version(data_dir) >= 150000


def test_start_server_already_running_reuses_it(data_dir: Path) -> None:
    local_postgres.start_server(data_dir)
    with psycopg.connect(local_postgres.database_url(data_dir, "postgres")) as connection:
        pid = connection.execute("SELECT pg_postmaster_start_time()").fetchone()
    assert not local_postgres.start_server(data_dir)
    with psycopg.connect(local_postgres.database_url(data_dir, "postgres")) as connection:
        assert connection.execute("SELECT pg_postmaster_start_time()").fetchone() == pid


def test_start_server_after_a_crash_recovers_from_the_stale_lock(data_dir: Path) -> None:
    local_postgres.start_server(data_dir)
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    time.sleep(0.5)
    assert (data_dir / "postmaster.pid").exists()  # left behind, as after a power cut
    assert local_postgres.start_server(data_dir)
    assert server_version(data_dir) >= 150000


def test_stop_server_other_client_connected_leaves_it_running(data_dir: Path) -> None:
    local_postgres.start_server(data_dir)
    with psycopg.connect(local_postgres.database_url(data_dir, "postgres")):
        assert local_postgres.stop_server(data_dir).startswith("left running")
        assert local_postgres.is_running(data_dir)
    assert local_postgres.stop_server(data_dir) == "stopped"
    assert not local_postgres.is_running(data_dir)


def test_database_url_socket_directory_is_percent_encoded(tmp_path: Path) -> None:
    url = local_postgres.database_url(tmp_path / "pg", "segweb")
    assert url == f"postgres://postgres@{str(tmp_path / 'pg').replace('/', '%2F')}/segweb"
