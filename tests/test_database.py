from __future__ import annotations

import os
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.backends.signals import connection_created

from segweb.database import MIN_SERVER_VERSION, ensure_postgres_database, refuse_unsupported_server

SERVER_URL = os.environ["DATABASE_URL"]  # the embedded test server's, when none was set


def url_of(name: str) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))


def database_exists(name: str) -> bool:
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


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


@pytest.mark.parametrize(("version", "refused"), [(140012, True), (150019, False), (180006, False)])
def test_refuse_unsupported_server_older_than_15_stops(version: int, refused: bool) -> None:
    # The receiver reads only the version psycopg reports: a stand-in connection carries it.
    info = SimpleNamespace(server_version=version)
    wrapper = SimpleNamespace(connection=SimpleNamespace(info=info))
    if refused:
        with pytest.raises(ImproperlyConfigured, match=r"PostgreSQL 14\.12 is not supported"):
            refuse_unsupported_server(None, wrapper)
    else:
        refuse_unsupported_server(None, wrapper)


@pytest.mark.django_db
def test_refuse_unsupported_server_is_connected_to_new_connections() -> None:
    # disconnect() says whether the receiver was there; connect it back at once.
    assert connection_created.disconnect(dispatch_uid="segweb-pg-version")
    connection_created.connect(refuse_unsupported_server, dispatch_uid="segweb-pg-version")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= MIN_SERVER_VERSION
