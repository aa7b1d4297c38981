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
    # A developer's own .env (make run writes one) must not leak into these checks.
    merged = {**clean, "DJANGO_SETTINGS_MODULE": "segweb.settings", "SEGWEB_ENV_FILE": os.devnull}
    merged.update(env)
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
        ({"DEBUG": "1", "SEGWEB_TRUSTED_PROXIES": "-1"}, "SEGWEB_TRUSTED_PROXIES must be 0"),
        ({"DEBUG": "1", "SEGWEB_KEEP_RUNS": "-1"}, "SEGWEB_KEEP_RUNS must be 0"),
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


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    """manage.py check --deploy in a fresh process: only the given security variables set."""
    names = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "SECURE_HSTS_SECONDS"}
    clean = {k: v for k, v in os.environ.items() if k not in names}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean,
            "SEGWEB_ENV_FILE": os.devnull,
            "DEBUG": "0",
            "SECRET_KEY": "k3y-" + "x9Q!" * 15,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_production_defaults_pass_the_deploy_check() -> None:
    result = deploy_check(ALLOWED_HOSTS="segweb.example.com")
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_plain_http_opt_out_is_warned_about() -> None:
    result = deploy_check(ALLOWED_HOSTS="segweb.example.com", HTTPS="0")
    assert result.returncode != 0
    assert "segweb.W001" in result.stdout + result.stderr


def test_settings_plain_http_on_loopback_only_is_quiet() -> None:
    """make run's web server: DEBUG off, HTTPS=0, reachable from this machine only."""
    result = deploy_check(ALLOWED_HOSTS="127.0.0.1,localhost", HTTPS="0")
    assert "segweb.W001" not in result.stdout + result.stderr
    assert "travel unencrypted" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("SECURE_SSL_REDIRECT", "True"),
        ("SESSION_COOKIE_SECURE", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
        ("SECURE_HSTS_SECONDS", "31536000"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
    ],
)
def test_settings_debug_off_is_https_by_default(setting: str, expected: str) -> None:
    code = f"from django.conf import settings; print(settings.{setting})"
    result = start_django(code, DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example", HTTPS="")
    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("", True), ("  ", True), ("0", False), ("yes", True)]
)
def test_env_bool_empty_value_gives_the_default(monkeypatch, raw: str, expected: bool) -> None:
    from segweb.env import env_bool

    monkeypatch.setenv("SEGWEB_TEST_FLAG", raw)
    assert env_bool("SEGWEB_TEST_FLAG", default=True) is expected


def test_settings_local_env_file_is_read_and_the_environment_wins(tmp_path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nSECRET_KEY=from-the-file\nTIME_ZONE=Europe/Paris\n")
    code = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, s.TIME_ZONE)"
    result = start_django(code, SEGWEB_ENV_FILE=str(env_file), TIME_ZONE="UTC")
    assert result.stdout.split() == ["True", "from-the-file", "UTC"], result.stderr


def test_settings_without_env_file_production_stays_strict(tmp_path) -> None:
    result = start_django(SEGWEB_ENV_FILE=str(tmp_path / "missing.env"), DEBUG="0")
    assert "SECRET_KEY must be set" in result.stderr
