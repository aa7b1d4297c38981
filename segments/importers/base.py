"""What every importer shares: problems, the parse result, column selection and strict converters.

Pure pandas/numpy. Every converter works on a whole column at once and records its problems
in a ProblemLog, so a file with a million bad rows costs no more than one with none.
Row numbers are the raw frame's index: the row as the user sees it in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

MAX_REPORTED_PROBLEMS = 100
# DecimalField(max_digits=14, decimal_places=2) and IntegerField bounds in the database.
MAX_AMOUNT = 10**12
MAX_QUANTITY = 2**31 - 1
EARLIEST_DAY = pd.Timestamp("1900-01-01")
LATEST_DAY = pd.Timestamp("2200-01-01")

TEXT_COLUMNS = (
    "customer_id",
    "order_id",
    "product_title",
    "product_type",
    "variant_title",
    "variant_sku",
    "variant_id",
)
QUANTITY_COLUMNS = ("net_quantity", "ordered_item_quantity", "returned_item_quantity")
AMOUNT_COLUMNS = ("gross_sales", "discounts", "returns", "net_sales", "taxes", "total_sales")
MAX_LENGTHS = {"customer_id": 64, "order_id": 64, "variant_id": 64}
CANONICAL_COLUMNS = (
    "customer_id",
    "order_id",
    "day",
    "product_title",
    "product_type",
    "variant_title",
    "variant_sku",
    "variant_id",
    *QUANTITY_COLUMNS,
    *AMOUNT_COLUMNS,
)


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class ImportRefused(Exception):
    """The file is refused as a whole; nothing of it is written."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = list(problems)[:MAX_REPORTED_PROBLEMS]
        self.total = len(problems) if total is None else total
        first = self.problems[0].reason if self.problems else "refused"
        super().__init__(f"{count_problems(self.total)}, first: {first}")


def count_problems(total: int) -> str:
    """'1 problem', '1,234 problems'."""
    return f"{total:,} problem{'' if total == 1 else 's'}"


@dataclass
class ParseResult:
    """Canonical order lines (index = file row numbers) and what was refused or skipped."""

    lines: pd.DataFrame
    rows_read: int
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    rows_rejected: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    unmatched_returns: int = 0
    # Customers the file names on skipped rows only; they are created without orders.
    other_customer_ids: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.problems_total > 0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


class ProblemLog:
    """Collects problems by boolean mask; keeps the first ones by row and counts them all."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.bad_rows = np.zeros(len(index), dtype=bool)
        self.total = 0
        self._kept: list[Problem] = []

    def add(self, mask: pd.Series, values: pd.Series, column: str, reason: str) -> None:
        mask_array = np.asarray(mask, dtype=bool)
        count = int(mask_array.sum())
        if not count:
            return
        self.total += count
        self.bad_rows |= mask_array
        positions = np.flatnonzero(mask_array)[:MAX_REPORTED_PROBLEMS]
        for position in positions:
            value = values.iloc[position]
            self._kept.append(Problem(int(self.index[position]), column, _display(value), reason))

    def add_file_problem(self, column: str, reason: str, value: str = "") -> None:
        self.total += 1
        self._kept.append(Problem(1, column, value, reason))

    @property
    def problems(self) -> list[Problem]:
        ordered = sorted(self._kept, key=lambda p: (p.row or 0, p.column))
        return ordered[:MAX_REPORTED_PROBLEMS]

    def refusal(self, rows_read: int) -> ParseResult:
        return ParseResult(
            lines=empty_lines(),
            rows_read=rows_read,
            problems=self.problems,
            problems_total=self.total,
            rows_rejected=int(self.bad_rows.sum()),
        )


def _display(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)[:200]


def normalize_header(name: object) -> str:
    """'Customer ID', 'CustomerID' and 'customer_id' all become 'customerid'."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def select_columns(
    raw: pd.DataFrame,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Pick the named columns (matched by their normalized spellings); list the missing ones."""
    by_normalized: dict[str, str] = {}
    for column in raw.columns:
        by_normalized.setdefault(normalize_header(column), column)
    picked: dict[str, pd.Series] = {}
    missing: list[str] = []
    for wanted, spellings in {**required, **(optional or {})}.items():
        source = next((by_normalized[s] for s in spellings if s in by_normalized), None)
        if source is not None:
            picked[wanted] = raw[source]
        elif wanted in required:
            missing.append(wanted)
    return pd.DataFrame(picked, index=raw.index), missing


def missing_columns(columns: Iterable[object], required: dict[str, tuple[str, ...]]) -> list[str]:
    """The required columns none of whose spellings the header holds."""
    present = {normalize_header(column) for column in columns}
    return [wanted for wanted, spellings in required.items() if not present.intersection(spellings)]


def refuse_missing_columns(raw: pd.DataFrame, missing: Iterable[str]) -> ParseResult:
    log = ProblemLog(raw.index)
    for column in missing:
        log.add_file_problem(column, "required column is missing")
    return log.refusal(len(raw))


def as_text(values: pd.Series) -> pd.Series:
    """Strings, stripped; missing values become ''; whole floats lose their '.0'."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.notna() & np.isfinite(values) & (values == np.floor(values))
        text = values.astype(object).where(~whole, values.where(whole, 0).astype("int64"))
        return text.astype(str).where(values.notna(), "").str.strip()
    if pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(str)
    if values.dtype != object:  # text already: only blanks to fill
        return values.astype(str).where(values.notna(), "").str.strip()
    filled = values.where(values.notna(), "")
    return filled.map(_cell_text).astype(str).str.strip()


