"""What a run's pages draw, computed once from the run's columns when it is saved.

Pure numpy: histograms of the business features over every customer (raw and after log1p) and
an evenly spaced sample of the model's inputs for the 3D view. The result is plain JSON, so a
page reads it back instead of scanning a million assignments on every view.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

HISTOGRAM_FEATURES = ("products_ordered", "average_return_rate", "total_spending")
INPUTS = ("input_1", "input_2", "input_3")
HISTOGRAM_BINS = 40
SAMPLE_POINTS = 5000
# Enough for a point on screen; keeps the stored sample (and the page) small.
SAMPLE_DECIMALS = 4


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; bin i spans edges[i]..edges[i + 1] (the last bin includes its end)."""

    edges: list[float]
    counts: list[int]


@dataclass(frozen=True)
class ChartData:
    # {"<feature>": {"raw": Histogram, "log1p": Histogram}}
    histograms: dict[str, dict[str, Histogram]]
    # {"segment": [index, ...], "input_1": [...], "input_2": [...], "input_3": [...]}
    sample: dict[str, list]

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ChartData:
        histograms = {
            feature: {scale: Histogram(**bins) for scale, bins in scales.items()}
            for feature, scales in data["histograms"].items()
        }
        return cls(histograms=histograms, sample=data["sample"])


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> Histogram:
    """Equal-width bins from the smallest value to the largest; no values, no bins."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return Histogram(edges=[], counts=[])
    counts, edges = np.histogram(finite, bins=bins)
    return Histogram(edges=edges.tolist(), counts=counts.tolist())


def sample_positions(total: int, limit: int = SAMPLE_POINTS) -> np.ndarray:
    """At most `limit` positions out of `total`, every n-th from the first."""
    step = max(1, math.ceil(total / limit)) if total else 1
    return np.arange(0, total, step)[:limit]


def chart_data(
    segments: np.ndarray, features: dict[str, np.ndarray], inputs: dict[str, np.ndarray]
) -> ChartData:
    """The run's histograms and 3D sample; `segments` holds each customer's segment index."""
    histograms = {}
    for name in HISTOGRAM_FEATURES:
        values = np.asarray(features[name], dtype=float)
        histograms[name] = {
            "raw": histogram(values),
            "log1p": histogram(np.log1p(np.clip(values, 0, None))),
        }
    chosen = sample_positions(len(segments))
    sample: dict[str, list] = {"segment": np.asarray(segments)[chosen].astype(int).tolist()}
    for name in INPUTS:
        picked = np.asarray(inputs[name], dtype=float)[chosen]
        sample[name] = np.round(picked, SAMPLE_DECIMALS).tolist()
    return ChartData(histograms=histograms, sample=sample)
