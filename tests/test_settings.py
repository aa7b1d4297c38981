from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start_django(
    code: str = "import django; django.setup()", **env: str
) -> subprocess.CompletedProcess:
    """Settings in a fresh process; an empty value removes the variable."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    merged = {**clean, "DJANGO_SETTINGS_MODULE": "segweb.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={name: value for name, value in merged.items() if value},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "example.com"}, "SECRET_KEY must be set"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must be set"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.b", "DATABASE_URL": ""},
            "DATABASE_URL must be set",
        ),
        ({"DEBUG": "1", "DATABASE_URL": "sqlite:///var/x.sqlite3"}, "runs on PostgreSQL 15"),
    ],
)
def test_settings_bad_config_stops_start_with_message(env: dict[str, str], message: str) -> None:
    result = start_django(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_settings_debug_off_with_required_values_starts() -> None:
    result = start_django(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr


def test_settings_debug_on_starts_without_secret() -> None:
    assert start_django(DEBUG="1").returncode == 0


def test_settings_debug_on_without_database_url_uses_the_embedded_server() -> None:
    code = "from django.conf import settings; print(settings.DATABASES['default']['HOST'])"
    result = start_django(code, DEBUG="1", DATABASE_URL="", SEGWEB_VAR_DIR="/srv/segweb-var")
    assert result.stdout.strip() == "/srv/segweb-var/postgres", result.stderr


def test_settings_https_deployment_passes_deploy_check() -> None:
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "k3y-" + "x9Q!" * 15,
        "ALLOWED_HOSTS": "segweb.example.com",
        "HTTPS": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
    }
    clean = {k: v for k, v in os.environ.items() if k not in env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
