from __future__ import annotations

import datetime as dt
import decimal
import gzip
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from segments.importers import readers
from segments.importers.base import ImportRefused
from segments.importers.limits import (
    MIB,
    CountingReader,
    ReadLimits,
    check_names,
    check_storable_cells,
    refuse,
)
from segments.importers.readers import check_head, detect_delimiter, file_suffix, read_table
from tests.hostile_files import MAIN, raw_xlsx, sheet_rows

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
    path = tmp_path / "orders.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "not an Excel workbook" in _refusal_reason(path)


def test_file_suffix_double_suffix_recognised():
    assert file_suffix("Orders.CSV.GZ") == ".csv.gz"


# --- Limits: each one refuses a file crossing it (small limits keep the files tiny) ---------


def _csv(path, limits):
    path.write_bytes(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n")


def _long_data_line(path, limits):
    path.write_bytes(b"a,b\n1," + b"2" * 100 + b"\n")


def _long_header(path, limits):
    path.write_bytes(b"a,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n1,2\n")


def _gz(path, limits):
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 5000))


def _workbook(path, limits):
    workbook = openpyxl.Workbook()
    for row in (["customer_id", "order_id"], ["a", "b"], ["c", "d"]):
        workbook.active.append(row)
    workbook.save(path)


def _shared_strings_workbook(path, limits):
    strings = b'<sst xmlns="%s"><si><t>customer_id</t></si></sst>' % MAIN.encode()
    raw_xlsx(path, sheet_rows(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']), strings)


def _parquet(path, limits):
    pd.DataFrame({"a": ["x", "y"], "b": [1, 2]}).to_parquet(path)


def _repeated_text_parquet(path, limits):
    pd.DataFrame({"a": ["x" * 100] * 1000}).to_parquet(path)


@pytest.mark.parametrize(
    ("name", "write", "limits", "reason_part"),
    [
        ("a.csv", _csv, ReadLimits(max_bytes=20), "larger than"),
        ("a.csv", _csv, ReadLimits(max_rows=2), "more than 2 rows"),
        ("a.csv", _csv, ReadLimits(max_columns=2), "more than 2 columns"),
        ("a.csv", _long_data_line, ReadLimits(max_line_bytes=64), "line is longer than"),
        ("a.csv", _long_header, ReadLimits(max_line_bytes=16), "header line is longer"),
        ("a.csv.gz", _gz, ReadLimits(ratio_floor_bytes=1000, max_ratio=2), "decompression bomb"),
        ("a.xlsx", _workbook, ReadLimits(max_columns=1), "spans 2 columns"),
        ("a.xlsx", _workbook, ReadLimits(max_rows=1), "spans 3 rows"),
        ("a.xlsx", _workbook, ReadLimits(max_zip_members=3), "files (at most 3)"),
        ("a.xlsx", _workbook, ReadLimits(max_zip_member_bytes=100), "larger than"),
        ("a.xlsx", _shared_strings_workbook, ReadLimits(max_shared_strings_bytes=10), "shared"),
        ("a.xlsx", _workbook, ReadLimits(max_bytes=1000, ratio_floor_bytes=0), "larger than"),
        ("a.parquet", _parquet, ReadLimits(max_rows=1), "claims 2 rows"),
        ("a.parquet", _parquet, ReadLimits(max_columns=1), "2 columns"),
        ("a.parquet", _parquet, ReadLimits(max_footer_bytes=10), "footer claims"),
        ("a.parquet", _parquet, ReadLimits(max_column_chunks=1), "1 row groups of 2 columns"),
        ("a.parquet", _repeated_text_parquet, ReadLimits(max_bytes=20_000), "would take"),
    ],
)
def test_read_table_file_beyond_a_limit_refused(tmp_path, name, write, limits, reason_part):
    path = tmp_path / name
    write(path, limits)
    with pytest.raises(ImportRefused) as caught:
        read_table(path, limits=limits)
    assert reason_part in caught.value.problems[0].reason


@pytest.mark.parametrize(
    ("limits", "stored", "expected"),
    [
        (ReadLimits(), 100_000, 64 * MIB),  # a small file may always expand to the floor
        (ReadLimits(), 10 * MIB, 1000 * MIB),  # beyond it, 100 times its size
        (ReadLimits(), 100 * MIB, 1024 * MIB),  # never beyond max_bytes
        (ReadLimits(max_ratio=2, ratio_floor_bytes=0), 10, 20),
    ],
)
def test_read_limits_expanded_cap_ratio_floor_and_ceiling(limits, stored, expected):
    assert limits.expanded_cap(stored) == expected


def test_counting_reader_past_limit_refused():
    reader = CountingReader(io.BytesIO(b"x" * 10), 5, "too big")
    with pytest.raises(ImportRefused, match="too big"):
        reader.read(10)


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        (b"customer_id,order_id\n1,2\n3,4\x00\n", 3, "order_id"),
        (b"customer_id,order_id\n\x001,2\n", 2, "customer_id"),
        (b'customer_id;order_id\n"1;x";2\x00\n', 2, "order_id"),
        (b"customer_id,or\x00der_id\n1,2\n", 1, ""),
        (b"customer_id,order_id\r1,2\r3,\x00\r", 3, "order_id"),
    ],
)
def test_read_table_csv_nul_byte_refused_with_row_and_column(tmp_path, content, row, column):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as caught:
        read_table(path)
    problem = caught.value.problems[0]
    assert ("NUL byte" in problem.reason, problem.row, problem.column) == (True, row, column)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_read_table_csv_any_line_break_reads_all_rows(tmp_path, newline):
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV_TEXT.replace("\n", newline).encode())
    assert list(read_table(path)["order_id"]) == ["1000000000007", "8"]


