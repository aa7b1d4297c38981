"""Property-based tests of the parsers (hypothesis): whatever a file holds, a result or a refusal.

Generated CSV files (any text, quotes, delimiters, line breaks, NUL bytes, raw bytes) go
through the pure import: read_table, format detection, parsing. Valid generic order lines
round-trip through CSV, gzip and Parquet. The converters agree with small references.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segments.importers import ImportRefused, Problem, base, detect, generic, parse_orders, readers
from segments.importers.contacts import parse_contacts

PROPERTIES = settings(max_examples=75, deadline=None)
GENERIC_COLUMNS = list(generic.REQUIRED)
OTHER_COLUMNS = ["Customer ID", "email", "note", "InvoiceNo", "Quantity", "", "day"]
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


def imported_problems(path: Path) -> list[Problem]:
    """The pure import of run_import; its problems (none when it would be saved)."""
    try:
        raw = readers.read_table(path)
        format_name = detect.choose_format(raw.columns)
    except ImportRefused as refusal:
        return refusal.problems
    if detect.kind_of(format_name) == detect.CONTACTS:
        return parse_contacts(raw, format_name).problems
    return parse_orders(raw, format_name).problems


def csv_bytes(rows: list[list[str]], delimiter: str, newline: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return text.getvalue().encode()


def line_count(data: bytes) -> int:
    return max(data.count(b"\n"), data.count(b"\r")) + 1


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A header of known and unknown names, then rows of any text, in any allowed dialect."""
    names = st.sampled_from(GENERIC_COLUMNS + OTHER_COLUMNS) | any_text
    header = draw(st.lists(names, min_size=1, max_size=9))
    cells = st.sampled_from(["", "1", "-2.5", "2019-01-05", "x"]) | any_text
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    return csv_bytes([header, *rows], delimiter, draw(st.sampled_from(["\n", "\r\n", "\r"])))


def assert_problems_well_formed(problems: list[Problem], data: bytes) -> None:
    for problem in problems:
        assert problem.reason
        assert problem.row is None or 1 <= problem.row <= line_count(data)


@PROPERTIES
@given(data=csv_files(), compressed=st.booleans())
def test_import_any_csv_text_parsed_or_refused_rows_in_range(folder, data, compressed):
    path = folder / ("any.csv.gz" if compressed else "any.csv")
    path.write_bytes(gzip.compress(data) if compressed else data)
    assert_problems_well_formed(imported_problems(path), data)


@PROPERTIES
@given(
    head=st.sampled_from([b"", ",".join(GENERIC_COLUMNS).encode() + b"\n", b"a;b\r\n"]),
    tail=st.binary(max_size=300),
)
def test_import_any_bytes_parsed_or_refused_never_raises(folder, head, tail):
    path = folder / "bytes.csv"
    path.write_bytes(head + tail)
    assert_problems_well_formed(imported_problems(path), head + tail)


@PROPERTIES
@given(data=csv_files(), cut=st.integers(min_value=0, max_value=400))
def test_import_truncated_gzip_parsed_or_refused_never_raises(folder, data, cut):
    path = folder / "cut.csv.gz"
    path.write_bytes(gzip.compress(data)[:cut])
    assert_problems_well_formed(imported_problems(path), data)


order_lines = st.lists(
    st.tuples(
        st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)),
        st.text(
            st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from('\n",;\t'), max_size=30
        ),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=-(10**11), max_value=10**11),
    ),
    min_size=1,
    max_size=20,
)


def write_generic(path: Path, lines: list[tuple], delimiter: str) -> None:
    rows = [
        [
            customer,
            f"O{at}",
            day.isoformat(),
            kind,
            str(ordered),
            str(returned),
            f"{cents / 100:.2f}",
        ]
        for at, (customer, day, kind, ordered, returned, cents) in enumerate(lines)
    ]
    if path.name.endswith(".parquet"):
        pd.DataFrame(rows, columns=GENERIC_COLUMNS).to_parquet(path)
        return
    data = csv_bytes([GENERIC_COLUMNS, *rows], delimiter, "\r\n")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


