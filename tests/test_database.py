from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from segweb.database import ensure_postgres_database

SERVER_URL = os.environ.get("DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not SERVER_URL.startswith(("postgres://", "postgresql://")), reason="needs PostgreSQL"
)


def url_of(name: str) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))


def database_exists(name: str) -> bool:
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


@needs_postgres
def test_ensure_postgres_database_missing_one_is_created_then_left_alone() -> None:
    name = f"segweb_check_{uuid.uuid4().hex[:8]}"
    try:
        assert ensure_postgres_database(url_of(name))
        assert database_exists(name)
        assert ensure_postgres_database(url_of(name))  # a second call changes nothing
    finally:
        with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_ensure_postgres_database_no_server_says_so(capsys) -> None:
    assert not ensure_postgres_database("postgres://postgres@127.0.0.1:1/segweb")
    assert "does not answer" in capsys.readouterr().out
