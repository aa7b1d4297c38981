from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segments import charts, summaries

ELBOW = [
    {"k": 3, "inertia": 40.0, "silhouette": 0.45},
    {"k": 1, "inertia": 100.0, "silhouette": None},
    {"k": 2, "inertia": 55.0, "silhouette": 0.5},
    {"k": 4, "inertia": 35.0, "silhouette": 0.4},
]
SEGMENTS = pd.DataFrame(
    {"segment": [0, 1], "name": ["Low", "High"], "colour": ["#111111", "#222222"], "size": [7, 3]}
)


def points(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "segment": rng.integers(0, 2, n),
            "products_ordered": rng.integers(1, 20, n),
            "average_return_rate": rng.random(n),
            "total_spending": rng.random(n) * 1000,
            "input_1": rng.random(n),
            "input_2": rng.random(n),
            "input_3": rng.random(n),
        }
    )


def test_elbow_frame_sorts_by_k() -> None:
    assert list(charts.elbow_frame(ELBOW)["k"]) == [1, 2, 3, 4]


def test_elbow_frame_empty_has_columns() -> None:
    assert list(charts.elbow_frame([]).columns) == ["k", "inertia", "silhouette"]


def test_elbow_figure_marks_suggested_and_chosen_k() -> None:
    fig = charts.elbow_figure(charts.elbow_frame(ELBOW), suggested_k=2, chosen_k=3)
    marks = {trace.name: (list(trace.x), list(trace.y)) for trace in fig.data[1:]}
    assert marks == {"suggested k = 2": ([2], [55.0]), "chosen k = 3": ([3], [40.0])}
    assert list(fig.data[0].y) == [100.0, 55.0, 40.0, 35.0]


@pytest.mark.parametrize(("suggested", "chosen", "marks"), [(None, 2, 1), (9, None, 0)])
def test_elbow_figure_missing_k_draws_no_mark(suggested, chosen, marks) -> None:
    fig = charts.elbow_figure(charts.elbow_frame(ELBOW), suggested, chosen)
    assert len(fig.data) == 1 + marks


def test_silhouette_figure_skips_k_without_score() -> None:
    fig = charts.silhouette_figure(charts.elbow_frame(ELBOW))
    assert list(fig.data[0].x) == [2, 3, 4]


def test_sizes_figure_uses_segment_colours() -> None:
    bar = charts.sizes_figure(SEGMENTS).data[0]
    assert list(bar.y) == [7, 3]
    assert list(bar.marker.color) == ["#111111", "#222222"]


def test_distributions_figure_draws_stored_bins_raw_and_log1p() -> None:
    frame = points(50)
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    data = summaries.chart_data(frame["segment"].to_numpy(), columns, columns)
    fig = charts.distributions_figure(data.histograms)
    assert len(fig.data) == 6
    spending = data.histograms["total_spending"]
    assert list(fig.data[4].y) == spending["raw"].counts
    assert list(fig.data[5].y) == spending["log1p"].counts
    np.testing.assert_allclose(np.asarray(fig.data[4].width), np.diff(spending["raw"].edges))


def test_histogram_bars_centred_on_their_bins() -> None:
    bars = charts.histogram_bars(summaries.Histogram(edges=[0.0, 2.0, 6.0], counts=[4, 1]))
    assert (list(bars.x), list(bars.y), list(bars.width)) == ([1.0, 4.0], [4, 1], [2.0, 4.0])


def test_scatter_3d_figure_samples_to_limit_and_colours_by_segment() -> None:
    fig = charts.scatter_3d_figure(points(300), SEGMENTS, max_points=100)
    assert sum(len(trace.x) for trace in fig.data) == 100
    assert [trace.marker.color for trace in fig.data] == ["#111111", "#222222"]
    assert fig.layout.scene.xaxis.title.text == charts.STUDY_AXES[0]


def test_scatter_3d_figure_markers_and_legend_are_readable() -> None:
    fig = charts.scatter_3d_figure(points(50), SEGMENTS)
    assert all(trace.marker.size >= 3 for trace in fig.data)
    assert fig.layout.legend.itemsizing == "constant"
    assert fig.layout.height is None  # the page's CSS shapes the figure (segweb.css)


def test_elbow_figure_legend_sits_inside_top_right() -> None:
    fig = charts.elbow_figure(charts.elbow_frame(ELBOW), suggested_k=2, chosen_k=3)
    assert (fig.layout.legend.xanchor, fig.layout.legend.x) == ("right", 0.98)


def test_scatter_3d_figure_default_limit_is_5000() -> None:
    fig = charts.scatter_3d_figure(points(6000), SEGMENTS)
    assert sum(len(trace.x) for trace in fig.data) == 5000


def test_render_figure_fragment_without_plotlyjs() -> None:
    html = charts.render_figure(charts.sizes_figure(SEGMENTS), "sizes-chart")
    assert 'id="sizes-chart"' in html
    assert "<html" not in html
    assert "cdn" not in html.lower()
    assert len(html) < 50_000


NAMED = pd.DataFrame(
    {
        "segment": [0, 1],
        "name": ['<a href="https://evil.example">Win</a>', "Tom & Jerry's <b>best</b>"],
        "colour": ["#111111", "#222222"],
        "size": [7, 3],
    }
)
ESCAPED = [
    '&lt;a href="https://evil.example"&gt;Win&lt;/a&gt;',
    "Tom &amp; Jerry's &lt;b&gt;best&lt;/b&gt;",
]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("VIP \u00b7 Loyal", "VIP \u00b7 Loyal"),
        ("<br>", "&lt;br&gt;"),
        ("a & b", "a &amp; b"),
        ("<a href='x'>y</a>", "&lt;a href='x'&gt;y&lt;/a&gt;"),
    ],
)
def test_plain_text_markup_is_escaped(text: str, shown: str) -> None:
    assert charts.plain_text(text) == shown


def test_sizes_figure_segment_names_cannot_become_links() -> None:
    assert list(charts.sizes_figure(NAMED).data[0].x) == ESCAPED


def test_scatter_3d_figure_legend_names_cannot_become_links() -> None:
    fig = charts.scatter_3d_figure(points(50), NAMED)
    assert [trace.name for trace in fig.data] == ESCAPED
    assert "<a href" not in charts.render_figure(fig, "scatter-chart")
