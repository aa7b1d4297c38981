"""K-means on customer features: the elbow, a suggested k, the fit, profiles and matching.

Pure numpy/scikit-learn; results are plain dataclasses. Segments are numbered by their
centre's position (lowest spending first), so the same data always gives the same numbering.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from kneed import KneeLocator
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from segments.features import BUSINESS_FEATURES

MAX_K = 15
DEFAULT_KMAX = 10
# Above this many customers the elbow runs on a fixed-seed sample; the final fit uses everyone.
# The curve's shape is what counts: on 1M generated customers, samples of 20,000 and 50,000 (three
# seeds each) suggested the same k for both feature sets and stayed within 8% of the inertia of
# 200,000 customers with 10 restarts, and 20,000 costs 2.5x less.
ELBOW_SAMPLE = 20_000
# Fewer restarts than 3 made the suggested k wobble (rfm, 50,000 customers: 5, 7, 5).
ELBOW_N_INIT = 3
# scikit-learn's own default for k-means++ (n_init="auto"), as in the original notebook: on 1M
# customers, 10 restarts cost 7x the time and lowered the spread at k = 3..5 by under 0.05%.
FIT_N_INIT = 1
SILHOUETTE_SAMPLE = 2_000
# Below this many customers a fit is quicker on one thread than on several.
PARALLEL_FIT_FROM = 200_000
# A step that lowers the spread by less than this is not worth a segment (used without a knee).
SMALL_GAIN = 0.10
# Centres further apart than this (in model units) are different segments, not the same one moved.
MATCH_DISTANCE = 1.0
UNMATCHABLE = 1e6
ORDINALS = (
    *("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"),
    *("ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth"),
    "sixteenth",
)


@dataclass(frozen=True)
class ElbowPoint:
    k: int
    inertia: float
    silhouette: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"k": self.k, "inertia": self.inertia, "silhouette": self.silhouette}


@dataclass(frozen=True)
class KSuggestion:
    k: int
    reason: str
    from_knee: bool


@dataclass(frozen=True)
class KMeansResult:
    labels: np.ndarray  # segment index per customer, 0 = lowest spending centre
    centroids: np.ndarray  # k x features, model space
    distances: np.ndarray  # each customer's distance to its segment's centre
    inertia: float


@dataclass(frozen=True)
class SegmentProfile:
    index: int
    size: int
    share: float
    centroid: list[float]
    profile: dict[str, dict[str, float]]  # feature -> {"mean", "median"} in business units


@dataclass(frozen=True)
class SegmentMatching:
    pairs: dict[int, int] = field(default_factory=dict)  # new index -> previous index
    new: list[int] = field(default_factory=list)
    vanished: list[int] = field(default_factory=list)


def elbow_curve(
    X: np.ndarray,
    kmax: int = DEFAULT_KMAX,
    random_state: int = 42,
    n_init: int = ELBOW_N_INIT,
    sample_size: int = ELBOW_SAMPLE,
) -> list[ElbowPoint]:
    """Spread within segments (inertia) and silhouette for k = 1..kmax, on a fixed sample.

    Inertia is scaled up to all customers, so it reads like the final fit's.
    """
    sample = fixed_sample(X, sample_size, random_state)
    scale = len(X) / max(len(sample), 1)
    scored = fixed_sample(np.arange(len(sample)), SILHOUETTE_SAMPLE, random_state)
    points = []
    # Small fits run faster on one thread: OpenMP's start-up and spinning cost more than they
    # save, and far more when the machine is busy.
    with threadpool_limits(limits=1, user_api="openmp"):
        for k in range(1, usable_kmax(sample, kmax) + 1):
            model = _kmeans(k, random_state, n_init).fit(sample)
            silhouette = _silhouette(sample[scored], model.labels_[scored], random_state)
            points.append(ElbowPoint(k, float(model.inertia_) * scale, silhouette))
    return points


def suggest_k(points: list[ElbowPoint]) -> KSuggestion:
    """The knee of the inertia curve (kneedle), explained in plain words."""
    if len(points) < 2:
        return KSuggestion(1, "Every customer looks the same: one segment.", False)
    ks = [p.k for p in points]
    inertias = [p.inertia for p in points]
    knee = _knee(ks, inertias)
    if knee is not None:
        return KSuggestion(knee, _knee_reason(knee, inertias), True)
    k = next((k for k in ks[1:-1] if _gain(inertias, k) < SMALL_GAIN), ks[-1])
    return KSuggestion(k, _fallback_reason(k, inertias), False)


def fit_kmeans(
    X: np.ndarray, k: int, random_state: int = 42, n_init: int = FIT_N_INIT
) -> KMeansResult:
    """K-means (k-means++, up to 500 iterations) on all rows, segments numbered by centre."""
    threads = 1 if len(X) < PARALLEL_FIT_FROM else None  # None: every core
    with threadpool_limits(limits=threads, user_api="openmp"):
        model = _kmeans(k, random_state, n_init).fit(X)
    centroids = model.cluster_centers_
    order = np.lexsort(centroids.T)  # last feature (spending) first, then the others
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(k)
    labels = relabel[model.labels_]
    centroids = centroids[order]
    distances = np.sqrt(((X - centroids[labels]) ** 2).sum(axis=1))
    return KMeansResult(labels, centroids, distances, float(model.inertia_))


def profile_segments(
    features: pd.DataFrame, result: KMeansResult, columns: tuple[str, ...] = BUSINESS_FEATURES
) -> list[SegmentProfile]:
    """Size, share, centre and the mean and median of each business feature per segment."""
    k = len(result.centroids)
    sizes = np.bincount(result.labels, minlength=k)
    grouped = features.loc[:, list(columns)].astype(float).groupby(result.labels)
    means, medians = grouped.mean(), grouped.median()
    profiles = []
    for index in range(k):
        stats = {column: _stats(means, medians, index, column) for column in columns}
        share = float(sizes[index] / max(len(result.labels), 1))
        centroid = [float(v) for v in result.centroids[index]]
        profiles.append(SegmentProfile(index, int(sizes[index]), share, centroid, stats))
    return profiles


def match_segments(
    new_centroids: np.ndarray, previous_centroids: np.ndarray, max_distance: float = MATCH_DISTANCE
) -> SegmentMatching:
    """Pair new segments with the previous run's by centre distance (Hungarian matching)."""
    new_centroids = np.asarray(new_centroids, dtype=float).reshape(-1, 3)
    previous_centroids = np.asarray(previous_centroids, dtype=float).reshape(-1, 3)
    pairs: dict[int, int] = {}
    if len(new_centroids) and len(previous_centroids):
        cost = np.linalg.norm(new_centroids[:, None, :] - previous_centroids[None, :, :], axis=2)
        # Pairs too far apart cost the same: a far-off segment must not bend the close pairs.
        capped = np.where(cost <= max_distance, cost, UNMATCHABLE)
        rows, cols = linear_sum_assignment(capped)
        pairs = {
            int(r): int(c) for r, c in zip(rows, cols, strict=True) if cost[r, c] <= max_distance
        }
    new = [i for i in range(len(new_centroids)) if i not in pairs]
    matched_previous = set(pairs.values())
    vanished = [i for i in range(len(previous_centroids)) if i not in matched_previous]
    return SegmentMatching(pairs, new, vanished)


