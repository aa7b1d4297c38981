"""One command in its own process: wall time and the peak resident memory of its process tree."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

POLL_SECONDS = 0.1
JSON_MARK = "BENCH_JSON "  # a line a benchmark script prints with its own figures


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_bytes: int
    returncode: int
    log: Path
    figures: dict = field(default_factory=dict)  # the script's BENCH_JSON line, if any

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def measure(command: Sequence[str], log: Path, env: dict[str, str], cwd: Path) -> Measured:
    """Run `command` to the end, output to `log`; its peak memory is polled every 0.1 s.

    The peak is the larger of the tree's summed RSS at any poll and any one process's
    VmHWM (the kernel's own high-water mark, which also catches a spike between two polls).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        peak = watch_memory(process)
        seconds = time.perf_counter() - started
    return Measured(seconds, peak, process.returncode, log, read_figures(log))


def watch_memory(process: subprocess.Popen) -> int:
    """Poll the process and its descendants until it exits; their peak memory in bytes."""
    peak = 0
    high_water: dict[int, int] = {}
    while process.poll() is None:
        tree = _tree(process.pid)
        peak = max(peak, sum(_rss(p) for p in tree))
        for member in tree:
            high_water[member.pid] = max(high_water.get(member.pid, 0), vm_hwm(member.pid))
        time.sleep(POLL_SECONDS)
    return max(peak, *high_water.values(), 0)


def tree_rss(pid: int) -> dict[int, int]:
    """RSS in bytes of each process of the tree rooted at `pid` (gone processes left out)."""
    return {member.pid: _rss(member) for member in _tree(pid)}


def vm_hwm(pid: int) -> int:
    """The process's peak RSS since it started its program, in bytes (0 when unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def read_figures(log: Path) -> dict:
    """The last BENCH_JSON line a script printed, as a dict ({} when there is none)."""
    figures: dict = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(JSON_MARK):
            figures = json.loads(line[len(JSON_MARK) :])
    return figures


def print_figures(figures: dict) -> None:
    """What a benchmark script prints for the harness to read back (read_figures)."""
    print(JSON_MARK + json.dumps(figures), flush=True)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0
