"""The catalogue's entries and the helpers every kind of hostile file shares."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

MB = 1_000_000
GENERIC_HEADER = (
    "customer_id,order_id,date,product_type,ordered_quantity,returned_quantity,total_sales"
)
GENERIC_LINE = "5000000017,1000000007,2019-01-05,Mugs,2,0,19.90"


@dataclass(frozen=True)
class Hostile:
    name: str
    what: str
    # A fragment of the first problem's reason; "" when the file must be accepted.
    reason: str
    build: Callable[[Path], None]
    row: int | None = None
    column: str | None = None

    @property
    def accepted(self) -> bool:
        return self.reason == ""


# In the order the builder modules are imported; tests.hostile_files orders them by kind.
REGISTERED: list[Hostile] = []


def hostile(name: str, what: str, reason: str, row: int | None = None, column: str | None = None):
    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        REGISTERED.append(Hostile(name, what, reason, build, row, column))
        return build

    return register


def generic_csv(lines: Iterable[str] = (GENERIC_LINE,), newline: str = "\n") -> bytes:
    return newline.join([GENERIC_HEADER, *lines, ""]).encode()


def gzip_repeated(head: bytes, chunk: bytes, times: int) -> bytes:
    """A gzip file of `head` then `chunk` `times` times: one member compressed, then repeated."""
    member = gzip.compress(chunk, compresslevel=9, mtime=0)
    return gzip.compress(head, mtime=0) + member * times


def openpyxl_workbook(path: Path, rows: list[list[object]]) -> None:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
