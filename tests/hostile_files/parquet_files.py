"""Hostile Parquet files: nested, binary and billion-row columns, encodings that explode."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.hostile_files.catalogue import GENERIC_HEADER, GENERIC_LINE, generic_csv, hostile


def _parquet(path: Path, columns: dict[str, pa.Array], **options: object) -> None:
    pq.write_table(pa.table(columns), path, **options)


def _orders_columns(rows: int = 2) -> dict[str, pa.Array]:
    values = GENERIC_LINE.split(",")
    return {
        name: pa.array([value] * rows)
        for name, value in zip(GENERIC_HEADER.split(","), values, strict=True)
    }


@hostile(
    "list_column.parquet",
    "a list<string> column (was imported as ['a' 'b'])",
    "not supported",
    column="tags",
)
def make_list_column(path: Path) -> None:
    _parquet(path, {**_orders_columns(), "tags": pa.array([["a", "b"], []])})


@hostile("struct_column.parquet", "a struct column", "not supported", column="address")
def make_struct_column(path: Path) -> None:
    _parquet(path, {**_orders_columns(), "address": pa.array([{"city": "A"}, {"city": "B"}])})


@hostile("map_column.parquet", "a map<string, int> column", "not supported", column="counts")
def make_map_column(path: Path) -> None:
    counts = pa.array([[("a", 1)], [("b", 2)]], type=pa.map_(pa.string(), pa.int64()))
    _parquet(path, {**_orders_columns(), "counts": counts})


@hostile(
    "binary_column.parquet", "a binary customer_id column", "not supported", column="customer_id"
)
def make_binary_column(path: Path) -> None:
    _parquet(path, {**_orders_columns(), "customer_id": pa.array([b"\x01\x02", b"\x03"])})


@hostile("dictionary_binary.parquet", "a dictionary<binary> column", "not supported", column="blob")
def make_dictionary_binary(path: Path) -> None:
    blob = pa.array([b"a", b"a"]).dictionary_encode()
    _parquet(path, {**_orders_columns(), "blob": blob})


@hostile("time_column.parquet", "a time-of-day column", "not supported", column="at")
def make_time_column(path: Path) -> None:
    _parquet(path, {**_orders_columns(), "at": pa.array([1, 2], type=pa.time64("us"))})


@hostile("billion_rows.parquet", "1,000,000,000 (null) rows", "1,000,000,000 rows")
def make_billion_rows(path: Path) -> None:
    _parquet(path, {"customer_id": pa.nulls(1_000_000_000)})


@hostile("dictionary_bomb.parquet", "a 1 kB string repeated 10 million times", "would take")
def make_dictionary_bomb(path: Path) -> None:
    indices = pa.array(np.zeros(10_000_000, dtype=np.int32))
    _parquet(
        path, {"product_type": pa.DictionaryArray.from_arrays(indices, pa.array(["x" * 1000]))}
    )


@hostile("numbers_bomb.parquet", "40 integer columns of 5 million zeros", "would take")
def make_numbers_bomb(path: Path) -> None:
    zeros = pa.array(np.zeros(5_000_000, dtype=np.int64))
    _parquet(path, {f"n{at}": zeros for at in range(40)})


@hostile("wide.parquet", "500 columns", "500 columns")
def make_wide_parquet(path: Path) -> None:
    _parquet(path, {f"c{at}": pa.array([1]) for at in range(500)})


@hostile("truncated.parquet", "a Parquet file cut in half", "no Parquet footer")
def make_truncated_parquet(path: Path) -> None:
    _parquet(path, _orders_columns(1000))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@hostile("footer_lies.parquet", "a footer length of 2 GB in a small file", "footer claims")
def make_footer_lies(path: Path) -> None:
    _parquet(path, _orders_columns())
    data = path.read_bytes()
    path.write_bytes(data[:-8] + struct.pack("<I", 2**31) + b"PAR1")


@hostile("corrupt_pages.parquet", "data pages overwritten with garbage", "not a readable Parquet")
def make_corrupt_pages(path: Path) -> None:
    _parquet(path, _orders_columns(1000), compression="snappy")
    data = bytearray(path.read_bytes())
    data[4:200] = bytes(range(196))
    path.write_bytes(bytes(data))


@hostile("nul_in_string.parquet", "a NUL byte inside a product type", "NUL byte", 2, "product_type")
def make_nul_in_string(path: Path) -> None:
    columns = _orders_columns(3)
    columns["product_type"] = pa.array(["Mugs", "Mu\x00gs", "Mugs"])
    _parquet(path, columns)


@hostile(
    "invalid_utf8.parquet",
    "a string column holding bytes that are not UTF-8",
    "not UTF-8",
    column="product_type",
)
def make_invalid_utf8_parquet(path: Path) -> None:
    offsets = pa.py_buffer(np.array([0, 2, 4], dtype=np.int32).tobytes())
    invalid = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"\xff\xfeab")])
    _parquet(path, {**_orders_columns(), "product_type": invalid})


@hostile("duplicate_columns.parquet", "customer_id twice", "twice", column="customer_id")
def make_duplicate_columns(path: Path) -> None:
    table = pa.Table.from_arrays([pa.array(["1"]), pa.array(["2"])], names=["customer_id"] * 2)
    pq.write_table(table, path)


@hostile("csv_named.parquet", "CSV text named .parquet", "not a Parquet file")
def make_csv_named_parquet(path: Path) -> None:
    path.write_bytes(generic_csv())


@hostile("row_groups.parquet", "21,000 row groups of one row each", "21,000 row groups")
def make_row_groups(path: Path) -> None:
    _parquet(path, {"customer_id": pa.array([str(at) for at in range(21_000)])}, row_group_size=1)
