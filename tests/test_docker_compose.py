"""Docker cannot run here: the compose file is parsed and its services checked instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
