"""Parquet files, checked from their footer and schema before the data is decoded.

Parquet can hold a billion rows or a megabyte-long string repeated ten million times in a
file of one megabyte (run-length and dictionary encodings), so nothing is decoded until:
1. the footer is of a sane size, 2. every column is text, a number, a decimal, a date or a
timestamp (nested, map and binary columns would arrive as Python reprs), 3. the row count and
the declared uncompressed size are within the limits, 4. the memory the frame would take,
from fixed widths and from text columns read one column chunk at a time as dictionaries
(compact however often a value repeats), is within the limits; the text is checked for NUL
bytes and invalid UTF-8 on the way. Only then does pandas read the file.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from segments.importers.limits import ReadLimits, check_names, damaged_file, mib, refuse

NOT_PARQUET = "the file is not a readable Parquet file"
FOOTER = struct.Struct("<I4s")
# Rough bytes per value once in pandas: a text's offset; a date or decimal is a Python object.
OFFSET_BYTES = 8
OBJECT_BYTES = 64
SUPPORTED = "text, numbers, decimals, dates or timestamps"


def read_parquet(path: Path, limits: ReadLimits) -> pd.DataFrame:
    _check_footer(path, limits)
    with damaged_file(NOT_PARQUET), pq.ParquetFile(path) as parquet:
        metadata = parquet.metadata
        _check_metadata(metadata, path.stat().st_size, limits)
        schema = parquet.schema_arrow
    check_schema(schema, limits)
    _check_decoded_size(path, schema, metadata, limits)
    with damaged_file(NOT_PARQUET):
        frame = pd.read_parquet(path, engine="pyarrow")
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _check_footer(path: Path, limits: ReadLimits) -> None:
    """The last 8 bytes: the footer's length, then PAR1. Checked before pyarrow reads it."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - FOOTER.size))
        length, magic = FOOTER.unpack(handle.read()) if size >= 12 else (0, b"")
    if magic != b"PAR1":
        refuse(f"{NOT_PARQUET}: no Parquet footer (truncated, damaged or encrypted)")
    if length > size - 12 or length > limits.max_footer_bytes:
        refuse(f"{NOT_PARQUET}: its footer claims {length:,} bytes (damaged?)")


def _check_metadata(metadata: pq.FileMetaData, file_size: int, limits: ReadLimits) -> None:
    rows = metadata.num_rows
    if metadata.num_columns > limits.max_columns:
        refuse(f"the file has {metadata.num_columns:,} columns: more than {limits.max_columns}")
    if rows > limits.max_rows:
        refuse(f"the file claims {rows:,} rows: more than {limits.max_rows:,}")
    chunks = metadata.num_row_groups * metadata.num_columns
    if chunks > limits.max_column_chunks:
        pieces = f"{metadata.num_row_groups:,} row groups of {metadata.num_columns} columns"
        refuse(f"the file is cut into {pieces}: write it with fewer, larger row groups")
    groups = [metadata.row_group(at) for at in range(metadata.num_row_groups)]
    if any(group.num_rows < 0 for group in groups) or sum(g.num_rows for g in groups) != rows:
        refuse(f"{NOT_PARQUET}: its row counts disagree (damaged metadata)")
    declared = sum(group.total_byte_size for group in groups)
    cap = limits.expanded_cap(file_size)
    if declared > cap:
        refuse(f"decompressed, the file declares {mib(declared)}: more than {mib(cap)}")


def check_schema(schema: pa.Schema, limits: ReadLimits) -> None:
    """Flat columns of supported types, uniquely and storably named."""
    if len(schema) > limits.max_columns:
        refuse(f"the file has {len(schema):,} columns: more than {limits.max_columns}")
    check_names(schema.names, row=None)
    for field in schema:
        if not is_supported(field.type):
            reason = f"columns of type {field.type} are not supported: use {SUPPORTED}"
            refuse(reason, column=field.name)


def is_supported(type_: pa.DataType) -> bool:
    if pa.types.is_dictionary(type_):
        return is_supported(type_.value_type)
    return is_text(type_) or any(
        check(type_)
        for check in (
            pa.types.is_integer,
            pa.types.is_floating,
            pa.types.is_boolean,
            pa.types.is_decimal,
            pa.types.is_date,
            pa.types.is_timestamp,
            pa.types.is_null,
        )
    )


def is_text(type_: pa.DataType) -> bool:
    if pa.types.is_dictionary(type_):
        return is_text(type_.value_type)
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def _check_decoded_size(
    path: Path, schema: pa.Schema, metadata: pq.FileMetaData, limits: ReadLimits
) -> None:
    """Refuse a file whose frame would take more memory than it may expand to."""
    cap = limits.expanded_cap(path.stat().st_size)
    texts = [field.name for field in schema if is_text(field.type)]
    fixed = [field.type for field in schema if not is_text(field.type)]
    estimate = metadata.num_rows * sum(_value_bytes(type_) for type_ in fixed)
    _refuse_beyond(estimate, cap)
    with damaged_file(NOT_PARQUET), pq.ParquetFile(path, read_dictionary=texts) as parquet:
        for name in texts:
            # As dictionaries: compact however often a value repeats; indices are 4 bytes a row.
            first_row = 1
            for chunk in parquet.read(columns=[name]).column(0).chunks:
                estimate += text_bytes(chunk, name, first_row)
                _refuse_beyond(estimate, cap)
                first_row += len(chunk)


def _value_bytes(type_: pa.DataType) -> int:
    if pa.types.is_dictionary(type_):
        return _value_bytes(type_.value_type)
    if pa.types.is_decimal(type_) or pa.types.is_date(type_) or pa.types.is_null(type_):
        return OBJECT_BYTES
    return max(type_.bit_width // 8, 1)


def _refuse_beyond(estimate: int, cap: int) -> None:
    if estimate > cap:
        refuse(f"read, the data would take more than {mib(cap)} of memory: refused as a bomb")


def text_bytes(column: pa.Array, name: str, first_row: int = 1) -> int:
    """Bytes a text column read as a dictionary takes once decoded; NUL and bad UTF-8 refused."""
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    values = column.dictionary
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:
        refuse("the column holds text that is not UTF-8", column=name)
    _refuse_nul(values, column.indices, name, first_row)
    lengths = pc.take(pc.binary_length(values), column.indices)
    return (pc.sum(lengths).as_py() or 0) + OFFSET_BYTES * len(column)


def _refuse_nul(values: pa.Array, indices: pa.Array, name: str, first_row: int) -> None:
    holding = pc.indices_nonzero(pc.match_substring(values, "\x00")).cast(indices.type)
    if len(holding):
        at = pc.index(pc.is_in(indices, value_set=holding), True).as_py()
        refuse("NUL byte or invalid character in a cell", row=first_row + at, column=name)
