"""How much of a file the readers will take in, and the refusals when a file asks for more.

A hostile file (a decompression bomb, a million columns, an endless line) is refused as soon as
it crosses a limit: from its header or metadata when those say enough, else while its bytes
stream past a counting reader. Nothing is read twice into memory to find out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

import pandas as pd

from segments.importers.base import ImportRefused, Problem

MIB = 1024 * 1024
GIB = 1024 * MIB
# PostgreSQL text and jsonb hold neither NUL nor lone surrogates: such a value fails the save.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
SHOWN_CHARACTERS = 300


@dataclass(frozen=True)
class ReadLimits:
    """Defaults sized for a 1M-customer Shopify export (~2.8M lines, ~400 MB of CSV).

    Sizes are decompressed bytes. Real exports compress 4-10 times; bombs 1000 times, so a
    compressed file may expand to `max_ratio` times its size, and always to `ratio_floor_bytes`.
    """

    max_bytes: int = GIB
    max_rows: int = 10_000_000
    max_columns: int = 200
    max_line_bytes: int = MIB
    max_ratio: int = 100
    ratio_floor_bytes: int = 64 * MIB
    max_zip_members: int = 10_000
    max_zip_member_bytes: int = 256 * MIB
    max_shared_strings_bytes: int = 64 * MIB
    max_footer_bytes: int = 16 * MIB
    # Parquet: pyarrow spends ~5 kB per column chunk (row group x column) however small it is.
    max_column_chunks: int = 20_000

    def expanded_cap(self, stored_bytes: int) -> int:
        """How many bytes `stored_bytes` of compressed data may expand to."""
        return min(self.max_bytes, self.ratio_cap(stored_bytes))

    def ratio_cap(self, stored_bytes: int) -> int:
        return max(self.ratio_floor_bytes, self.max_ratio * stored_bytes)


DEFAULT_LIMITS = ReadLimits()


def refuse(reason: str, row: int | None = None, column: object = "", value: str = "") -> NoReturn:
    """Refuse the whole file; texts are made storable since the report is saved as jsonb."""
    raise ImportRefused([Problem(row, shown(column), shown(value), shown(reason))])


def expect(condition: bool, reason: str) -> None:
    if not condition:
        refuse(reason)


def shown(text: object) -> str:
    return UNSTORABLE.sub("?", str(text))[:SHOWN_CHARACTERS]


def mib(size: int) -> str:
    return f"{size / MIB:,.0f} MiB"


@contextmanager
def damaged_file(what: str) -> Iterator[None]:
    """Whatever a third-party parser raises on a damaged file refuses it; our refusals pass."""
    try:
        yield
    except (ImportRefused, MemoryError):
        raise
    except Exception as error:  # openpyxl and pyarrow raise many unrelated types on bad input
        refuse(f"{what}: {type(error).__name__}: {error}")


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it and refuses the file past `limit`."""

    def __init__(self, source: BinaryIO, limit: int, too_big: str) -> None:
        super().__init__()
        self._source = source
        self.limit = limit
        self.count = 0
        self._too_big = too_big

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        size = self._source.readinto(buffer)
        self.count += size
        if self.count > self.limit:
            refuse(self._too_big)
        return size

    def close(self) -> None:
        self._source.close()
        super().close()


def check_names(names: list[str], row: int | None = 1) -> None:
    """Column names: storable, and no non-empty name twice (the second would be ignored)."""
    seen: set[str] = set()
    for name in names:
        if UNSTORABLE.search(name):
            refuse("NUL byte or invalid character in a column name", row=row, column=name)
        if name and name in seen:
            refuse("the column name appears twice", row=row, column=name)
        seen.add(name)


def check_storable_cells(frame: pd.DataFrame) -> None:
    """Refuse the first text cell holding a NUL byte or a lone surrogate, by row and column."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object:
            bad = values.map(
                lambda value: isinstance(value, str) and bool(UNSTORABLE.search(value))
            )
        elif pd.api.types.is_string_dtype(values.dtype):
            bad = values.str.contains("\x00", regex=False, na=False)
        else:
            continue
        bad = bad.to_numpy(dtype=bool)
        if bad.any():
            row = int(frame.index[bad.argmax()])
            refuse("NUL byte or invalid character in a cell", row=row, column=column)
