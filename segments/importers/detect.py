"""Which format a file is in, from its header alone (or as the user forced it).

Two kinds of file share the Imports page and this detection: order lines and customer contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from segments.importers import base, contacts, generic, online_retail, shopify

ORDERS = "orders"
CONTACTS = "contacts"
AUTO = "auto"
# name -> (required columns, every column the format knows: a tie between formats goes to the
# one holding more of them, e.g. Shopify's customer export over the generic contacts file).
FORMATS: dict[str, tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]] = {
    shopify.NAME: (shopify.REQUIRED, shopify.REQUIRED),
    online_retail.NAME: (online_retail.REQUIRED, online_retail.REQUIRED),
    generic.NAME: (generic.REQUIRED, generic.REQUIRED),
    **{name: (required, known) for name, (required, known) in contacts.KNOWN_COLUMNS.items()},
}
KINDS = {
    ORDERS: (shopify.NAME, online_retail.NAME, generic.NAME),
    CONTACTS: tuple(contacts.KNOWN_COLUMNS),
}


def kind_of(format_name: str) -> str:
    return CONTACTS if format_name in KINDS[CONTACTS] else ORDERS


def detect_format(columns: Iterable[object], names: Sequence[str] = tuple(FORMATS)) -> str | None:
    """The format whose required columns the header holds, else the one it resembles most.

    A header holding at least half of a format's columns is taken as that format, so the
    refusal can name the missing columns; anything less resembles no format at all.
    """
    present = {base.normalize_header(column) for column in columns}
    scores = {name: _scores(name, present) for name in names}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best][0] >= 0.5 else None


def choose_format(columns: Iterable[object], requested: str = AUTO, kind: str | None = None) -> str:
    """The requested format, or the detected one (of `kind` when given); refuse otherwise."""
    names = KINDS[kind] if kind else tuple(FORMATS)
    if requested in names:
        return requested
    if requested != AUTO:
        reason = f"unknown format {requested!r}: use auto, {', '.join(names)}"
        raise base.ImportRefused([base.Problem(None, "", requested, reason)])
    columns = list(columns)
    detected = detect_format(columns, names)
    if detected is None:
        shown = ", ".join(str(column) for column in columns)[:200]
        reason = f"the header matches none of the formats {', '.join(names)}"
        raise base.ImportRefused([base.Problem(1, "", shown, reason)])
    return detected


def _scores(name: str, present: set[str]) -> tuple[float, float]:
    required, known = FORMATS[name]
    return _share_present(required, present), _share_present(known, present)


def _share_present(spec: dict[str, tuple[str, ...]], present: set[str]) -> float:
    found = sum(1 for spellings in spec.values() if present.intersection(spellings))
    return found / len(spec)
