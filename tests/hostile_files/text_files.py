"""Hostile CSV and gzip files: bombs, endless lines, wrong encodings, wrong names."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.hostile_files.catalogue import (
    GENERIC_HEADER,
    GENERIC_LINE,
    MB,
    generic_csv,
    gzip_repeated,
    hostile,
    openpyxl_workbook,
)


@hostile("bomb_rows.csv.gz", "gzip expanding to 1 GB of order lines", "decompression bomb")
def make_bomb_rows(path: Path) -> None:
    line = (GENERIC_LINE + "\n").encode()
    path.write_bytes(gzip_repeated(generic_csv(()), line * (10 * MB // len(line)), 100))


@hostile("bomb_multimember.csv.gz", "400 gzip members expanding to 4 GB", "decompression bomb")
def make_bomb_multimember(path: Path) -> None:
    line = b"1," + b"9" * 997 + b"\n"
    path.write_bytes(gzip_repeated(b"a,b\n", line * (10 * MB // len(line)), 400))


@hostile("bomb_one_line.csv.gz", "gzip of one 1 GB line with no line break", "longer than")
def make_bomb_one_line(path: Path) -> None:
    path.write_bytes(gzip_repeated(generic_csv(()), b"9" * (10 * MB), 100))


@hostile("bomb_nul.csv.gz", "gzip of a header, then 1 GB of NUL bytes", "NUL byte", row=2)
def make_bomb_nul(path: Path) -> None:
    path.write_bytes(gzip_repeated(generic_csv(()), b"\x00" * (10 * MB), 100))


@hostile("ten_million_rows.csv.gz", "10,000,001 tiny rows (40 MB of text)", "more than 10,000,000")
def make_ten_million_rows(path: Path) -> None:
    path.write_bytes(gzip_repeated(b"a,b\n", b"1,2\n" * 1_000_000, 10) + gzip.compress(b"1,2\n"))


@hostile("truncated.csv.gz", "a gzip file cut in the middle", "not readable gzip")
def make_truncated_gzip(path: Path) -> None:
    rng = random.Random(1)
    lines = [
        f"{rng.randrange(10**9)},{rng.randrange(10**9)},2019-01-05,T,1,0,1" for _ in range(5000)
    ]
    data = gzip.compress(generic_csv(lines))
    path.write_bytes(data[: len(data) // 2])


@hostile("corrupt_deflate.csv.gz", "a gzip header followed by garbage", "not readable gzip")
def make_corrupt_deflate(path: Path) -> None:
    path.write_bytes(gzip.compress(b"")[:10] + bytes(range(256)) * 40)


@hostile("text_named.csv.gz", "plain CSV text named .csv.gz", "not gzip-compressed")
def make_text_named_gz(path: Path) -> None:
    path.write_bytes(generic_csv())


@hostile("million_columns.csv", "a header of 1,000,000 columns", "more than 200 columns", row=1)
def make_million_columns(path: Path) -> None:
    header = ",".join(f"c{at}" for at in range(1_000_000))
    path.write_text(header + "\n" + "1," * 999_999 + "1\n")


@hostile("wide_data_row.csv", "a 7-column header, then a row of 400,000 fields", "not readable CSV")
def make_wide_data_row(path: Path) -> None:
    path.write_bytes(generic_csv([GENERIC_LINE, "1," * 400_000 + "1"]))


@hostile("long_line.csv", "a header, then one 60 MB line with no line break", "longer than", row=2)
def make_long_line(path: Path) -> None:
    path.write_bytes(generic_csv(()) + b"x" * (60 * MB))


@hostile("long_cell.csv", "a 50 MB product type in one line", "longer than", row=2)
def make_long_cell(path: Path) -> None:
    path.write_bytes(generic_csv([GENERIC_LINE.replace("Mugs", "M" * (50 * MB))]))


@hostile(
    "long_cell_multiline.csv",
    "a quoted 50 MB product type broken into short lines",
    "longer than 255 characters",
    column="product_type",
)
def make_long_cell_multiline(path: Path) -> None:
    cell = '"' + ("M" * 999 + "\n") * (50 * MB // 1000) + '"'
    path.write_bytes(generic_csv([GENERIC_LINE.replace("Mugs", cell)]))


@hostile("long_header.csv", "a header line of 2 MB (100 names of 20 kB)", "header line is longer")
def make_long_header(path: Path) -> None:
    path.write_text(",".join(f"{at}" + "h" * 20_000 for at in range(100)) + "\n1\n")


@hostile("nul_in_cell.csv", "a NUL byte inside a product type", "NUL byte", 3, "product_type")
def make_nul_in_cell(path: Path) -> None:
    path.write_bytes(generic_csv([GENERIC_LINE, GENERIC_LINE.replace("Mugs", "Mu\x00gs")]))


@hostile("nul_in_header.csv", "a NUL byte in the header", "NUL byte", row=1)
def make_nul_in_header(path: Path) -> None:
    path.write_bytes(generic_csv().replace(b"order_id", b"order\x00id"))


@hostile("invalid_utf8.csv", "Latin-1 text (an e-acute) on row 4", "not UTF-8", 4, "product_type")
def make_invalid_utf8(path: Path) -> None:
    lines = [GENERIC_LINE, GENERIC_LINE, GENERIC_LINE.replace("Mugs", "Caf\xe9")]
    path.write_bytes(generic_csv(lines).replace("Caf\xe9".encode(), "Caf\xe9".encode("latin-1")))


@hostile("truncated_utf8.csv", "text ending in half a UTF-8 character", "not UTF-8")
def make_truncated_utf8(path: Path) -> None:
    path.write_bytes(generic_csv() + "Caf\xe9".encode()[:-1])


@hostile("utf16_bom.csv", "UTF-16 text with a byte-order mark, named .csv", "UTF-16")
def make_utf16_bom(path: Path) -> None:
    path.write_bytes(generic_csv().decode().encode("utf-16"))


@hostile("utf16_no_bom.csv", "UTF-16 text without a byte-order mark", "NUL byte", row=1)
def make_utf16_no_bom(path: Path) -> None:
    path.write_bytes(generic_csv().decode().encode("utf-16-le"))


@hostile("binary_garbage.csv", "1 MB of random bytes named .csv", "not UTF-8")
def make_binary_garbage(path: Path) -> None:
    rng = random.Random(7)
    path.write_bytes(b"a,b\n" + bytes(rng.randrange(128, 256) for _ in range(MB)))


@hostile("zip_named.csv", "an Excel workbook named .csv", "ZIP or Excel")
def make_zip_named_csv(path: Path) -> None:
    openpyxl_workbook(path, [GENERIC_HEADER.split(",")])


@hostile("gzip_named.csv", "gzip-compressed CSV named .csv", "gzip-compressed")
def make_gzip_named_csv(path: Path) -> None:
    path.write_bytes(gzip.compress(generic_csv()))


@hostile("parquet_named.csv", "a Parquet file named .csv", "Parquet file, not text")
def make_parquet_named_csv(path: Path) -> None:
    pq.write_table(pa.table({"a": [1]}), path)


@hostile("unbalanced_quote.csv", "a quote opened on row 2 and never closed", "not readable CSV")
def make_unbalanced_quote(path: Path) -> None:
    path.write_bytes(generic_csv([GENERIC_LINE.replace("Mugs", '"Mugs'), GENERIC_LINE]))


@hostile("pipe_delimited.csv", "columns separated by | (not in the allow-list)", "no comma")
def make_pipe_delimited(path: Path) -> None:
    path.write_bytes(generic_csv().replace(b",", b"|"))


@hostile("ambiguous_delimiter.csv", "a header with as many commas as semicolons", "ambiguous")
def make_ambiguous_delimiter(path: Path) -> None:
    path.write_text("customer_id,order_id;date\n1,2;3\n")


@hostile("header_only.csv", "a header and no rows", "no data rows")
def make_header_only(path: Path) -> None:
    path.write_bytes(generic_csv(()))


@hostile("empty.csv", "an empty file", "empty")
def make_empty(path: Path) -> None:
    path.write_bytes(b"")


@hostile("duplicate_header.csv", "customer_id named twice", "twice", row=1, column="customer_id")
def make_duplicate_header(path: Path) -> None:
    path.write_bytes(generic_csv().replace(b"order_id", b"customer_id", 1))


@hostile("formula_injection.csv", "cells starting with = + - @ (accepted as plain text)", "")
def make_formula_injection(path: Path) -> None:
    cells = ['"=HYPERLINK(""http://x"",""y"")"', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    path.write_bytes(generic_csv(GENERIC_LINE.replace("Mugs", cell) for cell in cells))


@hostile("cr_line_breaks.csv", "old Mac line breaks (CR only): a real file, accepted", "")
def make_cr_line_breaks(path: Path) -> None:
    path.write_bytes(generic_csv([GENERIC_LINE] * 3, newline="\r"))
