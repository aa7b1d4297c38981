"""The PostgreSQL server: refuse versions segweb does not support; create a missing database.

`make run` calls `python -m segweb.database` before migrating, so DATABASE_URL may name a new
database (run.sh exports the embedded server's URL when none is set); the benchmarks use it too.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql

# The oldest server segweb is tested on (this project's machines and managed offerings run 15).
MIN_SERVER_VERSION = 150000


def refuse_unsupported_server(sender, connection, **kwargs) -> None:
    """connection_created receiver: stop at the first connection to a server older than 15."""
    version = connection.connection.info.server_version
    if version < MIN_SERVER_VERSION:
        shown = f"{version // 10000}.{version % 10000}"
        raise ImproperlyConfigured(
            f"PostgreSQL {shown} is not supported: segweb needs PostgreSQL 15 or newer "
            f"(DATABASE_URL names the server)."
        )


def ensure_postgres_database(url: str) -> bool:
    """Create the database if missing; False (with a message) when the server does not answer."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created PostgreSQL database {name!r}.")
    except psycopg.OperationalError as error:
        print(f"PostgreSQL does not answer at {unquote(parts.netloc)}: {error}")
        return False
    return True


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("DATABASE_URL is not set.")
        return 1
    return 0 if ensure_postgres_database(url) else 1


if __name__ == "__main__":
    sys.exit(main())
