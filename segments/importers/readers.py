"""Files -> raw DataFrames, one reader per kind of file named by its suffix.

The suffix says what the file should be; its first bytes must agree, else the file is refused
with a clear reason. CSV text stays text (dtype str): converters in base.py parse it strictly.
The frame's index is the row number the user sees: CSV and Excel count the header as row 1,
Parquet has no header row and starts at 1.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
from pathlib import Path

import pandas as pd

from segments.importers.base import ImportRefused, Problem

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SUFFIXES = (".csv.gz", ".csv", ".xlsx", ".parquet")
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


def read_table(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read a .csv, .csv.gz, .xlsx (first sheet) or .parquet file; refuse anything else."""
    path = Path(path)
    suffix = file_suffix(name or path.name)
    head = _head(path)
    if suffix == ".csv":
        _expect_text(head, "a .csv file")
        frame = _read_csv(path, compression=None)
    elif suffix == ".csv.gz":
        _expect(head.startswith(GZIP_MAGIC), "a .csv.gz file is not gzip-compressed")
        frame = _read_csv(path, compression="gzip")
    elif suffix == ".xlsx":
        _expect(head.startswith(ZIP_MAGIC), "a .xlsx file is not an Excel workbook")
        frame = _read_xlsx(path)
    else:
        _expect(head.startswith(PARQUET_MAGIC), "a .parquet file is not a Parquet file")
        frame = _read_parquet(path)
    _expect(len(frame.columns) > 0, "the file has no header row")
    _expect(len(frame) > 0, "the file has no data rows")
    return frame


def file_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise ImportRefused([_file_problem(f"unsupported file type: use one of {', '.join(SUFFIXES)}")])


def detect_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of; never guessed further."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts.values())
    winners = [delimiter for delimiter, count in counts.items() if count == best]
    if best == 0:
        raise ImportRefused([_file_problem("the header line has no comma, semicolon or tab")])
    if len(winners) > 1:
        names = " and ".join(DELIMITERS[d] for d in winners)
        raise ImportRefused([_file_problem(f"the header line is ambiguous: as many {names}")])
    return winners[0]


def _read_csv(path: Path, compression: str | None) -> pd.DataFrame:
    try:
        header_line = _first_line(path, compression)
        frame = pd.read_csv(
            path,
            sep=detect_delimiter(header_line),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            compression=compression,
            skip_blank_lines=True,
        )
    except UnicodeDecodeError:
        raise ImportRefused([_file_problem("the file is not UTF-8 text")]) from None
    except (pd.errors.ParserError, csv.Error, gzip.BadGzipFile, EOFError, OSError) as error:
        raise ImportRefused([_file_problem(f"the file is not readable CSV: {error}")]) from None
    except pd.errors.EmptyDataError:
        raise ImportRefused([_file_problem("the file is empty")]) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def _first_line(path: Path, compression: str | None) -> str:
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as handle:
        raw = handle.readline(1024 * 1024)
    if b"\x00" in raw:
        raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
    return raw.decode("utf-8-sig").rstrip("\r\n")


def _read_xlsx(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportRefused(
            [_file_problem(f"the file is not an Excel workbook: {error}")]
        ) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        records = [row for row in rows if any(cell is not None for cell in row)]
    finally:
        workbook.close()
    if header is None:
        return pd.DataFrame()
    names = [("" if cell is None else str(cell)) for cell in header]
    frame = pd.DataFrame.from_records(records, columns=names, coerce_float=False)
    frame = frame.loc[:, [name != "" for name in names]]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as error:  # pyarrow raises several unrelated types for broken files
        raise ImportRefused(
            [_file_problem(f"the file is not a readable Parquet file: {error}")]
        ) from None
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(8)


def _expect_text(head: bytes, what: str) -> None:
    _expect(not head.startswith(ZIP_MAGIC), f"{what} is really a ZIP or Excel file, not text")
    _expect(not head.startswith(GZIP_MAGIC), f"{what} is really gzip-compressed (name it .csv.gz)")
    _expect(not head.startswith(PARQUET_MAGIC), f"{what} is really a Parquet file, not text")


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise ImportRefused([_file_problem(reason)])


def _file_problem(reason: str) -> Problem:
    return Problem(None, "", "", reason)
