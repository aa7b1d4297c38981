"""Import speed: a generated Shopify export of N customers, imported, then imported again.

    python -m benchmarks.imports --server embedded|local [--customers 25000]

"embedded" starts a fresh embedded PostgreSQL in a temporary folder; "local" uses
$BENCH_POSTGRES_URL (the database is created when missing and its order tables emptied first)
and is skipped when the server does not answer. A bare COPY of the same lines into an indexed
copy of the line table is timed too, as the yardstick for the import's own speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segweb import local_postgres
from segweb.database import ensure_postgres_database

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/segweb_bench"
SERVERS = ("embedded", "local")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--customers", type=int, default=25_000)
    options = parser.parse_args(argv)
    with bench_folder(options.server) as folder:
        if not configure(options.server, folder):
            return 0
        _setup_django()
        run(folder, options.customers)
    return 0


@contextmanager
def bench_folder(server: str) -> Iterator[Path]:
    """A temporary folder; the embedded server started in it is stopped before it goes."""
    with tempfile.TemporaryDirectory(prefix="segweb-bench-") as name:
        folder = Path(name)
        try:
            yield folder
        finally:
            if server == "embedded":
                local_postgres.stop_server(folder / "postgres", force=True)


def configure(server: str, folder: Path) -> bool:
    """Point DATABASE_URL at the server; False when the local one does not answer.

    The embedded server lives in `folder` (see bench_folder).
    """
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["SEGWEB_VAR_DIR"] = str(folder)
    if server == "embedded":
        data_dir = folder / "postgres"
        local_postgres.start_server(data_dir)
        url = local_postgres.database_url(data_dir, "segweb_bench")
    else:
        url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not ensure_postgres_database(url):
        return False
    os.environ["DATABASE_URL"] = url
    return True


def label() -> str:
    """Which server the figures are from, e.g. "PostgreSQL 18"."""
    from django.db import connection

    return f"PostgreSQL {connection.pg_version // 10000}"


def _setup_django() -> None:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segweb.settings")
    django.setup()
    call_command("migrate", verbosity=0)


def run(folder: Path, customers: int) -> None:
    from segments import demo
    from segments.services.imports import import_file

    _empty_order_tables()
    started = time.perf_counter()
    orders = demo.generate_orders(customers, seed=1)
    path = folder / f"orders_{customers}.csv"
    demo.write_orders_csv(orders.lines, path)
    rows = len(orders.lines)
    print(f"{label()}: generated {rows:,} rows for {customers:,} customers "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    for attempt in ("import", "re-import"):
        started = time.perf_counter()
        data_import = import_file(path)
        seconds = time.perf_counter() - started
        print(
            f"{label()}: {attempt}: {rows / seconds:,.0f} rows/s ({seconds:.2f} s; "
            f"{data_import.status}, {data_import.lines_imported:,} new, "
            f"{data_import.lines_already_present:,} already present)"
        )
    _time_bare_copy()


def _empty_order_tables() -> None:
    from segments.models import Customer, DataImport, Order, OrderLine

    for model in (OrderLine, Order, Customer, DataImport):
        model.objects.all().delete()


def _time_bare_copy() -> None:
    """COPY the file's lines, as stored, into an indexed scratch copy of the line table."""
    from django.db import connection, transaction

    from segments.models import OrderLine

    table = OrderLine._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor, tempfile.TemporaryFile() as dump:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_copy (LIKE {table} INCLUDING ALL)")
        with cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for chunk in copy:
                dump.write(chunk)
        dump.seek(0)
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            while chunk := dump.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"{label()}: bare COPY of the same lines (indexes, no foreign keys): {seconds:.2f} s")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