def fixed_sample(X: np.ndarray, size: int, seed: int) -> np.ndarray:
    """All rows when there are few, else `size` rows drawn with a fixed seed (in row order)."""
    if len(X) <= size:
        return X
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size, replace=False))
    return X[rows]


def usable_kmax(X: np.ndarray, kmax: int) -> int:
    """kmax, capped at MAX_K and at the number of distinct customers (profiles)."""
    distinct = len(np.unique(X, axis=0)) if len(X) else 0
    return max(0, min(kmax, MAX_K, distinct))


def _kmeans(k: int, random_state: int, n_init: int) -> KMeans:
    return KMeans(
        n_clusters=k, init="k-means++", n_init=n_init, max_iter=500, random_state=random_state
    )


def _silhouette(X: np.ndarray, labels: np.ndarray, random_state: int) -> float | None:
    found = len(np.unique(labels))
    if found < 2 or found >= len(X):
        return None
    return float(silhouette_score(X, labels, random_state=random_state))


def _knee(ks: list[int], inertias: list[float]) -> int | None:
    """Kneedle on the log of the inertia: the bend in relative gains.

    On the raw curve a huge first drop flattens everything after it, and the knee lands
    too early; on a log scale each step counts by the share of spread it removes.
    """
    if len(ks) < 3:
        return None
    values = np.asarray(inertias, dtype=float)
    floor = values[values > 0].min() * 1e-3 if (values > 0).any() else 1.0
    logs = np.log(np.maximum(values, floor))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kneed warns when it finds no knee; None says so
        knee = KneeLocator(ks, logs, curve="convex", direction="decreasing").knee
    return None if knee is None or knee < 2 else int(knee)


def _gain(inertias: list[float], k: int) -> float:
    """Share of the spread at k removed by going to k + 1 (k counts from 1)."""
    if k >= len(inertias) or inertias[k - 1] <= 0:
        return 0.0
    return (inertias[k - 1] - inertias[k]) / inertias[k - 1]


def _knee_reason(k: int, inertias: list[float]) -> str:
    if k >= len(inertias):
        return f"{k} segments: the most that were tried."
    gained, next_gain = _gain(inertias, k - 1), _gain(inertias, k)
    by = "only " if next_gain < gained else ""
    return (
        f"{k} segments: going from {k - 1} to {k} lowered the spread within segments by "
        f"{gained:.0%}; a {ORDINALS[k]} would lower it by {by}{next_gain:.0%}."
    )


def _fallback_reason(k: int, inertias: list[float]) -> str:
    if k >= len(inertias):
        return (
            f"{k} segments: the curve has no clear bend and every extra segment still "
            f"lowers the spread within segments by {SMALL_GAIN:.0%} or more."
        )
    return (
        f"{k} segments: the curve has no clear bend; a {ORDINALS[k]} segment would lower the "
        f"spread within segments by only {_gain(inertias, k):.0%}."
    )


def _stats(means: pd.DataFrame, medians: pd.DataFrame, index: int, column: str) -> dict:
    if index not in means.index:
        return {"mean": 0.0, "median": 0.0}
    return {"mean": float(means.loc[index, column]), "median": float(medians.loc[index, column])}
