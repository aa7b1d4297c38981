"""The bare PostgreSQL COPY of an export into an unindexed table of text columns: the yardstick
an import is held to.

    python -m benchmarks.bare_copy DATABASE_URL FILE

One text column per header field, no key, no index, no constraint; the file is streamed from
this process as an import streams it (COPY FROM STDIN, CSV with a header), and the table is
dropped afterwards. Neither Django nor segments is imported.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.processes import print_figures

TABLE = "bench_bare_copy"
CHUNK_BYTES = 1 << 20


def create_statement(header: list[str]) -> sql.Composed:
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(name)) for name in header)
    return sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(TABLE), columns)


def copy_file(url: str, path: Path) -> tuple[int, float]:
    """The rows copied and the seconds from CREATE TABLE to COMMIT."""
    with path.open(newline="", encoding="utf-8-sig") as text:
        header = next(csv.reader(text))
    drop = sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(TABLE))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(drop)
        started = time.perf_counter()
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(create_statement(header))
            statement = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)")
            with (
                cursor.copy(statement.format(sql.Identifier(TABLE))) as copy,
                path.open("rb") as raw,
            ):
                while chunk := raw.read(CHUNK_BYTES):
                    copy.write(chunk)
            rows = cursor.rowcount
        seconds = time.perf_counter() - started
        connection.execute(drop)
    return rows, seconds


def main(argv: list[str]) -> int:
    url, path = argv
    rows, seconds = copy_file(url, Path(path))
    print(f"COPY of {rows:,} rows into an unindexed table of text columns: {seconds:.2f} s")
    print_figures({"rows": rows, "seconds": seconds})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
