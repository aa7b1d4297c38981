"""The scale benchmark's table: figures formatted, ratios, and the dated section of RESULTS.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HEADER = ("step", "segweb", "reference", "ratio", "peak memory")


@dataclass(frozen=True)
class Row:
    step: str
    segweb: str
    reference: str = ""
    ratio: str = ""
    memory: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.step, self.segweb, self.reference, self.ratio, self.memory)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of all values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def seconds(value: float) -> str:
    """Durations the way the table reads best: ms below a second, s with one decimal above."""
    if math.isnan(value):
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def size(value: float) -> str:
    """Bytes in MB (decimal, as the issue states them) below 1 GB, else GB."""
    if value >= 1e9:
        return f"{value / 1e9:.1f} GB"
    return f"{value / 1e6:.0f} MB"


def ratio(value: float, reference: float) -> str:
    if reference <= 0 or math.isnan(value) or math.isnan(reference):
        return "-"
    return f"{value / reference:.2f}x"


def rate(rows: int, elapsed: float) -> str:
    return f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else "-"


def markdown_table(rows: Sequence[Row]) -> str:
    """A Markdown table whose columns line up in a terminal as well."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADER))]

    def render(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([render(HEADER), rule, *(render(cells) for cells in lines[1:])])


def section(title: str, facts: Sequence[str], table: str, details: Sequence[str]) -> str:
    """A dated RESULTS.md section: title, the conditions as a list, the table, the details."""
    parts = [f"## {title}", "", *(f"- {fact}" for fact in facts), "", table]
    if details:
        parts += ["", "Details:", "", *(f"- {detail}" for detail in details)]
    return "\n".join(parts) + "\n"
