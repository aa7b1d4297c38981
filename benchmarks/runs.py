"""Segmentation speed: generated exports of 25,000 and 250,000 customers, imported, then segmented.

    python -m benchmarks.runs --server embedded|local [--customers 25000 250000]

The servers are those of benchmarks.imports (a fresh embedded one, or $BENCH_POSTGRES_URL,
its tables emptied first, skipped when it does not answer). Each run executes
synchronously in a fresh child process, so the peak memory printed is the run's own
(imports included: Django, pandas, scikit-learn).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.imports import SERVERS, _setup_django, bench_folder, configure, label

SIZES = (25_000, 250_000)
# Children before parents, so plain DELETEs need no cascade.
TABLES = (
    "segments_exportrecord",
    "segments_assignment",
    "segments_strategynoterevision",
    "segments_segment",
    "segments_segmentationrun",
    "segments_orderline",
    "segments_order",
    "segments_customer",
    "segments_dataimport",
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--customers", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.run_only:  # the child: DATABASE_URL and SEGWEB_VAR_DIR come from the parent
        _setup_django()
        return segment_and_report()
    with bench_folder(options.server) as folder:
        if not configure(options.server, folder):
            return 0
        _setup_django()
        for customers in options.customers:
            load_orders(Path(folder), customers)
            command = ["-m", "benchmarks.runs", "--server", options.server, "--run-only"]
            child = subprocess.run([sys.executable, *command], env=os.environ.copy(), check=False)
            if child.returncode:
                return child.returncode
    return 0


def load_orders(folder: Path, customers: int) -> None:
    from segments import demo
    from segments.services.imports import import_file

    _empty_tables()
    started = time.perf_counter()
    path = folder / f"orders_{customers}.csv"
    demo.write_orders_csv(demo.generate_orders(customers, seed=1).lines, path)
    data_import = import_file(path)
    print(
        f"{label()}: {customers:,} customers: {data_import.lines_imported:,} lines "
        f"generated and imported in {time.perf_counter() - started:.1f} s ({data_import.status})",
        flush=True,
    )


def segment_and_report() -> int:
    from segments.models import SegmentationRun
    from segments.services import run_execution, runs

    run, _ = runs.request_run(SegmentationRun.Trigger.COMMAND, enqueue=False)
    started = time.perf_counter()
    run = run_execution.execute_run(run.pk)
    total = time.perf_counter() - started
    stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in run.stage_seconds.items())
    peak_mb = peak_memory_mb()
    print(
        f"{label()}: run {run.status}: {run.customers_used:,} customers, "
        f"k={run.chosen_k}: {stages}; total {total:.2f} s; peak memory {peak_mb:.0f} MB",
        flush=True,
    )
    return 0 if run.status == SegmentationRun.Status.SUCCEEDED else 1


def peak_memory_mb() -> float:
    """This process's peak resident memory.

    Linux's VmHWM, when there is one: getrusage's ru_maxrss of a child started by fork and exec
    still carries the parent's peak (here: the import's), not the run's.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
