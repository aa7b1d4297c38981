from __future__ import annotations

import numpy as np
import pytest

from segments import summaries


def columns(n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(3)
    segments = rng.integers(0, 3, n)
    values = {
        "products_ordered": rng.integers(1, 30, n),
        "average_return_rate": rng.random(n),
        "total_spending": rng.random(n) * 5000,
        "input_1": rng.random(n),
        "input_2": rng.random(n),
        "input_3": rng.random(n),
    }
    return segments, values


@pytest.mark.parametrize(
    ("total", "limit", "expected"),
    [
        (0, 5, []),
        (3, 5, [0, 1, 2]),
        (10, 5, [0, 2, 4, 6, 8]),
        (11, 5, [0, 3, 6, 9]),
        (7, 1, [0]),
    ],
)
def test_sample_positions_every_nth_at_most_limit(total, limit, expected) -> None:
    assert summaries.sample_positions(total, limit).tolist() == expected


def test_histogram_equal_bins_last_includes_the_largest_value() -> None:
    found = summaries.histogram(np.array([0.0, 1.0, 1.0, 2.0, 10.0]), bins=5)
    assert found.edges == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert found.counts == [3, 1, 0, 0, 1]


@pytest.mark.parametrize("values", [[], [np.nan, np.inf]])
def test_histogram_no_finite_values_has_no_bins(values) -> None:
    assert summaries.histogram(np.array(values)) == summaries.Histogram(edges=[], counts=[])


def test_chart_data_histograms_count_every_customer_raw_and_log1p() -> None:
    segments, values = columns(1234)
    data = summaries.chart_data(segments, values, values)
    for feature in summaries.HISTOGRAM_FEATURES:
        raw, log = data.histograms[feature]["raw"], data.histograms[feature]["log1p"]
        assert sum(raw.counts) == sum(log.counts) == 1234
        assert len(raw.counts) == summaries.HISTOGRAM_BINS
        assert raw.edges[-1] == pytest.approx(values[feature].max())
        assert log.edges[-1] == pytest.approx(np.log1p(values[feature].max()))


def test_chart_data_sample_keeps_rows_together() -> None:
    segments, values = columns(12_000)
    sample = summaries.chart_data(segments, values, values).sample
    positions = summaries.sample_positions(12_000)
    assert len(sample["segment"]) == len(positions) <= summaries.SAMPLE_POINTS
    assert sample["segment"] == segments[positions].tolist()
    np.testing.assert_allclose(sample["input_2"], values["input_2"][positions], atol=1e-4)


def test_chart_data_json_round_trip() -> None:
    segments, values = columns(50)
    data = summaries.chart_data(segments, values, values)
    assert summaries.ChartData.from_json(data.as_json()) == data
