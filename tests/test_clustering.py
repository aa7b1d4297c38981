from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from segments.clustering import (
    MAX_K,
    ElbowPoint,
    elbow_curve,
    fit_kmeans,
    fixed_sample,
    match_segments,
    profile_segments,
    suggest_k,
    usable_kmax,
)

CENTRES = np.array([[0.7, 0.6, 3.0], [1.4, 0.0, 5.5], [2.0, 0.05, 8.0], [0.7, 0.0, 6.5]])


def blobs(sizes=(300, 200, 120, 80), spread=0.08, seed=0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    X = CENTRES[truth] + rng.normal(0, spread, (len(truth), 3))
    order = rng.permutation(len(truth))
    return X[order], truth[order]


def curve(inertias: list[float]) -> list[ElbowPoint]:
    return [ElbowPoint(k, inertia, None) for k, inertia in enumerate(inertias, start=1)]


def test_fit_kmeans_well_separated_groups_are_recovered():
    X, truth = blobs()

    result = fit_kmeans(X, 4, random_state=42, n_init=10)

    assert adjusted_rand_score(truth, result.labels) >= 0.95


def test_fit_kmeans_default_is_scikit_learns_default_fit_exactly():
    X, _ = blobs(spread=0.6)

    result = fit_kmeans(X, 4, random_state=7)

    # One thread for both: the sums of a fit depend on how the rows are split among threads.
    with threadpool_limits(limits=1, user_api="openmp"):
        model = KMeans(n_clusters=4, init="k-means++", max_iter=500, random_state=7).fit(X)
    order = np.lexsort(model.cluster_centers_.T)
    np.testing.assert_array_equal(result.centroids, model.cluster_centers_[order])
    np.testing.assert_array_equal(order[result.labels], model.labels_)
    assert result.inertia == model.inertia_


def test_fit_kmeans_same_data_and_random_state_give_identical_labels():
    X, _ = blobs(spread=0.6)  # overlapping groups, where restarts could disagree

    first = fit_kmeans(X, 5, random_state=7, n_init=10)
    second = fit_kmeans(X, 5, random_state=7, n_init=10)

    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.centroids, second.centroids)


def test_fit_kmeans_segments_are_numbered_by_spending_centre():
    X, _ = blobs()

    result = fit_kmeans(X, 4)

    assert list(np.argsort(result.centroids[:, 2])) == [0, 1, 2, 3]


def test_fit_kmeans_distances_are_to_own_centre():
    X, _ = blobs()

    result = fit_kmeans(X, 4)

    expected = np.linalg.norm(X - result.centroids[result.labels], axis=1)
    np.testing.assert_allclose(result.distances, expected)
    assert result.inertia == pytest.approx((expected**2).sum())


def test_elbow_curve_inertia_falls_and_silhouette_starts_at_two():
    X, _ = blobs()

    points = elbow_curve(X, kmax=8)

    assert [p.k for p in points] == list(range(1, 9))
    inertias = [p.inertia for p in points]
    assert inertias == sorted(inertias, reverse=True)
    assert points[0].silhouette is None
    assert all(p.silhouette is not None for p in points[1:])


def test_elbow_curve_on_a_sample_scales_inertia_to_everyone():
    X, _ = blobs(sizes=(3000, 2000, 1200, 800))

    full = elbow_curve(X, kmax=4)
    sampled = elbow_curve(X, kmax=4, sample_size=2000)

    for a, b in zip(full, sampled, strict=True):
        assert b.inertia == pytest.approx(a.inertia, rel=0.15)


def test_elbow_curve_well_separated_groups_suggest_their_number():
    X, _ = blobs()

    suggestion = suggest_k(elbow_curve(X, kmax=10))

    assert suggestion.k == 4


@pytest.mark.parametrize(
    ("inertias", "expected_k", "from_knee"),
    [
        ([1000, 400, 100, 80, 70, 62, 56, 51], 3, True),
        ([1000, 700, 450, 120, 100, 90, 82, 76, 71, 67], 4, True),
        ([1000, 150, 120, 100, 90, 82, 76, 71], 2, True),
        ([100, 90, 80, 70, 60, 50, 40, 30], 8, False),  # no bend: fallback, every step pays
        ([100, 50], 2, False),  # too short for a knee
    ],
)
def test_suggest_k_curves_give_expected_k(inertias, expected_k, from_knee):
    suggestion = suggest_k(curve(inertias))

    assert suggestion.k == expected_k
    assert suggestion.from_knee is from_knee


def test_suggest_k_reason_names_the_gain_of_one_more_segment():
    suggestion = suggest_k(curve([1000, 700, 450, 120, 100, 90, 82, 76, 71, 67]))

    assert suggestion.reason.startswith("4 segments:")
    assert "a fifth would lower it by only 17%" in suggestion.reason


def test_suggest_k_single_point_gives_one_segment():
    assert suggest_k(curve([10.0])).k == 1


def test_usable_kmax_is_capped_by_distinct_rows_and_max_k():
    X = np.array([[0.0, 0, 0], [0.0, 0, 0], [1.0, 1, 1]])

    assert usable_kmax(X, 10) == 2
    assert usable_kmax(blobs()[0], 99) == MAX_K


def test_fixed_sample_same_seed_same_rows():
    X = np.arange(1000).reshape(-1, 1)

    np.testing.assert_array_equal(fixed_sample(X, 100, 1), fixed_sample(X, 100, 1))
    assert len(fixed_sample(X, 5000, 1)) == 1000


def test_profile_segments_sizes_shares_and_statistics():
    features = pd.DataFrame(
        {
            "products_ordered": [1, 3, 2, 10],
            "average_return_rate": [0.5, 0.0, 1.0, 0.0],
            "total_spending": [10.0, 30.0, 20.0, 1000.0],
            "recency_days": [1, 2, 3, 4],
            "order_count": [1, 1, 2, 5],
        }
    )
    result = fit_kmeans(
        np.log1p(
            features[["products_ordered", "average_return_rate", "total_spending"]].to_numpy(float)
        ),
        2,
    )

    profiles = profile_segments(features, result)

    assert [p.size for p in profiles] == [3, 1]
    assert [p.share for p in profiles] == [0.75, 0.25]
    assert profiles[0].profile["total_spending"] == {"mean": 20.0, "median": 20.0}
    assert profiles[1].profile["products_ordered"]["median"] == 10.0
    assert len(profiles[0].centroid) == 3


def test_match_segments_moved_centres_are_paired_and_far_ones_are_not():
    previous = np.array([[0.0, 0, 0], [1.0, 0, 0], [5.0, 5, 5]])
    new = np.array([[1.1, 0, 0], [0.1, 0, 0], [-5.0, -5, -5]])

    matching = match_segments(new, previous)

    assert matching.pairs == {0: 1, 1: 0}
    assert matching.new == [2]
    assert matching.vanished == [2]


def test_match_segments_without_previous_run_everything_is_new():
    matching = match_segments(np.zeros((3, 3)), np.empty((0, 3)))

    assert matching.pairs == {}
    assert matching.new == [0, 1, 2]
    assert matching.vanished == []