def _cell_text(value: object) -> str:
    # Spreadsheet cells come typed: a whole float id (17850.0) is the integer it stands for.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def require_text(text: pd.Series, column: str, log: ProblemLog, reason: str) -> None:
    log.add(text == "", text, column, reason)


def lines_with_ids(picked: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    """A new lines frame holding the customer and order ids, an empty one being a problem."""
    lines = pd.DataFrame(index=picked.index)
    for column in ("customer_id", "order_id"):
        lines[column] = as_text(picked[column])
        require_text(lines[column], column, log, f"empty {column.replace('_', ' ')}")
    return lines


def as_integer(values: pd.Series, column: str, log: ProblemLog, *, sign: int = 0) -> pd.Series:
    """Whole numbers; sign=1 refuses negatives, sign=-1 refuses positives."""
    numbers = as_number(values, column, log)
    valid = numbers.notna()
    fractional = valid & (numbers != np.floor(numbers.fillna(0)))
    log.add(fractional, values, column, "not a whole number")
    too_big = valid & (numbers.abs() > MAX_QUANTITY)
    log.add(too_big, values, column, "number is too large")
    if sign > 0:
        log.add(valid & (numbers < 0), values, column, "must not be negative")
    if sign < 0:
        log.add(valid & (numbers > 0), values, column, "must not be positive")
    ok = valid & ~fractional & ~too_big
    return numbers.where(ok, 0).astype("int64")


def as_amount(values: pd.Series, column: str, log: ProblemLog) -> pd.Series:
    """Finite money amounts, rounded to cents."""
    numbers = as_number(values, column, log)
    too_big = numbers.notna() & (numbers.abs() >= MAX_AMOUNT)
    log.add(too_big, values, column, "amount is too large")
    return numbers.where(numbers.notna() & ~too_big, 0.0).round(2)


def as_number(values: pd.Series, column: str, log: ProblemLog) -> pd.Series:
    """Floats; NaN where a problem was logged (empty, not a number, NaN or infinite)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype("float64")
        bad = ~np.isfinite(numbers)
        log.add(bad, values, column, "NaN or infinite number")
        return numbers.where(~bad)
    text = as_text(values)
    # Plain decimal notation only: no thousands separators, no decimal commas, no hex. ASCII
    # digits: \d would also take e.g. Arabic-Indic digits, which pandas reads as NaN (then 0).
    plain = text.str.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
    clean = bool(plain.all())  # the usual case: only overflow (1e999) left to find
    numbers = parse_floats(text if clean else text.where(plain, None))
    infinite = numbers.abs() == np.inf
    if clean:
        log.add(infinite, values, column, "NaN or infinite number")
        return numbers.where(~infinite)
    empty = text == ""
    special = text.str.lower().str.lstrip("+-").isin(["nan", "inf", "infinity"])
    log.add(empty, values, column, "missing number")
    log.add(special | infinite, values, column, "NaN or infinite number")
    log.add(~plain & ~empty & ~special, values, column, "not a number")
    return numbers.where(numbers.abs() < np.inf)


def parse_floats(text: pd.Series) -> pd.Series:
    """Floats of decimal texts, NaN where missing. pyarrow parses them in C++, correctly
    rounded like float(); pandas' slower parser remains for what pyarrow would not take."""
    if isinstance(text.array, pd.arrays.ArrowStringArray):
        array = pa.array(text.array)
    else:
        array = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    try:
        parsed = array.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(text, errors="coerce").astype("float64")
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def as_day(
    values: pd.Series, column: str, log: ProblemLog, formats: Sequence[str], shown: str
) -> pd.Series:
    """Calendar days (the date part) of as_timestamp."""
    return as_timestamp(values, column, log, formats, shown).dt.normalize()


def as_timestamp(
    values: pd.Series, column: str, log: ProblemLog, formats: Sequence[str], shown: str
) -> pd.Series:
    """Timestamps from timestamps or strings in one of the exact formats (never guessed)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        text = pd.Series("", index=values.index)
    else:
        # Spreadsheet cells may hold real dates: those need no parsing.
        is_date = _is_date(values)
        parsed = pd.to_datetime(values.where(is_date), errors="coerce")
        text = as_text(values.where(~is_date, ""))
        for fmt in formats:
            todo = parsed.isna() & (text != "")
            if not todo.any():
                break
            parsed = parsed.where(~todo, pd.to_datetime(text, format=fmt, errors="coerce"))
    in_range = (parsed >= EARLIEST_DAY) & (parsed < LATEST_DAY)
    log.add(parsed.isna() & (text == ""), values, column, "missing date")
    log.add(parsed.isna() & (text != ""), values, column, f"not a date in the format {shown}")
    log.add(parsed.notna() & ~in_range, values, column, "date out of range")
    return parsed.where(in_range).astype("datetime64[ns]")


def _is_date(values: pd.Series) -> pd.Series:
    if values.dtype != object:  # text: no cell holds a date
        return pd.Series(False, index=values.index)
    return values.map(lambda value: isinstance(value, dt.date)).astype(bool)


def column_sources(raw: pd.DataFrame, spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file's own spelling of each wanted column, for problem reports."""
    by_normalized: dict[str, str] = {}
    for column in raw.columns:
        by_normalized.setdefault(normalize_header(column), str(column))
    return {
        wanted: next((by_normalized[s] for s in spellings if s in by_normalized), wanted)
        for wanted, spellings in spec.items()
    }


def check_order_customers(lines: pd.DataFrame, log: ProblemLog) -> None:
    """An order belongs to one customer: lines naming another customer are problems."""
    first_customer = lines.groupby("order_id", sort=False)["customer_id"].transform("first")
    clash = (lines["customer_id"] != first_customer).reindex(log.index, fill_value=False)
    shown = lines["customer_id"].reindex(log.index, fill_value="")
    log.add(clash, shown, "customer_id", "order already belongs to another customer in this file")


def check_lengths(lines: pd.DataFrame, log: ProblemLog) -> None:
    """Texts must fit their database columns."""
    for column in TEXT_COLUMNS:
        limit = MAX_LENGTHS.get(column, 255)
        too_long = (lines[column].str.len() > limit).reindex(log.index, fill_value=False)
        shown = lines[column].reindex(log.index, fill_value="")
        log.add(too_long, shown, column, f"longer than {limit} characters")


def empty_lines() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in CANONICAL_COLUMNS})
    frame["day"] = pd.Series(dtype="datetime64[ns]")
    for column in QUANTITY_COLUMNS:
        frame[column] = pd.Series(dtype="int64")
    for column in AMOUNT_COLUMNS:
        frame[column] = pd.Series(dtype="float64")
    return frame


def _others(customer_ids: Iterable[str], kept: pd.Series) -> list[str]:
    """The customers named only on skipped rows."""
    named = pd.Index(pd.unique(pd.Series(list(customer_ids), dtype=object)))
    return sorted(named.difference(pd.Index(kept.unique())).tolist()) if len(named) else []


def finish(
    lines: pd.DataFrame,
    log: ProblemLog,
    rows_read: int,
    skipped: dict[str, int] | None = None,
    unmatched_returns: int = 0,
    customer_ids: Iterable[str] = (),
) -> ParseResult:
    """The parse result: a refusal when any problem was logged, else the canonical lines."""
    check_lengths(lines, log)
    if log.total:
        return log.refusal(rows_read)
    canonical = lines.loc[:, list(CANONICAL_COLUMNS)]
    return ParseResult(
        lines=canonical,
        rows_read=rows_read,
        skipped={reason: count for reason, count in (skipped or {}).items() if count},
        unmatched_returns=unmatched_returns,
        other_customer_ids=_others(customer_ids, canonical["customer_id"]),
    )
