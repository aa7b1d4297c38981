"""The scale benchmark's pure parts: figures, the table, the notebook's features (none run)."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from benchmarks import notebook, pages, report
from benchmarks.processes import Measured, measure, print_figures, read_figures
from benchmarks.results import Results, table_rows
from benchmarks.web import Download, Load, MemoryWatch
from segments import demo
from segments.features import build_features


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([5.0], 0.95, 5.0),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([float(n) for n in range(1, 101)], 0.95, 95.0),
        ([float(n) for n in range(1, 201)], 0.95, 190.0),
        ([1.0, 2.0, 3.0, 4.0], 1.0, 4.0),
        ([1.0, 2.0, 3.0, 4.0], 0.0, 1.0),
    ],
)
def test_percentile_nearest_rank_gives_a_measured_value(values, share, expected):
    assert report.percentile(values, share) == expected


def test_percentile_no_values_is_nan():
    assert math.isnan(report.percentile([], 0.95))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0123, "12 ms"), (0.9994, "999 ms"), (1.0, "1.0 s"), (485.24, "485.2 s"), (math.nan, "-")],
)
def test_seconds_below_one_in_ms_above_in_s(value, expected):
    assert report.seconds(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(44e6, "44 MB"), (563.4e6, "563 MB"), (4.74e9, "4.7 GB")]
)
def test_size_in_decimal_megabytes_then_gigabytes(value, expected):
    assert report.size(value) == expected


def test_ratio_of_zero_reference_is_a_dash():
    assert report.ratio(485.0, 9.2) == "52.72x"
    assert report.ratio(1.0, 0.0) == "-"


def test_markdown_table_columns_line_up():
    rows = [report.Row("import", "485.2 s", "bare COPY 9.2 s", "52.72x", "4.7 GB")]
    lines = report.markdown_table(rows).splitlines()
    assert lines[0].startswith("| step ")
    assert len({len(line) for line in lines}) == 1
    assert lines[2] == "| import | 485.2 s | bare COPY 9.2 s | 52.72x | 4.7 GB      |"


def test_section_has_title_facts_table_and_details():
    text = report.section("2026-11-27, SCALE=1,000,000", ["machine: 2 CPUs"], "| t |", ["x 1 s"])
    assert text.splitlines()[:4] == ["## 2026-11-27, SCALE=1,000,000", "", "- machine: 2 CPUs", ""]
    assert "| t |\n\nDetails:\n\n- x 1 s\n" in text


def measured(seconds: float, peak: int, returncode: int = 0) -> Measured:
    return Measured(seconds, peak, returncode, Path("/nonexistent.log"))


def test_table_rows_ratios_against_the_references():
    results = Results(
        file_lines=2_763_919,
        bare_copy=measured(9.2, 44_000_000),
        import_=measured(485.0, 4_700_000_000),
        notebook=measured(24.0, 1_200_000_000),
        run=measured(86.0, 563_000_000),
    )
    import_row, run_row = table_rows(results)
    assert import_row.step == "`import_orders` of 2,763,919 lines"
    assert (import_row.segweb, import_row.reference, import_row.ratio) == (
        "485.0 s",
        "bare COPY 9.2 s",
        "52.72x",
    )
    assert import_row.memory == "4.7 GB (bare COPY 44 MB)"
    assert (run_row.ratio, run_row.memory) == ("3.58x", "563 MB (notebook 1.2 GB)")


def test_table_rows_failed_step_shows_exit_and_no_ratio():
    results = Results(bare_copy=measured(9.2, 1), import_=measured(31.0, 1, returncode=1))
    import_row, run_row = table_rows(results)
    assert import_row.segweb == "failed (exit 1) after 31.0 s"
    assert import_row.ratio == "-"
    assert run_row.segweb == "not run"
    assert not results.complete


def test_table_rows_pages_exports_and_failures():
    results = Results(
        pages=[("run page", Load([0.1, 0.2, 2.7], failures=2))],
        http_export=Download(
            660_000, 30.0, False, growth_bytes=310_000_000, worker_peak_bytes=420_000_000
        ),
        cli_export=measured(15.0, 400_000_000),
        cli_export_rows=1_000_000,
    )
    page, http, cli = table_rows(results)[2:]
    assert page.segweb == "p95 2.7 s (200 ms), 2 failed"
    assert http.segweb == "22,000 rows/s (660,000 rows in 30.0 s), cut off before the end"
    assert http.memory == "web worker +310 MB (to 420 MB)"
    assert cli.segweb == "66,667 rows/s (1,000,000 rows in 15.0 s)"


def test_read_figures_takes_the_last_json_line(tmp_path, capsys):
    print_figures({"seconds": 1.5})
    print_figures({"seconds": 2.5})
    log = tmp_path / "step.log"
    log.write_text("noise\n" + capsys.readouterr().out + "more noise\n")
    assert read_figures(log) == {"seconds": 2.5}


@pytest.mark.parametrize(("size", "expected"), [(1, 1), (50, 1), (6143, 62), (420_000, 4200)])
def test_deep_page_is_half_way_through_the_segment(size, expected):
    assert pages.deep_page(size, 50) == expected


def test_notebook_features_match_the_product_features(tmp_path):
    path = tmp_path / "orders.csv"
    demo.write_orders_csv(demo.generate_orders(2000, seed=3).lines, path)
    lines = notebook.read_lines(path)
    ours = notebook.customer_features(lines).rename(index=str).sort_index()
    canonical = lines.assign(
        customer_id=lines["customer_id"].astype(str),
        order_id=lines["order_id"].astype(str),
        day=pd.to_datetime(lines["day"], format="%d/%m/%Y"),
    )
    product = build_features(canonical).frame.set_index("customer_id")
    assert list(ours.index) == list(product.index)
    for feature in notebook.FEATURES:
        np.testing.assert_allclose(ours[feature], product[feature], rtol=0, atol=1e-9)


# Memory, not time: a child that waits, then holds 200 MB for a second.
HOLD_200_MB = "import time; time.sleep(0.5); block = b'x' * 200_000_000; time.sleep(1.0)"


def test_measure_child_holding_200_mb_peaks_above_it(tmp_path):
    result = measure([sys.executable, "-c", HOLD_200_MB], tmp_path / "log", {}, tmp_path)
    assert result.ok
    assert result.peak_bytes > 200_000_000


def test_memory_watch_worker_holding_200_mb_grows_by_it():
    worker = [sys.executable, "-c", HOLD_200_MB]
    server = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess; subprocess.run({worker!r})"]
    )
    try:
        for _ in range(50):  # the worker appears within a few tenths of a second
            if psutil.Process(server.pid).children():
                break
            time.sleep(0.1)
        watch = MemoryWatch(server.pid)
        watch.start()
        server.wait(timeout=30)
        growth, peak = watch.stop()
    finally:
        server.kill()
    assert growth > 190_000_000
    assert peak > growth