def test_read_table_xlsx_dimension_too_small_every_row_read(tmp_path):
    path = tmp_path / "orders.xlsx"
    _workbook(path, None)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'ref="A1:B3"', b'ref="A1:B2"')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert list(read_table(path)["order_id"]) == ["b", "d"]


def test_read_table_xlsx_cells_beyond_header_ignored(tmp_path):
    path = tmp_path / "orders.xlsx"
    workbook = openpyxl.Workbook()
    for row in (["customer_id", "order_id"], ["a", "b", "extra"], [None, None, "only extra"]):
        workbook.active.append(row)
    workbook.save(path)
    frame = read_table(path)
    assert (list(frame.columns), len(frame)) == (["customer_id", "order_id"], 1)


def test_read_table_parquet_supported_types_accepted(tmp_path):
    path = tmp_path / "orders.parquet"
    frame = pd.DataFrame(
        {
            "text": ["a", None],
            "category": pd.Categorical(["x", "y"]),
            "integer": [1, 2],
            "number": [1.5, None],
            "flag": [True, False],
            "amount": [decimal.Decimal("1.50"), None],
            "day": [dt.date(2020, 1, 1), None],
            "stamp": pd.to_datetime(["2020-01-01 10:00", None], utc=True),
            "nothing": [None, None],
        }
    )
    frame.to_parquet(path)
    assert read_table(path).loc[1, "amount"] == decimal.Decimal("1.50")


@pytest.mark.parametrize(
    ("values", "row"),
    [(["ok", "bad\x00"], 3), ([1, "\ud800"], 3), (["\x00", "ok"], 2)],
)
def test_check_storable_cells_nul_or_surrogate_refused_with_row(values, row):
    frame = pd.DataFrame({"name": pd.Series(values, index=[2, 3], dtype=object)})
    with pytest.raises(ImportRefused) as caught:
        check_storable_cells(frame)
    assert (caught.value.problems[0].row, caught.value.problems[0].column) == (row, "name")


@pytest.mark.parametrize(
    ("names", "reason_part"),
    [(["a", "a"], "twice"), (["a", "b\x00"], "NUL byte"), (["", "", "a"], None)],
)
def test_check_names_repeated_or_unstorable_refused(names, reason_part):
    if reason_part is None:
        check_names(names)
        return
    with pytest.raises(ImportRefused, match=reason_part):
        check_names(names)


