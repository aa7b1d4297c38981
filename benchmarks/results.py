"""A scale run's figures, and the rows of its table (pure: no processes, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.processes import Measured
from benchmarks.report import Row, percentile, rate, ratio, seconds, size
from benchmarks.web import Download, Load


@dataclass
class Results:
    file_label: str = ""
    file_lines: int = 0
    startup: Measured | None = None  # `manage.py check`: Django's start-up alone
    notebook: Measured | None = None
    bare_copy: Measured | None = None
    import_: Measured | None = None
    run: Measured | None = None
    run_stages: dict[str, float] = field(default_factory=dict)
    vacuum_seconds: dict[str, float] = field(default_factory=dict)
    pages: list[tuple[str, Load]] = field(default_factory=list)
    http_export: Download | None = None
    cli_export: Measured | None = None
    cli_export_rows: int = 0

    @property
    def complete(self) -> bool:
        measured = (self.notebook, self.bare_copy, self.import_, self.run, self.cli_export)
        pages_ok = bool(self.pages) and not any(load.failures for _, load in self.pages)
        export_ok = self.http_export is not None and self.http_export.complete
        return all(m is not None and m.ok for m in measured) and pages_ok and export_ok

    def details(self) -> list[str]:
        """What each command said, and the seconds behind the totals."""
        lines = []
        if self.startup is not None:
            lines.append(
                f"Django's start-up alone (`manage.py check`, part of every command's time): "
                f"{timed(self.startup)}, {memory(self.startup)}"
            )
        for name, measured in (("import_orders", self.import_), ("segment", self.run)):
            if measured is not None:
                lines.append(f"{name} said: {last_line(measured.log)}")
        if self.notebook is not None and self.notebook.figures:
            lines.append("notebook: " + stages(self.notebook.figures.get("seconds", {})))
        if self.run_stages:
            lines.append("run (stage_seconds): " + stages(self.run_stages))
        if self.vacuum_seconds:
            lines.append("VACUUM (ANALYZE), untimed: " + stages(self.vacuum_seconds))
        return lines


def last_line(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return lines[-1].strip() if lines else "(nothing)"


def stages(figures: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.1f} s" for name, value in figures.items())


def table_rows(results: Results) -> list[Row]:
    rows = [import_row(results), run_row(results)]
    rows += [page_row(name, load) for name, load in results.pages]
    if results.http_export is not None:
        rows.append(http_export_row(results.http_export))
    if results.cli_export is not None:
        rows.append(cli_export_row(results.cli_export, results.cli_export_rows))
    return rows


def timed(measured: Measured | None) -> str:
    if measured is None:
        return "not run"
    if not measured.ok:
        return f"failed (exit {measured.returncode}) after {seconds(measured.seconds)}"
    return seconds(measured.seconds)


def memory(measured: Measured | None) -> str:
    return size(measured.peak_bytes) if measured is not None else ""


def compared(step: str, product: Measured | None, name: str, reference: Measured | None) -> Row:
    both = product is not None and reference is not None and product.ok and reference.ok
    return Row(
        step=step,
        segweb=timed(product),
        reference=f"{name} {timed(reference)}",
        ratio=ratio(product.seconds, reference.seconds) if both else "-",
        memory=f"{memory(product) or '-'} ({name} {memory(reference) or '-'})",
    )


def import_row(results: Results) -> Row:
    step = f"`import_orders` of {results.file_lines:,} lines"
    return compared(step, results.import_, "bare COPY", results.bare_copy)


def run_row(results: Results) -> Row:
    step = "run: features, elbow k = 1..15, fit k = 4, assignments saved"
    return compared(step, results.run, "notebook", results.notebook)


def page_row(name: str, load: Load) -> Row:
    p95, median = percentile(load.seconds, 0.95), percentile(load.seconds, 0.5)
    shown = f"p95 {seconds(p95)} ({seconds(median)})"
    if load.failures:
        shown += f", {load.failures} failed"
    return Row(step=name, segweb=shown)


def http_export_row(download: Download) -> Row:
    shown = f"{rate(download.rows, download.seconds)} ({download.rows:,} rows in "
    shown += f"{seconds(download.seconds)})"
    if not download.complete:
        shown += ", cut off before the end"
    return Row(
        step="export of all members from the run page (HTTP)",
        segweb=shown,
        memory=f"web worker +{size(download.growth_bytes)} (to {size(download.worker_peak_bytes)})",
    )


def cli_export_row(measured: Measured, rows: int) -> Row:
    shown = timed(measured)
    if measured.ok:
        shown = f"{rate(rows, measured.seconds)} ({rows:,} rows in {seconds(measured.seconds)})"
    step = "CLI `export_assignments` of all members"
    return Row(step=step, segweb=shown, memory=memory(measured))
