"""A throwaway embedded PostgreSQL for the test session when DATABASE_URL is not set.

Loaded early (`-p tests.postgres_plugin` in pyproject.toml), so the URL is in the environment
before pytest-django reads the settings; the worker processes the tests start inherit it. With
DATABASE_URL set, the tests use that server instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from segweb import local_postgres


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser, args):
    if not os.environ.get("DATABASE_URL"):
        folder = Path(tempfile.mkdtemp(prefix="segweb-test-postgres-"))
        data_dir = folder / "data"
        local_postgres.start_server(data_dir, throwaway=True)
        os.environ["DATABASE_URL"] = local_postgres.database_url(data_dir)

        def remove_server() -> None:
            local_postgres.stop_server(data_dir, force=True)
            shutil.rmtree(folder, ignore_errors=True)

        early_config.add_cleanup(remove_server)
    return (yield)
