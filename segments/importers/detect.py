"""Which format a file is in, from its header alone (or as the user forced it)."""

from __future__ import annotations

from collections.abc import Iterable

from segments.importers import base, generic, online_retail, shopify

FORMATS = {
    shopify.NAME: shopify.REQUIRED,
    online_retail.NAME: online_retail.REQUIRED,
    generic.NAME: generic.REQUIRED,
}
AUTO = "auto"


def detect_format(columns: Iterable[object]) -> str | None:
    """The format whose required columns the header holds, else the one it resembles most.

    A header holding at least half of a format's columns is taken as that format, so the
    refusal can name the missing columns; anything less resembles no format at all.
    """
    present = {base.normalize_header(column) for column in columns}
    scores = {name: _share_present(spec, present) for name, spec in FORMATS.items()}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] >= 0.5 else None


def choose_format(columns: Iterable[object], requested: str = AUTO) -> str:
    """The requested format, or the detected one; refuse when the header matches none."""
    if requested in FORMATS:
        return requested
    if requested != AUTO:
        reason = f"unknown format {requested!r}: use auto, {', '.join(FORMATS)}"
        raise base.ImportRefused([base.Problem(None, "", requested, reason)])
    columns = list(columns)
    detected = detect_format(columns)
    if detected is None:
        shown = ", ".join(str(column) for column in columns)[:200]
        reason = f"the header matches none of the formats {', '.join(FORMATS)}"
        raise base.ImportRefused([base.Problem(1, "", shown, reason)])
    return detected


def _share_present(spec: dict[str, tuple[str, ...]], present: set[str]) -> float:
    found = sum(1 for spellings in spec.values() if present.intersection(spellings))
    return found / len(spec)
