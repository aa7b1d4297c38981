"""The natural key of an order line: a digest of its canonical content and its occurrence.

Two identical rows in one file are two lines, so the key also counts the occurrence of the
row among identical rows of its file: re-importing the same or an overlapping file then
maps every line to the key it already has. Amounts enter as whole cents and days as ISO
dates, so the key does not depend on how the file spelled them.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from segments.importers.base import AMOUNT_COLUMNS, QUANTITY_COLUMNS, TEXT_COLUMNS

SEPARATOR = "\x1f"


def line_keys(lines: pd.DataFrame) -> pd.Series:
    """32 hex characters per line, aligned with the lines' index."""
    content = _content(lines)
    occurrence = content.groupby(content, sort=False).cumcount().astype(str)
    keyed = (content + SEPARATOR + occurrence).tolist()
    digests = [hashlib.blake2b(text.encode(), digest_size=16).hexdigest() for text in keyed]
    return pd.Series(digests, index=lines.index, dtype=object)


def _content(lines: pd.DataFrame) -> pd.Series:
    parts = [lines[column].astype(str) for column in TEXT_COLUMNS[:2]]
    days = lines["day"].to_numpy().astype("datetime64[D]").astype(str)
    parts.append(pd.Series(days, index=lines.index))
    parts += [lines[column].astype(str) for column in TEXT_COLUMNS[2:]]
    parts += [lines[column].astype("int64").astype(str) for column in QUANTITY_COLUMNS]
    for column in AMOUNT_COLUMNS:
        cents = np.round(lines[column].to_numpy(dtype="float64") * 100).astype("int64")
        parts.append(pd.Series(cents, index=lines.index).astype(str))
    content = parts[0]
    for part in parts[1:]:
        content = content + SEPARATOR + part
    return content
