"""The natural key of an order line: a 128-bit digest of its canonical content and occurrence.

A line's content is its canonical columns joined by \\x1f: texts as they are, the day as an ISO
date, quantities as integers and amounts as whole cents, so the key does not depend on how the
file spelled them. Two identical rows in one file are two lines: the k-th repeat (k >= 1) of a
content among the rows of its file hashes `content \\x1f k` instead, so re-importing the same or
an overlapping file maps every line to the key it already has.

The digest is SipHash-2-4 of the UTF-8 text under two fixed 16-byte keys (pandas.util.hash_array,
vectorised: no Python per line), its two 64-bit halves making the 32 hex digits of a UUID.
Changing the hash keys or the content's spelling changes every stored key: it needs a migration
that recomputes them (see recompute_line_keys in services.import_store).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.util import hash_array

from segments.importers.base import AMOUNT_COLUMNS, QUANTITY_COLUMNS, TEXT_COLUMNS

SEPARATOR = "\x1f"
HASH_KEYS = ("segweb.line.key1", "segweb.line.key2")
HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


class LineKeyer:
    """Keys the chunks of one file in order, numbering repeats across chunks as in one frame.

    It remembers the first 64 bits of every content seen (8 bytes a line); two different
    contents sharing them (p ~ n^2 / 2^65) would only share their repeat numbering.
    """

    def __init__(self) -> None:
        self._seen = np.empty(0, dtype=np.uint64)  # sorted
        self._counts: dict[int, int] = {}  # contents seen more than once: how many times

    def keys(self, lines: pd.DataFrame) -> pd.Series:
        """32 hex digits per line, aligned with the lines' index."""
        content = _content(lines)
        first, second = _digests(content)
        occurrence = self._occurrences(first)
        repeated = np.flatnonzero(occurrence)
        if len(repeated):
            suffix = pa.array(occurrence[repeated]).cast(pa.string())
            again = pc.binary_join_element_wise(content.take(repeated), suffix, SEPARATOR)
            first[repeated], second[repeated] = _digests(again)
        return pd.Series(_hex(first, second), index=lines.index)

    def _occurrences(self, digests: np.ndarray) -> np.ndarray:
        """How many times each line's content came before it, in this chunk and earlier ones."""
        within = pd.Series(digests).groupby(digests, sort=False).cumcount().to_numpy()
        unique, counts = np.unique(digests, return_counts=True)
        earlier = self._earlier_counts(unique)
        occurrence = within + earlier[np.searchsorted(unique, digests)]
        totals = earlier + counts
        for position in np.flatnonzero(totals > 1):
            self._counts[int(unique[position])] = int(totals[position])
        new = unique[earlier == 0]
        self._seen = np.insert(self._seen, np.searchsorted(self._seen, new), new)
        return occurrence

    def _earlier_counts(self, unique: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self._seen, unique), max(len(self._seen) - 1, 0))
        seen = self._seen[at] == unique if len(self._seen) else np.zeros(len(unique), dtype=bool)
        earlier = seen.astype(np.int64)
        for position in np.flatnonzero(seen):  # contents of this chunk seen before: rare
            earlier[position] = self._counts.get(int(unique[position]), 1)
        return earlier


def line_keys(lines: pd.DataFrame) -> pd.Series:
    """The keys of one whole file's lines."""
    return LineKeyer().keys(lines)


def _content(lines: pd.DataFrame) -> pa.Array:
    parts = [_text(lines[column]) for column in TEXT_COLUMNS[:2]]
    days = lines["day"].to_numpy().astype("datetime64[D]")
    parts.append(pa.array(days).cast(pa.string()))
    parts += [_text(lines[column]) for column in TEXT_COLUMNS[2:]]
    parts += [pa.array(lines[column].to_numpy(dtype="int64")) for column in QUANTITY_COLUMNS]
    for column in AMOUNT_COLUMNS:
        parts.append(pa.array(np.round(lines[column].to_numpy(dtype="float64") * 100), pa.int64()))
    strings = [part.cast(pa.string()) for part in parts]
    return pc.binary_join_element_wise(*strings, SEPARATOR)


def _text(values: pd.Series) -> pa.Array:
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        return pa.array(values.array)  # no copy
    return pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())


def _digests(content: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    # As bytes: hash_array would encode every str to UTF-8 again.
    texts = content.cast(pa.large_binary()).to_numpy(zero_copy_only=False)
    first, second = (hash_array(texts, hash_key=key, categorize=False) for key in HASH_KEYS)
    return first, second


def _hex(first: np.ndarray, second: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Two 64-bit halves as 32 lower-case hex digits each line (big-endian, like a UUID)."""
    halves = np.empty((len(first), 2), dtype=">u8")
    halves[:, 0], halves[:, 1] = first, second
    octets = halves.view(np.uint8).reshape(len(first), 16)
    nibbles = np.empty((len(first), 32), dtype=np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = octets >> 4, octets & 15
    digits = pa.py_buffer(HEX_DIGITS[nibbles].tobytes())
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), len(first), [None, digits])
    return pd.arrays.ArrowStringArray(fixed.cast(pa.binary()).cast(pa.large_string()))