def test_refuse_reason_made_storable():
    with pytest.raises(ImportRefused) as caught:
        refuse("bad \x00 reason", column="col\ud800", value="v" * 1000)
    problem = caught.value.problems[0]
    assert (problem.reason, problem.column, len(problem.value)) == ("bad ? reason", "col?", 300)


def test_read_table_parquet_nul_in_later_row_group_refused_with_file_row(tmp_path):
    path = tmp_path / "orders.parquet"
    pd.DataFrame({"product_type": ["x", "y", "z", "w\x00", "v"]}).to_parquet(path, row_group_size=2)
    with pytest.raises(ImportRefused) as caught:
        read_table(path)
    assert (caught.value.problems[0].row, caught.value.problems[0].column) == (4, "product_type")


@pytest.mark.parametrize(
    ("name", "head", "reason"),
    [
        ("a.png", b"\x89PNG\r\n\x1a\n", "unsupported file type"),
        ("a.csv", b"\x89PNG\r\n\x1a\n", "really a PNG image"),
        ("a.csv", b"%PDF-1.7", "really a PDF document"),
        ("a.csv", b"\xd0\xcf\x11\xe0\xa1\xb1", r"old Excel \(\.xls\) file"),
        ("a.csv", b"PAR1\x15\x04", "really a Parquet file"),
        ("a.xlsx", b"\xd0\xcf\x11\xe0", "old .xls workbook"),
        ("a.parquet", b"id,day\n", "not a Parquet file"),
    ],
)
def test_check_head_disagreeing_bytes_refused(name, head, reason):
    with pytest.raises(ImportRefused, match=reason):
        check_head(name, head)


@pytest.mark.parametrize(
    ("name", "head", "suffix"),
    [
        ("A.CSV", "Straße;Kunde\n".encode("latin-1"), ".csv"),  # refused with its row later
        ("a.csv.gz", b"\x1f\x8b\x08", ".csv.gz"),
        ("a.xlsx", b"PK\x03\x04", ".xlsx"),
        ("a.csv", b"\xff\xfeu\x00", ".csv"),  # UTF-16: refused later, with its own reason
    ],
)
def test_check_head_agreeing_bytes_give_the_suffix(name, head, suffix):
    assert check_head(name, head) == suffix


def test_open_table_csv_read_in_chunks_every_row_once_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 64)
    path = tmp_path / "orders.csv"
    path.write_text("a,b\n" + "".join(f"{n},x{n}\n" for n in range(100)))
    chunks = list(readers.open_table(path).chunks)
    assert len(chunks) > 1
    whole = pd.concat(chunks)
    assert whole["a"].tolist() == [str(n) for n in range(100)]
    assert whole.index.tolist() == list(range(2, 102))


def test_open_table_csv_quoted_line_breaks_longer_than_a_chunk_kept_in_one_value(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 64)
    cell = "line\n" * 100
    path = tmp_path / "orders.csv"
    path.write_text(f'a,b\n1,"{cell}"\n2,"say ""hi""\n"\n3,z\n')
    frame = readers.read_table(path)
    assert frame["b"].tolist() == [cell, 'say "hi"\n', "z"]
    assert frame.index.tolist() == [2, 3, 4]


@pytest.mark.parametrize(
    ("blocks", "longest", "quoted"),
    [
        ([b"a,b\n1,2\n", b"33,44\n"], 5, False),
        ([b'a,b\n1,"x\n', b'y"\n2,3\n'], 7, True),  # 1,"x\ny"
        ([b'a,"x""\n', b'"\n'], 8, True),  # a doubled quote, then the line break inside
    ],
)
def test_text_scan_longest_record_counts_quoted_line_breaks(blocks, longest, quoted):
    scan = readers.TextScan(readers.DEFAULT_LIMITS, ",", ["a", "b"])
    for block in blocks:
        scan.feed(block)
    assert (scan.longest_record, scan.quoted_breaks) == (longest, quoted)
