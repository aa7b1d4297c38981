"""Small display filters: shares and rates as percentages, seconds as durations."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.1234 -> "12.3%"; empty for a missing value."""
    if value is None or value == "":
        return ""
    return f"{float(value) * 100:.{digits}f}%"


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as "2 min 5 s" or "3.2 s"; empty for a missing value."""
    if seconds is None or seconds == "":
        return ""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
