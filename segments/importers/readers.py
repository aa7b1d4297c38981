"""Files -> raw DataFrames, one reader per kind of file named by its suffix.

The suffix says what the file should be; its first bytes must agree, else the file is refused
with a clear reason. CSV text stays text (dtype str): converters in base.py parse it strictly.
The frame's index is the row number the user sees: CSV and Excel count the header as row 1,
Parquet has no header row and starts at 1.

Every reader works within ReadLimits (limits.py). CSV text is streamed once through a counting
reader in constant memory (size, rows, line lengths, NUL bytes, UTF-8) before pandas parses it,
so a bomb is refused before it costs memory. Excel and Parquet are in workbooks.py and
parquet_files.py.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from segments.importers import parquet_files, workbooks
from segments.importers.limits import (
    DEFAULT_LIMITS,
    CountingReader,
    ReadLimits,
    check_names,
    expect,
    mib,
    refuse,
)

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SUFFIXES = (".csv.gz", ".csv", ".xlsx", ".parquet")
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# Files people pick by mistake; other text problems are refused with their row when read.
BINARY_MAGICS = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF-": "a PDF document",
}
HEAD_BYTES = 8
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
GZIP_ERRORS = (OSError, EOFError, zlib.error)
# About 250,000 lines of a Shopify export: chunks small enough for bounded memory, large enough
# that the per-chunk statements do not add up.
CHUNK_BYTES = 32 * 1024 * 1024
BLOCK_BYTES = 2 * 1024 * 1024
NUL_REASON = "NUL byte in the text (a binary or UTF-16 file?): save it as UTF-8 CSV"


@dataclass
class OpenedTable:
    """A file being read: its header now, its rows chunk by chunk (each chunk's index holds
    the row numbers). `lines` counts the text's line breaks, for progress (0 when unknown)."""

    columns: list[str]
    chunks: Iterator[pd.DataFrame]
    lines: int = 0


