"""make bench SCALE=N: segweb at scale against the notebook and a bare COPY, its pages under load.

    python -m benchmarks.scale --scale 1000000      (what `make bench SCALE=1000000` runs)

1. The export: $BENCH_FILE, or var/bench/orders_<N>_seed<seed>_<generator>.csv, generated once
   by ../shared/tools/make_orders.py when it is there, else by `manage.py generate_demo_orders`.
2. The yardsticks: the original notebook's pipeline (benchmarks.notebook) and the bare COPY of
   the file into an unindexed table of text columns (benchmarks.bare_copy).
3. The product's path on a fresh database: `import_orders FILE`, then `segment --sync --k 4
   --kmax 15`.
4. gunicorn with 2 workers on loopback, signed in: $BENCH_REQUESTS requests per page kind at
   concurrency $BENCH_CONCURRENCY (after a short warm-up), then the run page's export of all
   members; then the CLI `export_assignments`.
5. One table, printed and appended to benchmarks/RESULTS.md with the date, machine and commit.

Every step runs in its own process: times are wall times, start-up included; peak memory is
the peak RSS of the step's process tree (the PostgreSQL server's own memory is not counted).

Environment: BENCH_FILE, BENCH_SEED (1), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/
segweb_bench; the database is dropped and created again, so its name must contain "bench"),
BENCH_REDIS_URL (redis://127.0.0.1:6379/9), BENCH_REQUESTS (200), BENCH_CONCURRENCY (4),
BENCH_NOTE (words for the section title, e.g. "before, busy machine"), BENCH_GUNICORN_ARGS
(more gunicorn options; a gunicorn.conf.py at the top of the checkout applies anyway).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import conditions, pages, report, web
from benchmarks.conditions import ROOT
from benchmarks.processes import Measured, measure
from benchmarks.results import Results, page_row, table_rows

WORK = ROOT / "var" / "bench"
LOGS = WORK / "logs"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
K, KMAX = 4, 15


@dataclass(frozen=True)
class Config:
    scale: int
    seed: int
    file: Path | None
    postgres_url: str
    redis_url: str
    requests: int
    concurrency: int
    note: str
    gunicorn_args: tuple[str, ...]

    @classmethod
    def from_env(cls, scale: int) -> Config:
        env = os.environ.get
        return cls(
            scale=scale,
            seed=int(env("BENCH_SEED", "1")),
            file=Path(env("BENCH_FILE")) if env("BENCH_FILE") else None,
            postgres_url=env("BENCH_POSTGRES_URL")
            or "postgres://postgres@127.0.0.1:5432/segweb_bench",
            redis_url=env("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/9",
            requests=int(env("BENCH_REQUESTS", "200")),
            concurrency=int(env("BENCH_CONCURRENCY", "4")),
            note=env("BENCH_NOTE", ""),
            gunicorn_args=tuple(shlex.split(env("BENCH_GUNICORN_ARGS", ""))),
        )

    def product_env(self) -> dict[str, str]:
        """The product's settings: production-like (DEBUG off), this benchmark's servers."""
        return {
            **os.environ,
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": "benchmark-only",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.postgres_url,
            "REDIS_URL": self.redis_url,
            "SEGWEB_VAR_DIR": str(WORK / "var"),
            "DJANGO_SETTINGS_MODULE": "segweb.settings",
            "LOG_LEVEL": "WARNING",
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True, help="customers in the export")
    config = Config.from_env(parser.parse_args(argv).scale)
    started = time.perf_counter()
    facts = conditions.machine_facts(config.postgres_url)
    print("== compiling Python files once ...", flush=True)
    conditions.compile_bytecode()
    results = Results()
    path = prepare_file(config, results)
    measure_references(config, path, results)
    if measure_product(config, path, results):
        measure_web(config, results)
        measure_cli_export(config, results)
    facts.append(f"load average at the end: {conditions.load_average()}")
    facts.append(f"the harness took {(time.perf_counter() - started) / 60:.0f} min in all")
    write_report(config, facts, results)
    if not results.complete:
        print(
            "Some steps failed, failed requests or were cut off: see the table and var/bench/logs."
        )
        return 1
    return 0


def prepare_file(config: Config, results: Results) -> Path:
    if config.file is not None:
        path, origin = config.file, "BENCH_FILE"
    else:
        path, origin = conditions.export_file(WORK, config.scale, config.seed)
    results.file_lines = conditions.count_lines(path)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    results.file_label = (
        f"{shown} ({results.file_lines:,} lines, {path.stat().st_size / 1e6:,.0f} MB, {origin})"
    )
    print(f"== export: {results.file_label}", flush=True)
    return path


def step(name: str, command: list[str], env: dict[str, str]) -> Measured:
    print(f"== {name} ...", flush=True)
    measured = measure(command, LOGS / f"{name}.log", env, ROOT)
    state = "done" if measured.ok else f"FAILED (exit {measured.returncode}; see {measured.log})"
    print(
        f"   {state} in {measured.seconds:.1f} s, peak memory {report.size(measured.peak_bytes)}",
        flush=True,
    )
    return measured


def measure_references(config: Config, path: Path, results: Results) -> None:
    python = sys.executable
    results.notebook = step(
        "notebook",
        [python, "-m", "benchmarks.notebook", str(path), "--k", str(K), "--kmax", str(KMAX)],
        dict(os.environ),
    )
    conditions.recreate_database(config.postgres_url)
    results.bare_copy = step(
        "bare_copy",
        [python, "-m", "benchmarks.bare_copy", config.postgres_url, str(path)],
        dict(os.environ),
    )


def measure_product(config: Config, path: Path, results: Results) -> bool:
    """Import and run on the fresh database; False when either failed."""
    env = config.product_env()
    manage = [sys.executable, "manage.py"]
    for setup in (["migrate", "--no-input"], ["create_demo_users"]):
        if not step(setup[0], [*manage, *setup], env).ok:
            raise SystemExit(f"manage.py {setup[0]} failed")
    results.startup = step("check", [*manage, "check"], env)
    results.import_ = step("import_orders", [*manage, "import_orders", str(path)], env)
    if not results.import_.ok:
        return False
    vacuum(config, results, "after the import")
    results.run = step(
        "segment", [*manage, "segment", "--sync", "--k", str(K), "--kmax", str(KMAX)], env
    )
    vacuum(config, results, "after the run")
    return results.run.ok


def vacuum(config: Config, results: Results, when: str) -> None:
    print(f"== VACUUM (ANALYZE) {when} (untimed) ...", flush=True)
    results.vacuum_seconds[when] = conditions.vacuum_analyze(config.postgres_url)


def measure_web(config: Config, results: Results) -> None:
    os.environ.update(config.product_env())
    import django

    django.setup()
    from segments.models import SegmentationRun

    targets = pages.find_targets()
    results.run_stages = SegmentationRun.objects.get(pk=targets.run_id).stage_seconds or {}
    log = LOGS / "gunicorn.log"
    process, port = web.start_server(config.product_env(), ROOT, log, config.gunicorn_args)
    try:
        client = web.Client(port)
        client.sign_in(targets.login_path, "admin", "segweb-admin")
        for kind in targets.pages:
            print(f"== {config.requests} requests: {kind.name} ...", flush=True)
            web.load(client, kind.paths, config.concurrency, config.concurrency)  # warm-up
            load = web.load(client, kind.paths, config.requests, config.concurrency)
            results.pages.append((kind.name, load))
            print(f"   {page_row(kind.name, load).segweb}", flush=True)
        print("== export from the run page ...", flush=True)
        form = {"csrfmiddlewaretoken": web.token(client.request(targets.run_path))}
        results.http_export = web.download(client, targets.export_path, form, process.pid)
    finally:
        web.stop_server(process)


def measure_cli_export(config: Config, results: Results) -> None:
    out = WORK / "export_assignments.csv"
    command = [sys.executable, "manage.py", "export_assignments", "--out", str(out)]
    results.cli_export = step("export_assignments", command, config.product_env())
    if out.exists():
        results.cli_export_rows = conditions.count_lines(out)
        out.unlink()


def write_report(config: Config, facts: list[str], results: Results) -> None:
    table = report.markdown_table(table_rows(results))
    print(table, flush=True)
    now = dt.datetime.now(dt.UTC)
    note = f": {config.note}" if config.note else ""
    title = f"{now:%Y-%m-%d %H:%M} UTC, SCALE={config.scale:,}{note}"
    command = "make bench SCALE=" + str(config.scale)
    if config.file is not None:
        command = f"BENCH_FILE={config.file} {command}"
    facts = [
        f"command: `{command}` (requests per page kind: {config.requests}, "
        f"concurrency {config.concurrency})",
        f"export: {results.file_label}",
        *facts,
    ]
    if not RESULTS.exists():
        RESULTS.write_text(RESULTS_PREAMBLE)
    with RESULTS.open("a") as out:
        out.write("\n" + report.section(title, facts, table, results.details()))
    print(f"Appended to {RESULTS.relative_to(ROOT)}.")


RESULTS_PREAMBLE = """# Benchmarks at scale

Each section is one run of `make bench SCALE=N` (benchmarks/scale.py), the newest last. Every
step runs in its own process: times are wall times with the process's start-up; peak memory is
the peak RSS of the step's process tree (the PostgreSQL server's own memory is not counted).
Ratios: the import against the bare COPY of the same file into an unindexed table of text
columns, the run (features, elbow k = 1..15, fit k = 4, assignments saved) against the original
notebook's pipeline on the same file (benchmarks/notebook.py). Pages: the 95th percentile of
the answers over loopback from gunicorn with 2 workers, signed in, at concurrency 4, with
the median in brackets. The small benchmarks of plain `make bench` keep their output in
benchmarks/results/.
"""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
