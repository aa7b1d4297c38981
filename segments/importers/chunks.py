"""An order-line file parsed chunk by chunk, with the outcome of parsing it whole.

Problems are gathered over every chunk (the first MAX_REPORTED_PROBLEMS by row, and their
total), so a refusal reports the same as for the file read at once. Once a problem is found
no more chunks are handed on, but parsing goes on to the end to count them all.
Online-retail files are parsed in one piece: their returns are matched to earlier invoices
anywhere in the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from segments.importers import PARSERS, base, detect, online_retail
from segments.importers.base import MAX_REPORTED_PROBLEMS, ImportRefused, ParseResult, Problem
from segments.importers.readers import OpenedTable, whole_frame

WHOLE_FILE_FORMATS = (online_retail.NAME,)


class ParsedFile:
    """Refuses a file missing a required column at once; else see results()."""

    def __init__(self, opened: OpenedTable, format_name: str) -> None:
        self._opened = opened
        self._parse = PARSERS[format_name]
        self._whole = format_name in WHOLE_FILE_FORMATS
        self.rows_read = 0
        self.rows_rejected = 0
        self.unmatched_returns = 0
        self.skipped: Counter[str] = Counter()
        self.problems: list[Problem] = []
        self.problems_total = 0
        required, _ = detect.FORMATS[format_name]
        missing = sorted(base.missing_columns(opened.columns, required))
        if missing:
            reason = "required column is missing"
            raise ImportRefused([Problem(1, column, "", reason) for column in missing])

    @property
    def refused(self) -> bool:
        return self.problems_total > 0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def results(self) -> Iterator[ParseResult]:
        """Each chunk's canonical lines, while the file has shown no problem."""
        chunks = iter([whole_frame(self._opened)]) if self._whole else self._opened.chunks
        for raw in chunks:
            result = self._parse(raw)
            self._gather(result)
            if not self.refused:
                yield result

    def add_problems(self, problems: list[Problem], total: int) -> None:
        self.problems += problems[: MAX_REPORTED_PROBLEMS - len(self.problems)]
        self.problems_total += total

    @property
    def lines(self) -> int:
        """The file's line breaks (0 when unknown): about its rows, for progress."""
        return self._opened.lines

    def refusal(self) -> ImportRefused:
        return ImportRefused(self.problems, self.problems_total)

    def drain(self, results: Iterator[ParseResult]) -> None:
        """Parse what is left of the file, for its problems."""
        for _ in results:
            pass

    def _gather(self, result: ParseResult) -> None:
        self.rows_read += result.rows_read
        self.rows_rejected += result.rows_rejected
        self.unmatched_returns += result.unmatched_returns
        self.skipped.update(result.skipped)
        self.add_problems(result.problems, result.problems_total)