@PROPERTIES
@given(
    lines=order_lines,
    suffix=st.sampled_from([".csv", ".csv.gz", ".parquet"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_parse_orders_valid_generic_lines_round_trip(folder, lines, suffix, delimiter):
    path = folder / f"generic{suffix}"
    write_generic(path, lines, delimiter)
    result = parse_orders(readers.read_table(path), generic.NAME)
    assert result.problems == []
    customers, days, kinds, ordered, returned, cents = (
        list(column) for column in zip(*lines, strict=True)
    )
    parsed = result.lines
    assert list(parsed["customer_id"]) == customers
    assert list(parsed["day"].dt.date) == days
    assert list(parsed["product_type"]) == [kind.strip() for kind in kinds]
    assert list(parsed["ordered_item_quantity"]) == ordered
    assert list(parsed["returned_item_quantity"]) == [-units for units in returned]
    assert list(parsed["net_quantity"]) == [o - r for o, r in zip(ordered, returned, strict=True)]
    assert list((parsed["total_sales"] * 100).round().astype("int64")) == cents


def reference_number(text: str) -> float | None:
    """A finite number in plain decimal notation, else None (a problem)."""
    stripped = text.strip()
    if not PLAIN_NUMBER.fullmatch(stripped):
        return None
    value = float(stripped)
    return value if math.isfinite(value) else None


def reference_integer(text: str) -> int | None:
    value = reference_number(text)
    if value is None or not value.is_integer() or abs(value) > base.MAX_QUANTITY:
        return None
    return int(value)


def reference_day(text: str) -> dt.date | None:
    try:
        day = dt.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if dt.date(1900, 1, 1) <= day < dt.date(2200, 1, 1) else None


number_texts = st.lists(
    st.decimals(allow_nan=False).map(str)
    | st.floats().map(repr)
    | st.integers().map(str)
    | st.from_regex(
        r"[ \t]*[+-]?[0-9]{0,4}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?[ \t]*", fullmatch=True
    )
    | st.sampled_from(["", "nan", "-inf", "1,5", "0x10", "1e400", "\u0663", "\uff13", "1 000"])
    | any_text,
    min_size=1,
    max_size=30,
)


def _convert(converter, texts: list[str]) -> tuple[list, list[bool]]:
    log = base.ProblemLog(pd.RangeIndex(len(texts)))
    values = converter(pd.Series(texts, dtype=str), "c", log)
    return list(values), [bool(bad) for bad in log.bad_rows]


@PROPERTIES
@given(texts=number_texts)
def test_as_number_agrees_with_reference(texts):
    values, bad = _convert(base.as_number, texts)
    for text, value, refused in zip(texts, values, bad, strict=True):
        expected = reference_number(text)
        assert refused == (expected is None), text
        if expected is not None:
            assert math.isclose(value, expected, rel_tol=1e-12), text


@PROPERTIES
@given(texts=number_texts)
def test_as_integer_agrees_with_reference(texts):
    values, bad = _convert(base.as_integer, texts)
    for text, value, refused in zip(texts, values, bad, strict=True):
        expected = reference_integer(text)
        assert refused == (expected is None), text
        assert value == (0 if expected is None else expected), text


day_texts = st.lists(
    st.dates().map(lambda day: f"{day.year:04d}-{day.month:02d}-{day.day:02d}")
    | st.dates().map(lambda day: f"{day.year}-{day.month}-{day.day}")
    | st.tuples(st.integers(1890, 2210), st.integers(0, 13), st.integers(0, 32)).map(
        lambda parts: "{:04d}-{:02d}-{:02d}".format(*parts)
    )
    | st.sampled_from(["", "2020/01/05", "05/01/2020", "2020-01-05 10:00", "\uff12020-01-05"])
    | any_text,
    min_size=1,
    max_size=30,
)


@PROPERTIES
@given(texts=day_texts)
def test_as_day_agrees_with_reference(texts):
    log = base.ProblemLog(pd.RangeIndex(len(texts)))
    days = base.as_day(pd.Series(texts, dtype=str), "day", log, ["%Y-%m-%d"], "YYYY-MM-DD")
    for text, day, refused in zip(texts, days, log.bad_rows, strict=True):
        expected = reference_day(text)
        assert bool(refused) == (expected is None), text
        if expected is not None:
            assert day.date() == expected, text
