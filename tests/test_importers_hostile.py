"""Every hostile file of tests/hostile_files/ gets its outcome, in under 500 MB of memory.

Each file is imported (read, format detected, parsed) in a process of its own, so its peak
memory is its own (tests/hostile_runner.py). Seconds are recorded, never asserted; with
SEGWEB_WRITE_RELIABILITY=1 the figures become docs/reliability.md's "## Hostile files".
A few files also go through services.imports.import_file and the import_orders command.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from segments.models import Customer, DataImport, Order, OrderLine
from segments.services import imports
from tests.hostile_files import CATALOGUE, Hostile, write_catalogue
from tests.hostile_runner import Measure, hostile_table, run_files
from tests.reliability_docs import RELIABILITY_DOC, replace_section

pytestmark = pytest.mark.hostile

MAX_PEAK_MB = 500
CASES = {case.name: case for case in CATALOGUE}
# Files whose refusal reached the database as an error before: they must now be refusals.
THROUGH_THE_SERVICE = (
    "bomb_rows.csv.gz",
    "nul_in_cell.csv",
    "billion_laughs.xlsx",
    "malformed_xml.xlsx",
    "list_column.parquet",
    "dictionary_bomb.parquet",
)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_catalogue(folder)
    return folder


@pytest.fixture(scope="module")
def measures(hostile_folder: Path) -> dict[str, Measure]:
    paths = [hostile_folder / case.name for case in CATALOGUE]
    baseline_mb, measured = run_files(paths)
    if os.environ.get("SEGWEB_WRITE_RELIABILITY") == "1":
        rows = [
            (case.name, case.what, path.stat().st_size, measure)
            for case, path, measure in zip(CATALOGUE, paths, measured, strict=True)
        ]
        replace_section(RELIABILITY_DOC, "## Hostile files", hostile_table(rows, baseline_mb))
    return {case.name: measure for case, measure in zip(CATALOGUE, measured, strict=True)}


def test_catalogue_at_least_41_files_uniquely_named():
    assert len(CASES) == len(CATALOGUE) >= 41


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.name)
def test_import_hostile_file_gets_expected_outcome(measures: dict[str, Measure], case: Hostile):
    measure = measures[case.name]
    assert measure.outcome == ("accepted" if case.accepted else "refused"), measure
    assert case.reason in measure.reason, measure
    if case.row is not None:
        assert measure.row == case.row, measure
    if case.column is not None:
        assert measure.column == case.column, measure


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.name)
def test_import_hostile_file_peak_memory_under_500_mb(measures: dict[str, Measure], case: Hostile):
    assert 0 < measures[case.name].peak_mb < MAX_PEAK_MB, measures[case.name]


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def _table_counts() -> tuple[int, int, int]:
    return Customer.objects.count(), Order.objects.count(), OrderLine.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("name", THROUGH_THE_SERVICE)
def test_import_file_hostile_file_refused_nothing_saved(hostile_folder: Path, name: str):
    data_import = imports.import_file(hostile_folder / name)
    assert data_import.status == DataImport.Status.REFUSED, data_import.error_message
    assert CASES[name].reason in data_import.errors[0]["reason"]
    assert _table_counts() == (0, 0, 0)


@pytest.mark.django_db
def test_import_orders_command_gzip_bomb_refused(hostile_folder: Path):
    with pytest.raises(CommandError, match="import refused"):
        call_command("import_orders", str(hostile_folder / "bomb_rows.csv.gz"))
    assert _table_counts() == (0, 0, 0)
