"""Docker cannot run here: the compose file is parsed and its services checked instead."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_has_the_five_services(services: dict) -> None:
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker"])
def test_compose_service_has_healthcheck(services: dict, name: str) -> None:
    assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize(
    ("name", "command_part"),
    [("web", "gunicorn segweb.wsgi:application"), ("worker", "worker"), ("beat", "beat")],
)
def test_compose_app_services_share_image_and_run_their_command(
    services: dict, name: str, command_part: str
) -> None:
    service = services[name]
    command = service["command"]
    command = command if isinstance(command, str) else " ".join(command)
    assert command_part in command
    assert service["build"] == "."
    env = service["environment"]
    assert (
        env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    )
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["DEBUG"] == "0"
    assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env


def test_compose_web_migrates_before_serving(services: dict) -> None:
    command = services["web"]["command"]
    assert command.index("migrate") < command.index("gunicorn")


def test_compose_postgres_keeps_data_in_a_volume(services: dict) -> None:
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "pgdata" in compose["volumes"]


def test_compose_dockerfile_installs_pinned_requirements() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile


def gunicorn_settings() -> dict:
    """gunicorn.conf.py as gunicorn reads it: each value through its own validation."""
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    return {name: setting.get() for name, setting in config.settings.items()}


def test_compose_web_and_dockerfile_run_gunicorn_with_its_config(services: dict) -> None:
    command = services["web"]["command"]
    assert "exec gunicorn segweb.wsgi:application --config gunicorn.conf.py" in command
    assert '"gunicorn", "segweb.wsgi:application", "--config", "gunicorn.conf.py"' in (
        (ROOT / "Dockerfile").read_text()
    )


def test_gunicorn_config_threads_for_long_downloads_and_staggered_restarts() -> None:
    settings = gunicorn_settings()
    assert (settings["worker_class"], settings["bind"]) == ("gthread", ["0.0.0.0:8000"])
    assert settings["threads"] >= 4 and settings["workers"] >= 2
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0
    assert settings["graceful_timeout"] >= settings["timeout"]


def test_compose_web_stop_waits_longer_than_gunicorn_graceful_timeout(services: dict) -> None:
    grace = services["web"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > gunicorn_settings()["graceful_timeout"]
