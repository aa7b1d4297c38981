from __future__ import annotations

import gzip

import openpyxl
import pandas as pd
import pytest

from segments.importers.base import ImportRefused
from segments.importers.readers import detect_delimiter, file_suffix, read_table

CSV_TEXT = "customer_id,order_id,total_sales\n5000000000017,1000000000007,12.50\n7,8,9\n"


def _refusal_reason(path, name=None) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_table(path, name)
    return caught.value.problems[0].reason


@pytest.mark.parametrize(
    ("header", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a b;c;d,e", ";")],
)
def test_detect_delimiter_header_line_most_frequent_allowed(header, expected):
    assert detect_delimiter(header) == expected


@pytest.mark.parametrize("header", ["a b c", "a,b;c"])
def test_detect_delimiter_none_or_tie_refused(header):
    with pytest.raises(ImportRefused):
        detect_delimiter(header)


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_read_table_csv_any_allowed_delimiter_keeps_text(tmp_path, sep):
    path = tmp_path / "orders.csv"
    path.write_text(CSV_TEXT.replace(",", sep), encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["customer_id", "order_id", "total_sales"]
    assert frame.loc[2, "customer_id"] == "5000000000017"
    assert frame.loc[2, "total_sales"] == "12.50"


def test_read_table_csv_with_bom_header_clean(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_TEXT.encode())
    assert read_table(path).columns[0] == "customer_id"


def test_read_table_index_is_the_row_number_in_the_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV_TEXT)
    assert list(read_table(path).index) == [2, 3]


def test_read_table_csv_gz_reads_compressed_text(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(CSV_TEXT.encode()))
    assert read_table(path).loc[3, "order_id"] == "8"


def test_read_table_xlsx_first_sheet_only(tmp_path):
    path = tmp_path / "orders.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["customer_id", "order_id"])
    sheet.append([5000000000017, "A-1"])
    workbook.create_sheet("other").append(["not", "this"])
    workbook.save(path)
    frame = read_table(path)
    assert list(frame.columns) == ["customer_id", "order_id"]
    assert frame.loc[2, "customer_id"] == 5000000000017


def test_read_table_parquet_keeps_types_rows_from_one(tmp_path):
    path = tmp_path / "orders.parquet"
    pd.DataFrame({"InvoiceNo": ["536365"], "Quantity": [6]}).to_parquet(path)
    frame = read_table(path)
    assert list(frame.index) == [1]
    assert frame.loc[1, "Quantity"] == 6


def test_read_table_name_decides_suffix_not_path(tmp_path):
    path = tmp_path / "upload_abc123"
    path.write_text(CSV_TEXT)
    assert len(read_table(path, name="orders.csv")) == 2


@pytest.mark.parametrize(
    ("name", "content", "reason_part"),
    [
        ("orders.xlsx", CSV_TEXT.encode(), "not an Excel workbook"),
        ("orders.parquet", CSV_TEXT.encode(), "not a Parquet file"),
        ("orders.csv.gz", CSV_TEXT.encode(), "not gzip-compressed"),
        ("orders.csv", b"PK\x03\x04rest of a zip", "ZIP or Excel"),
        ("orders.csv", gzip.compress(CSV_TEXT.encode()), "gzip-compressed"),
        ("orders.csv", "customer_id,day\nJos\xe9,1\n".encode("latin-1"), "not UTF-8"),
        ("orders.csv", b"customer_id order_id\n1 2\n", "no comma, semicolon or tab"),
        ("orders.csv", b"customer_id,order_id\n", "no data rows"),
        ("orders.txt", CSV_TEXT.encode(), "unsupported file type"),
    ],
)
def test_read_table_file_not_what_name_says_refused(tmp_path, name, content, reason_part):
    path = tmp_path / name
    path.write_bytes(content)
    assert reason_part in _refusal_reason(path)


def test_read_table_xlsx_zip_without_workbook_refused(tmp_path):
    import zipfile

    path = tmp_path / "orders.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "not an Excel workbook" in _refusal_reason(path)


def test_file_suffix_double_suffix_recognised():
    assert file_suffix("Orders.CSV.GZ") == ".csv.gz"
