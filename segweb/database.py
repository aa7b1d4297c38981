"""Create the PostgreSQL database named by a URL when it does not exist yet.

`make run` calls `python -m segweb.database` before migrating, so DATABASE_URL may name a new
database; the benchmarks use it for theirs. SQLite creates its file by itself.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


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
        print(f"PostgreSQL does not answer at {parts.hostname}:{parts.port or 5432}: {error}")
        return False
    return True


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return 0
    return 0 if ensure_postgres_database(url) else 1


if __name__ == "__main__":
    sys.exit(main())
