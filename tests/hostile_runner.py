"""Import files one per process and measure each: outcome, first reason, seconds, peak memory.

    python -m tests.hostile_runner     (reads one path a line, writes one JSON line each)

The runner imports the importers once, like a warm worker; each file is then read in a fork of
it. A fork's VmHWM leaves out the runner's pages it has not touched, so the peak reported is
the runner's resident memory plus the fork's growth: what a worker holding the same modules
would reach on that file alone (a little over, as touched library pages count twice). The
import is the pure part of run_import: read_table, choose the format, parse; no database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from segments.importers import ImportRefused, Problem, detect, parse_orders, readers
from segments.importers.contacts import parse_contacts

ROOT = Path(__file__).resolve().parent.parent
# A hang guard, not a measurement: a file still being read after this is reported as a hang.
HANG_SECONDS = 300


@dataclass(frozen=True)
class Measure:
    outcome: str  # accepted, refused, or what went wrong (error, crash)
    reason: str = ""
    row: int | None = None
    column: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0


def import_pure(path: Path) -> Problem | None:
    """The first problem refusing the file, or None when it would be imported."""
    try:
        raw = readers.read_table(path)
        format_name = detect.choose_format(raw.columns)
        if detect.kind_of(format_name) == detect.CONTACTS:
            result = parse_contacts(raw, format_name)
        else:
            result = parse_orders(raw, format_name)
    except ImportRefused as refusal:
        return refusal.problems[0]
    return result.problems[0] if result.refused else None


def measure_here(path: Path, baseline_kib: int) -> Measure:
    start_kib = memory_kib("VmRSS")
    started = time.perf_counter()
    try:
        problem = import_pure(path)
    except Exception as error:  # reported, so that the test names the file that broke
        return Measure(f"error: {type(error).__name__}: {error}"[:500])
    seconds = round(time.perf_counter() - started, 3)
    peak = round((baseline_kib + memory_kib("VmHWM") - start_kib) / 1024, 1)
    if problem is None:
        return Measure("accepted", seconds=seconds, peak_mb=peak)
    return Measure("refused", problem.reason, problem.row, problem.column, seconds, peak)


def measure_in_fork(path: Path, baseline_kib: int) -> Measure:
    """Read the file in a forked child; a child that dies is reported as a crash."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        signal.alarm(HANG_SECONDS)
        report = json.dumps(asdict(measure_here(path, baseline_kib))).encode()
        os.write(writing, report)
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not report:
        return Measure(f"crash: wait status {status}")
    return Measure(**json.loads(report))


def memory_kib(key: str) -> int:
    """VmHWM (peak) or VmRSS (now) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    # numpy's and pyarrow's native threads make Python warn at fork; each fork only reads one
    # file and exits, and the alarm turns a fork that would hang into a reported failure.
    warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
    baseline_kib = memory_kib("VmRSS")
    # The first line out is the baseline every peak includes.
    print(json.dumps({"baseline_mb": round(baseline_kib / 1024, 1)}), flush=True)
    for line in sys.stdin:
        print(json.dumps(asdict(measure_in_fork(Path(line.strip()), baseline_kib))), flush=True)


def run_files(paths: list[Path]) -> tuple[float, list[Measure]]:
    """Measure every file in one runner process: its baseline MB and one Measure per path."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.hostile_runner"],
        input="".join(f"{path}\n" for path in paths),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    first, *lines = completed.stdout.splitlines()
    return json.loads(first)["baseline_mb"], [Measure(**json.loads(line)) for line in lines]


def hostile_table(rows: list[tuple[str, str, int, Measure]], baseline_mb: float) -> str:
    """The Markdown of docs/reliability.md's "## Hostile files": (name, what, bytes, measure)."""
    slowest = max(measure.seconds for *_, measure in rows)
    highest = max(measure.peak_mb for *_, measure in rows)
    lines = [
        f"{len(rows)} hostile files, built by tests/hostile_files/ (written out by",
        "`scripts/make_hostile_files.py FOLDER`), each imported in a process of its own by",
        "tests/test_importers_hostile.py: read_table, format detection, parsing; no database.",
        "Seconds are the import's wall time. Peak MB is the worker's resident memory at its",
        f"highest, including the {baseline_mb:.0f} MB a worker holding the importers has before",
        f"reading anything. Slowest: {slowest:.2f} s. Highest peak: {highest:.0f} MB (the tests",
        "assert under 500 MB). Regenerate with",
        "`SEGWEB_WRITE_RELIABILITY=1 make test PYTEST_ARGS=tests/test_importers_hostile.py`.",
        "",
        "| file | what it is | size | outcome | first reason (where) | seconds | peak MB |",
        "|---|---|---:|---|---|---:|---:|",
    ]
    for name, what, size, measure in rows:
        lines.append(
            f"| `{name}` | {_cell(what)} | {_size(size)} | {measure.outcome} | {_reason(measure)} "
            f"| {measure.seconds:.2f} | {measure.peak_mb:.0f} |"
        )
    return "\n".join(lines)


def _reason(measure: Measure) -> str:
    reason = measure.reason if len(measure.reason) <= 120 else measure.reason[:117] + "..."
    where = ", ".join(
        part for part in (f"row {measure.row}" if measure.row else "", measure.column) if part
    )
    return _cell(reason + (f" ({where})" if where else ""))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _size(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.1f} kB"


if __name__ == "__main__":
    main()
