"""A catalogue of hostile files, one builder function each, with the outcome each must have.

Bombs, endless lines, a million columns, NUL bytes, wrong encodings, files that are not what
their suffix says, XML entity attacks, damaged ZIPs, Parquet files of nested, binary or
billion-row columns. `write_catalogue(folder)` builds them all in a few seconds (bombs are
built from repeated gzip members or run-length encodings, never by compressing gigabytes).
scripts/make_hostile_files.py writes them to a folder of your choice.
"""

from __future__ import annotations

from pathlib import Path

from tests.hostile_files import parquet_files, text_files, workbook_files
from tests.hostile_files.catalogue import REGISTERED, Hostile
from tests.hostile_files.workbook_files import MAIN, raw_xlsx, sheet_rows

KINDS = [text_files.__name__, workbook_files.__name__, parquet_files.__name__]
CATALOGUE = sorted(REGISTERED, key=lambda case: KINDS.index(case.build.__module__))


def write_catalogue(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for case in CATALOGUE:
        case.build(folder / case.name)
    return [folder / case.name for case in CATALOGUE]


__all__ = ["CATALOGUE", "MAIN", "Hostile", "raw_xlsx", "sheet_rows", "write_catalogue"]
