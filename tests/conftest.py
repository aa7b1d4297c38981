from __future__ import annotations

from pathlib import Path

import pytest

# The real-worker fixture (start_worker), shared by the worker and browser tests.
pytest_plugins = ("tests.worker_support",)

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the repository; tests that read it skip cleanly without it."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not present")
    return SHARED_DIR


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    """Test users are created by the hundred; full PBKDF2 rounds would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
