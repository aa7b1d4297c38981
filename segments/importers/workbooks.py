"""Excel workbooks (.xlsx): the first worksheet, read in openpyxl's streaming read-only mode.

A workbook is a ZIP of XML files, so it is checked as an archive before openpyxl opens it:
the member count from the ZIP's end record (before the directory is loaded), then every
member's declared uncompressed size and compression ratio. Python's zipfile never inflates a
member past its declared size, so the declared sizes bound what is decompressed. openpyxl parses
the XML with defusedxml, which refuses entity declarations (billion laughs, external entities).
The sheet's declared dimension is checked, then ignored: rows are read as the sheet holds them,
as wide as the header, counted as they stream.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import openpyxl
import pandas as pd
from defusedxml import DefusedXmlException

from segments.importers.base import ImportRefused
from segments.importers.limits import (
    ReadLimits,
    check_names,
    check_storable_cells,
    damaged_file,
    mib,
    refuse,
)

# Excel's own grid: no real worksheet goes beyond it.
EXCEL_MAX_ROWS = 1_048_576
NOT_A_WORKBOOK = "the file is not an Excel workbook"
END_RECORD = struct.Struct("<4s4H2LH")
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")


def read_xlsx(path: Path, limits: ReadLimits) -> pd.DataFrame:
    """The first worksheet: its first row names the columns, empty rows are left out."""
    check_archive(path, limits)
    header, records = _read_first_sheet(path, limits)
    if not header:
        return pd.DataFrame()
    names = [("" if cell is None else str(cell)) for cell in header]
    check_names(names)
    frame = pd.DataFrame.from_records(records, columns=names, coerce_float=False)
    frame = frame.loc[:, [name != "" for name in names]]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    check_storable_cells(frame)
    return frame


def check_archive(path: Path, limits: ReadLimits) -> None:
    """Refuse a ZIP whose directory or members would expand beyond the limits."""
    entries = zip_entry_count(path)
    if entries > limits.max_zip_members:
        refuse(f"{NOT_A_WORKBOOK}: it holds {entries:,} files (at most {limits.max_zip_members:,})")
    with damaged_file(f"{NOT_A_WORKBOOK}: damaged ZIP"), zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    for info in members:
        _check_member(info, limits)
    total = sum(info.file_size for info in members)
    if total > limits.max_bytes:
        refuse(f"decompressed, the workbook is larger than {mib(limits.max_bytes)}")


def _check_member(info: zipfile.ZipInfo, limits: ReadLimits) -> None:
    size, name = info.file_size, info.filename
    if size > limits.max_zip_member_bytes:
        reason = f"decompressed, a part of the workbook is larger than {mib(size)}"
        refuse(f"{reason} (at most {mib(limits.max_zip_member_bytes)})", value=name)
    if size > limits.ratio_cap(info.compress_size):
        ratio = size // max(info.compress_size, 1)
        reason = f"a part of the workbook expands {ratio:,} times: a possible decompression bomb"
        refuse(reason, value=name)
    if name.lower().endswith("sharedstrings.xml") and size > limits.max_shared_strings_bytes:
        limit = mib(limits.max_shared_strings_bytes)
        refuse(f"the workbook's shared strings are larger than {limit}", value=name)


def zip_entry_count(path: Path) -> int:
    """The entry count the ZIP's end record declares, read before zipfile loads the directory."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        start = max(0, size - END_RECORD.size - 0xFFFF)
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < END_RECORD.size:
            refuse(f"{NOT_A_WORKBOOK}: no ZIP directory (truncated or damaged)")
        entries = END_RECORD.unpack_from(tail, at)[4]
        if entries != 0xFFFF:
            return entries
        # ZIP64: the real count is in the ZIP64 end record, which a locator just before points at.
        if at < ZIP64_LOCATOR.size:
            refuse(f"{NOT_A_WORKBOOK}: damaged ZIP64 directory")
        signature, _, offset, _ = ZIP64_LOCATOR.unpack_from(tail, at - ZIP64_LOCATOR.size)
        handle.seek(offset)
        record = handle.read(ZIP64_END_RECORD.size)
    if signature != b"PK\x06\x07" or len(record) < ZIP64_END_RECORD.size:
        refuse(f"{NOT_A_WORKBOOK}: damaged ZIP64 directory")
    return ZIP64_END_RECORD.unpack(record)[7]


def _read_first_sheet(path: Path, limits: ReadLimits) -> tuple[tuple, list[tuple]]:
    if not openpyxl.DEFUSEDXML:
        # Without defusedxml openpyxl would expand XML entities: never read workbooks so.
        raise RuntimeError("defusedxml is not in use (OPENPYXL_DEFUSEDXML?): .xlsx is unsafe")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = _first_worksheet(workbook)
            _check_dimension(sheet, limits)
            sheet.reset_dimensions()
            header = _header(sheet, limits)
            return header, _records(sheet, len(header), limits)
        finally:
            workbook.close()
    except (ImportRefused, MemoryError):
        raise
    except Exception as error:  # openpyxl raises many unrelated types for damaged workbooks
        refuse(explain(error))


def explain(error: BaseException) -> str:
    """The reason for a workbook openpyxl could not read, from the chain of errors.

    openpyxl wraps what failed (e.g. defusedxml's refusal) in a ValueError naming the file.
    """
    chain = [error]
    while (inner := chain[-1].__cause__ or chain[-1].__context__) is not None:
        chain.append(inner)
    for link in chain:
        if isinstance(link, DefusedXmlException):
            return f"the workbook's XML declares entities, refused as unsafe XML: {link!r}"
        if isinstance(link, ParseError | ExpatError):
            return f"the workbook holds malformed XML: {link}"
    return f"{NOT_A_WORKBOOK}: {type(chain[-1]).__name__}: {chain[-1]}"


def _first_worksheet(workbook):
    if not workbook.worksheets:
        refuse("the workbook has no worksheet")
    return workbook.worksheets[0]


def _check_dimension(sheet, limits: ReadLimits) -> None:
    """The size the sheet declares; an absurd one is refused before any row is parsed."""
    if sheet.max_column is not None and sheet.max_column > limits.max_columns:
        spans = f"the worksheet spans {sheet.max_column:,} columns"
        refuse(f"{spans}: more than {limits.max_columns} columns")
    if sheet.max_row is not None and sheet.max_row > _last_row(limits):
        refuse(f"the worksheet spans {sheet.max_row:,} rows: more than {_last_row(limits):,}")


def _header(sheet, limits: ReadLimits) -> tuple:
    """The first row up to its last filled cell; wider than max_columns is refused."""
    rows = sheet.iter_rows(min_row=1, max_row=1, max_col=limits.max_columns + 1, values_only=True)
    header = next(rows, ())
    rows.close()
    width = max((at + 1 for at, cell in enumerate(header) if cell is not None), default=0)
    if width > limits.max_columns:
        refuse(f"the header has more than {limits.max_columns} columns", row=1)
    return tuple(header[:width])


def _records(sheet, width: int, limits: ReadLimits) -> list[tuple]:
    """Every non-empty row, as wide as the header; rows past the limit refuse the file."""
    if width == 0:
        return []
    last = _last_row(limits)
    records = []
    rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
    for number, row in enumerate(rows, start=2):
        if number > last:
            refuse(f"the worksheet has rows beyond row {last:,}")
        if row.count(None) < width:
            records.append(row)
    return records


def _last_row(limits: ReadLimits) -> int:
    return min(EXCEL_MAX_ROWS, limits.max_rows + 1)