def read_table(
    path: str | Path, name: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> pd.DataFrame:
    """Read a .csv, .csv.gz, .xlsx (first sheet) or .parquet file whole; refuse anything else."""
    return whole_frame(open_table(path, name, limits))


def whole_frame(opened: OpenedTable) -> pd.DataFrame:
    """All of an opened file's chunks in one frame, indexed by row number."""
    frames = list(opened.chunks)
    return frames[0] if len(frames) == 1 else pd.concat(frames)


def open_table(
    path: str | Path, name: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> OpenedTable:
    """Open a file for reading; CSV text is read in chunks of about CHUNK_BYTES, in constant
    memory, other kinds in one chunk. Refuses what read_table refuses, the header first."""
    path = Path(path)
    suffix = check_head(name or path.name, _head(path))
    if suffix in (".csv", ".csv.gz"):
        return _open_csv(path, limits, compressed=suffix == ".csv.gz")
    if suffix == ".xlsx":
        frame = workbooks.read_xlsx(path, limits)
    else:
        frame = parquet_files.read_parquet(path, limits)
    expect(len(frame.columns) > 0, "the file has no header row")
    expect(len(frame) > 0, "the file has no data rows")
    return OpenedTable(list(frame.columns), iter([frame]))


def check_head(name: str, head: bytes) -> str:
    """The file's suffix, once its first bytes agree with it (the upload form checks this too,
    before a worker reads the whole file). Refuses a .png named .csv, for example."""
    suffix = file_suffix(name)
    if suffix == ".csv":
        _expect_text(head, "a .csv file")
    elif suffix == ".csv.gz":
        expect(head.startswith(GZIP_MAGIC), "a .csv.gz file is not gzip-compressed")
    elif suffix == ".xlsx":
        expect(not head.startswith(OLE_MAGIC), "an old .xls workbook: save it as .xlsx")
        expect(head.startswith(ZIP_MAGIC), "a .xlsx file is not an Excel workbook")
    else:
        expect(head.startswith(PARQUET_MAGIC), "a .parquet file is not a Parquet file")
    return suffix


def file_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    refuse(f"unsupported file type: use one of {', '.join(SUFFIXES)}")


def detect_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of; never guessed further."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts.values())
    winners = [delimiter for delimiter, count in counts.items() if count == best]
    if best == 0:
        refuse("the header line has no comma, semicolon or tab")
    if len(winners) > 1:
        names = " and ".join(DELIMITERS[d] for d in winners)
        refuse(f"the header line is ambiguous: as many {names}")
    return winners[0]


def _open_csv(path: Path, limits: ReadLimits, compressed: bool) -> OpenedTable:
    """1. header: delimiter and names, 2. one streaming scan of all bytes, 3. pyarrow parses
    the text in blocks gathered into chunks (a block holds the longest row the scan found)."""
    delimiter, names = _read_header(path, limits, compressed)
    scan = _scan_text(path, limits, compressed, delimiter, names)
    block_size = max(min(BLOCK_BYTES, CHUNK_BYTES), 2 * scan.longest_record)
    stream = _open_text(path, limits, compressed)
    try:
        with _csv_errors():
            reader = pa_csv.open_csv(
                stream,
                read_options=pa_csv.ReadOptions(block_size=block_size),
                parse_options=pa_csv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=scan.quoted_breaks
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
                ),
            )
    except BaseException:
        stream.close()
        raise
    chunks = _csv_chunks(reader, stream)
    first = next(chunks, None)
    expect(first is not None, "the file has no data rows")
    columns = [str(column) for column in reader.schema.names]
    expect(len(columns) > 0, "the file has no header row")
    return OpenedTable(columns, itertools.chain([first], chunks), lines=scan.lines)


def _csv_chunks(
    reader: pa_csv.CSVStreamingReader, stream: io.BufferedReader
) -> Iterator[pd.DataFrame]:
    """DataFrames of text (arrow-backed str) of about CHUNK_BYTES, indexed by row number: the
    header is row 1. pyarrow parses small blocks (its buffers grow with the block size)."""
    row = 2
    batches: list[pa.RecordBatch] = []
    try:
        while (batch := _next_batch(reader)) is not None:
            batches.append(batch)
            if sum(batch.nbytes for batch in batches) >= CHUNK_BYTES:
                yield _frame(batches, row)
                row += sum(batch.num_rows for batch in batches)
                batches = []
        if any(batch.num_rows for batch in batches):
            yield _frame(batches, row)
    finally:
        stream.close()


def _frame(batches: list[pa.RecordBatch], first_row: int) -> pd.DataFrame:
    frame = pa.Table.from_batches(batches).to_pandas()
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def _next_batch(reader: pa_csv.CSVStreamingReader) -> pa.RecordBatch | None:
    with _csv_errors():
        try:
            return reader.read_next_batch()
        except StopIteration:
            return None


@contextmanager
def _csv_errors() -> Iterator[None]:
    try:
        yield
    except pa.ArrowInvalid as error:
        refuse(f"the file is not readable CSV: {str(error)[:200]}")
    except GZIP_ERRORS as error:
        refuse(f"the file is not readable CSV: {error}")


def _open_text(path: Path, limits: ReadLimits, compressed: bool) -> io.BufferedReader:
    """The file's text bytes (decompressed) through a reader that refuses them past the cap."""
    size = path.stat().st_size
    cap = limits.expanded_cap(size) if compressed else limits.max_bytes
    too_big = (
        f"decompressed, the file is larger than {mib(cap)} ({cap // max(size, 1):,} times "
        "its size): refused as a possible decompression bomb"
        if compressed
        else f"the file is larger than {mib(cap)}"
    )
    # The CountingReader closes the file it wraps.
    source = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115
    return io.BufferedReader(CountingReader(source, cap, too_big), buffer_size=1024 * 1024)


def _read_header(path: Path, limits: ReadLimits, compressed: bool) -> tuple[str, list[str]]:
    """The delimiter and column names, from at most one line's worth of bytes."""
    try:
        with _open_text(path, limits, compressed) as stream:
            raw = stream.read(limits.max_line_bytes + 1)
    except GZIP_ERRORS as error:
        refuse(f"the file is not readable gzip: {error}")
    expect(raw != b"", "the file is empty")
    expect(not raw.startswith(UTF16_BOMS), "the file is UTF-16 text: save it as UTF-8 CSV")
    line, *rest = LINE_BREAK.split(raw, maxsplit=1)
    truncated = not rest and len(raw) > limits.max_line_bytes
    if b"\x00" in line:
        refuse(NUL_REASON, row=1)
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(line, final=not truncated)
    except UnicodeDecodeError:
        refuse("the file is not UTF-8 text", row=1)
    delimiter = detect_delimiter(text)
    names = next(csv.reader([text], delimiter=delimiter))
    if len(names) > limits.max_columns:
        refuse(f"the header has more than {limits.max_columns} columns", row=1)
    expect(not truncated, f"the header line is longer than {mib(limits.max_line_bytes)}")
    check_names(names)
    return delimiter, names


def _scan_text(
    path: Path, limits: ReadLimits, compressed: bool, delimiter: str, names: list[str]
) -> TextScan:
    scan = TextScan(limits, delimiter, names)
    try:
        with _open_text(path, limits, compressed) as stream:
            for block in iter(lambda: stream.read(limits.max_line_bytes), b""):
                scan.feed(block)
    except GZIP_ERRORS as error:
        refuse(f"the file is not readable gzip (damaged or truncated): {error}")
    scan.finish()
    return scan


class TextScan:
    """One pass over CSV bytes in blocks: NUL bytes, UTF-8, line lengths and the line count.

    Blocks are at most max_line_bytes long, so a line longer than that must cross a block
    boundary: only the run of bytes since the last line break has to be carried along.
    """

    def __init__(self, limits: ReadLimits, delimiter: str, names: list[str]) -> None:
        self.limits = limits
        self.delimiter = delimiter
        self.names = names
        self.lines = 0  # line breaks before the current block
        self.run = 0  # bytes since the last line break, before the current block
        # Rows: a quoted value may hold line breaks. The reader's blocks must hold the longest.
        self.longest_record = 0
        self.quoted_breaks = False
        self._record_run = 0
        self._quotes = 0  # quote characters before the current block
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def feed(self, block: bytes) -> None:
        nul = block.find(b"\x00")
        if nul >= 0:
            self._refuse_at(block, nul, NUL_REASON)
        self._decode(block, final=False)
        self._count_lines(block)
        self._measure_records(block)

    def finish(self) -> None:
        self._decode(b"", final=True)

    def _decode(self, block: bytes, final: bool) -> None:
        pending = len(self._decoder.getstate()[0])
        try:
            self._decoder.decode(block, final)
        except UnicodeDecodeError as error:
            self._refuse_at(
                block, min(max(error.start - pending, 0), len(block)), "the file is not UTF-8 text"
            )

    def _count_lines(self, block: bytes) -> None:
        first = _first_break(block)
        longest = self.run + (len(block) if first < 0 else first)
        self.run = longest if first < 0 else len(block) - _last_break(block) - 1
        if longest > self.limits.max_line_bytes:
            limit = mib(self.limits.max_line_bytes)
            refuse(f"a line is longer than {limit}: not a CSV export", row=self.lines + 1)
        self.lines += _count_breaks(block)
        if self.lines > self.limits.max_rows + 1:
            refuse(f"the file has more than {self.limits.max_rows:,} rows")

    def _measure_records(self, block: bytes) -> None:
        """Line breaks end a row unless they are inside quotes (an odd count of quotes before
        them: a doubled quote inside a value counts twice). Lines are short (max_line_bytes), so
        only rows running across blocks and quoted line breaks can make a row long."""
        if self._quotes % 2 == 0 and b'"' not in block:
            first, last = _first_break(block), _last_break(block)
        else:
            data = np.frombuffer(block, dtype=np.uint8)
            quotes = np.flatnonzero(data == ord('"'))
            breaks = np.flatnonzero((data == ord("\n")) | (data == ord("\r")))
            ends = breaks[(self._quotes + np.searchsorted(quotes, breaks)) % 2 == 0]
            self.quoted_breaks |= len(ends) < len(breaks)
            self._quotes += len(quotes)
            if len(ends) > 1:
                self.longest_record = max(self.longest_record, int(np.diff(ends).max()))
            first, last = (int(ends[0]), int(ends[-1])) if len(ends) else (-1, -1)
        longest = self._record_run + (len(block) if first < 0 else first)
        self.longest_record = max(self.longest_record, longest)
        self._record_run = longest if first < 0 else len(block) - last - 1

    def _refuse_at(self, block: bytes, position: int, reason: str) -> None:
        """Refuse naming the row (line) and, when the line starts in this block, the column."""
        before = block[:position]
        row = self.lines + _count_breaks(before) + 1
        start = _last_break(before) + 1
        column = ""
        if row > 1 and (start > 0 or self.run == 0):
            prefix = before[start:].decode("utf-8", "replace")
            index = max(len(next(csv.reader([prefix], delimiter=self.delimiter), [])) - 1, 0)
            column = self.names[index] if 0 <= index < len(self.names) else ""
        refuse(reason, row=row, column=column)


def _first_break(data: bytes) -> int:
    found = [at for at in (data.find(b"\n"), data.find(b"\r")) if at >= 0]
    return min(found) if found else -1


def _last_break(data: bytes) -> int:
    return max(data.rfind(b"\n"), data.rfind(b"\r"))


def _count_breaks(data: bytes) -> int:
    # \r\n counts once; old Mac files break lines with \r alone.
    return max(data.count(b"\n"), data.count(b"\r"))


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES)


def _expect_text(head: bytes, what: str) -> None:
    expect(not head.startswith(ZIP_MAGIC), f"{what} is really a ZIP or Excel file, not text")
    expect(not head.startswith(GZIP_MAGIC), f"{what} is really gzip-compressed (name it .csv.gz)")
    expect(not head.startswith(PARQUET_MAGIC), f"{what} is really a Parquet file, not text")
    expect(not head.startswith(OLE_MAGIC), f"{what} is really an old Excel (.xls) file, not text")
    for magic, kind in BINARY_MAGICS.items():
        expect(not head.startswith(magic), f"{what} is really {kind}, not text")
