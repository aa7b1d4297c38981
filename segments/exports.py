"""Streaming CSV writers for campaign target lists.

Rows come from the database in chunks through `.iterator()`, so memory stays flat whatever the
size of the run. Text cells that a spreadsheet would read as a formula are neutralised (OWASP CSV
injection): a leading single quote, while numbers stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from segments import selectors
from segments.models import ExportRecord, Segment, SegmentationRun

FULL_COLUMNS = (
    "customer_id",
    "segment",
    "segment_name",
    "products_ordered",
    "average_return_rate",
    "total_spending",
    "run_id",
    "run_date",
)
# The management command's file: the same rows without the run columns.
COMMAND_COLUMNS = FULL_COLUMNS[:6]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


def neutralise_cell(value: Any) -> Any:
    """Prefix a text cell that starts like a formula with a quote; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]], columns: tuple[str, ...]) -> Iterator[str]:
    """The header, then one CSV line per row with every cell neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([neutralise_cell(cell) for cell in row])


def assignment_rows(
    run: SegmentationRun, segment: Segment | None, columns: tuple[str, ...]
) -> Iterator[list[Any]]:
    """The export's rows for a run (or one of its segments), cut to `columns`."""
    names = {s.pk: (s.index, s.display_name) for s in run.segments.all()}
    run_date = (run.finished_at or run.created_at).date().isoformat()
    rows = selectors.export_rows(run, segment).iterator(chunk_size=CHUNK_SIZE)
    for customer_id, segment_id, products, return_rate, spending in rows:
        index, name = names[segment_id]
        full = [customer_id, index, name, products, return_rate, round(spending, 2)]
        yield [*full, run.pk, run_date][: len(columns)]


def stream_export(
    run: SegmentationRun,
    segment: Segment | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    columns: tuple[str, ...] = FULL_COLUMNS,
) -> Iterator[str]:
    """CSV lines for a StreamingHttpResponse or a file, recorded as an ExportRecord.

    1. Record the export before the first line, so even an interrupted download is listed.
    2. Stream the header and the rows.
    3. Store the number of rows actually written when the stream ends (or is closed early).
    """
    owner = user if user is not None and user.is_authenticated else None
    record = ExportRecord.objects.create(user=owner, run=run, segment=segment, rows=0)
    written = 0
    try:
        lines = csv_lines(assignment_rows(run, segment, columns), columns)
        yield next(lines)
        for line in lines:
            written += 1
            yield line
    finally:
        ExportRecord.objects.filter(pk=record.pk).update(rows=written)


def export_filename(run: SegmentationRun, segment: Segment | None = None) -> str:
    suffix = f"-segment-{segment.index}" if segment else ""
    return f"segweb-run-{run.pk}{suffix}.csv"
