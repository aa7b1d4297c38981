"""Does a new import belong with the data already here? Pure: two summaries in, warnings out.

An export of another shop, another period or another currency mixes badly with what is there:
an Online Retail file from 2010 beside a 2019 shop makes everyone from 2010 "lapsed", and a
file in cents ranks its customers a hundred times higher. Such an import waits for an Admin
to apply it anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Date ranges further apart than this, or typical line values this many times apart, warn.
MAX_GAP_DAYS = 365
MAX_VALUE_RATIO = 10.0


@dataclass(frozen=True)
class LinesSummary:
    first_day: dt.date
    last_day: dt.date
    # The median total of a line that sold something: the scale of the shop's money.
    typical_line_value: float | None


def fit_warnings(new: LinesSummary, existing: LinesSummary) -> list[str]:
    """Plain-words reasons why `new` looks like another shop's, period's or currency's data."""
    warnings = (_date_warning(new, existing), _scale_warning(new, existing))
    return [warning for warning in warnings if warning]


def _date_warning(new: LinesSummary, existing: LinesSummary) -> str | None:
    before = (existing.first_day - new.last_day).days
    after = (new.first_day - existing.last_day).days
    gap = max(before, after)
    if gap <= MAX_GAP_DAYS:
        return None
    where = "before" if before > after else "after"
    return (
        f"Its orders run from {_day(new.first_day)} to {_day(new.last_day)}, "
        f"{_span(gap)} {where} the data already here ({_day(existing.first_day)} to "
        f"{_day(existing.last_day)}). Mixed together, the older customers all look lapsed: "
        "is this another shop's export, or an old one?"
    )


def _scale_warning(new: LinesSummary, existing: LinesSummary) -> str | None:
    if not new.typical_line_value or not existing.typical_line_value:
        return None
    ratio = new.typical_line_value / existing.typical_line_value
    if 1 / MAX_VALUE_RATIO <= ratio <= MAX_VALUE_RATIO:
        return None
    times = f"{ratio:,.0f} times" if ratio > 1 else f"1/{1 / ratio:,.0f} of"
    return (
        f"A typical line is worth {new.typical_line_value:,.2f} in this file and "
        f"{existing.typical_line_value:,.2f} in the data already here ({times} as much): "
        "another currency, or amounts in cents?"
    )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _span(days: int) -> str:
    years = days / 365.25
    return f"{years:.0f} years" if years >= 1.5 else f"{days:,} days"
