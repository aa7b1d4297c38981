"""What a scale run is measured on: the export file, a fresh database, and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
# The data generator every helper and the issue use; the product's own when ../shared is absent.
MAKE_ORDERS = ROOT.parent / "shared" / "tools" / "make_orders.py"
PACKAGES = ("segweb", "segments", "benchmarks")


def export_file(folder: Path, customers: int, seed: int) -> tuple[Path, str]:
    """The cached export of `customers` customers, generated the first time; (path, generator)."""
    generator = "make_orders" if MAKE_ORDERS.is_file() else "generate_demo_orders"
    path = folder / f"orders_{customers}_seed{seed}_{generator}.csv"
    if path.is_file():
        return path, generator
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    arguments = ["--customers", str(customers), "--seed", str(seed), "--out", str(partial)]
    if generator == "make_orders":
        command = [sys.executable, str(MAKE_ORDERS), *arguments]
    else:
        command = [sys.executable, "manage.py", "generate_demo_orders", *arguments]
    env = {**os.environ, "DEBUG": "1"}  # the generator needs no database or secrets
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    partial.rename(path)
    return path, generator


def compile_bytecode() -> None:
    """Compile the virtualenv's and the checkout's Python files once, as an image build does.

    uv installs without bytecode, and with PYTHONDONTWRITEBYTECODE set (as in the Dockerfile)
    every process would compile some 2,500 modules again: seconds of start-up in every step.
    """
    folders = [sysconfig.get_path("purelib"), *(str(ROOT / name) for name in PACKAGES)]
    command = [sys.executable, "-m", "compileall", "-q", "-j", "0", *folders]
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)


def count_lines(path: Path) -> int:
    """Data lines of a CSV file (its header left out)."""
    lines = 0
    with path.open("rb") as data:
        while chunk := data.read(1 << 24):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def recreate_database(url: str) -> None:
    """Drop the database of `url` (only a benchmark's: the name must contain "bench"), create it."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database's name contains 'bench'")
    database = sql.Identifier(name)
    with psycopg.connect(server_url(url), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(database))


def vacuum_analyze(url: str) -> float:
    """VACUUM (ANALYZE) the whole database, as autovacuum would after a large write; its seconds.

    Measured steps never wait for autovacuum (off on some servers, late on busy ones): the
    pages are timed on tables with statistics and visibility maps, as in production.
    """
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def server_url(url: str) -> str:
    """The server's maintenance database, which is always there."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def machine_facts(url: str) -> list[str]:
    """CPUs, memory, PostgreSQL, commit and load, one phrase each."""
    with psycopg.connect(server_url(url)) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
    memory = psutil.virtual_memory().total / 2**30
    return [
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), {memory:.1f} GiB RAM, "
        f"PostgreSQL {server.split()[0]}, Python {platform.python_version()}",
        f"VACUUM (ANALYZE) after the import and after the run, untimed (autovacuum on this "
        f"server: {autovacuum})",
        f"commit: {git_commit()}",
        f"load average (1, 5, 15 min) at the start: {load_average()}",
    ]


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_commit() -> str:
    def git(*arguments: str) -> str:
        result = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit} ({branch}){' with uncommitted changes' if changed else ''}"
