"""Plotly figure builders (DataFrame -> Figure) and the helper that renders them to HTML.

No Django here: pages pass frames in and put the returned HTML fragments in templates. plotly.js
itself is served once from the app's static files, so fragments never embed or fetch it.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segments.summaries import Histogram

PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
# JSON inside HTML: these characters could close the element or start markup.
JSON_IN_HTML = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

FEATURE_LABELS = {
    "products_ordered": "Product types ordered",
    "average_return_rate": "Average return rate",
    "total_spending": "Total spending",
}
STUDY_AXES = ("log1p(products ordered)", "log1p(return rate)", "log1p(spending)")
RFM_AXES = ("recency (standardised)", "frequency (standardised)", "monetary (standardised)")
MAX_SCATTER_POINTS = 5000
SCATTER_MARKER_SIZE = 3.5
ELBOW_LEGEND = {"x": 0.98, "xanchor": "right", "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"}
LAYOUT = {"margin": {"l": 50, "r": 20, "t": 50, "b": 50}, "template": "plotly_white"}


def elbow_frame(elbow: list[dict]) -> pd.DataFrame:
    """run.elbow ([{"k", "inertia", "silhouette"}]) as a frame sorted by k."""
    frame = pd.DataFrame(elbow or [], columns=["k", "inertia", "silhouette"])
    return frame.sort_values("k").reset_index(drop=True)


def elbow_figure(frame: pd.DataFrame, suggested_k: int | None, chosen_k: int | None) -> go.Figure:
    """Inertia by k, with the suggested k (elbow) and the chosen k marked."""
    fig = go.Figure(
        go.Scatter(x=frame["k"], y=frame["inertia"], mode="lines+markers", name="inertia")
    )
    marks = [(suggested_k, "suggested k", "diamond-open", 18), (chosen_k, "chosen k", "star", 14)]
    for k, label, symbol, size in marks:
        point = frame[frame["k"] == k]
        if k is None or point.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=point["k"],
                y=point["inertia"],
                mode="markers",
                name=f"{label} = {k}",
                marker={"symbol": symbol, "size": size, "line": {"width": 2}},
            )
        )
    fig.update_layout(title="Elbow: inertia by k", xaxis_title="k", yaxis_title="inertia", **LAYOUT)
    # Inertia falls with k, so the top right corner is free for the legend, even on a phone.
    fig.update_layout(legend=ELBOW_LEGEND)
    return fig.update_xaxes(dtick=1)


def silhouette_figure(frame: pd.DataFrame) -> go.Figure:
    scored = frame.dropna(subset=["silhouette"])
    fig = go.Figure(go.Scatter(x=scored["k"], y=scored["silhouette"], mode="lines+markers"))
    fig.update_layout(title="Silhouette by k", xaxis_title="k", yaxis_title="silhouette", **LAYOUT)
    return fig.update_xaxes(dtick=1)


def sizes_figure(segments: pd.DataFrame) -> go.Figure:
    """Customers per segment; `segments` has columns segment, name, size, colour."""
    fig = go.Figure(
        go.Bar(
            x=[plain_text(name) for name in segments["name"]],
            y=segments["size"],
            marker_color=list(segments["colour"]),
            text=segments["size"],
            textposition="auto",
        )
    )
    fig.update_layout(title="Segment sizes", yaxis_title="customers", **LAYOUT)
    return fig


def distributions_figure(histograms: dict[str, dict[str, Histogram]]) -> go.Figure:
    """Histograms of the three features over every customer: raw on the top row, log1p below.

    `histograms` is ChartData.histograms: counts per bin, binned when the run was saved.
    """
    short = ("Product types", "Return rate", "Spending")
    titles = [*short, *(f"log1p({label.lower()})" for label in short)]
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles)
    for position, column in enumerate(FEATURE_LABELS, start=1):
        for row, scale in enumerate(("raw", "log1p"), start=1):
            fig.add_trace(histogram_bars(histograms[column][scale]), row=row, col=position)
    fig.update_layout(title="Feature distributions", height=620, bargap=0, **LAYOUT)
    # Room between the figure's title and the subplot titles of the top row.
    return fig.update_layout(margin={"t": 90})


def histogram_bars(histogram: Histogram) -> go.Bar:
    """Pre-binned counts drawn as a histogram: one bar per bin, as wide as the bin."""
    edges = np.asarray(histogram.edges, dtype=float)
    widths = np.diff(edges)
    return go.Bar(
        x=edges[:-1] + widths / 2,
        y=histogram.counts,
        width=widths,
        showlegend=False,
    )


def scatter_3d_figure(
    points: pd.DataFrame,
    segments: pd.DataFrame,
    axis_titles: tuple[str, str, str] = STUDY_AXES,
    max_points: int = MAX_SCATTER_POINTS,
) -> go.Figure:
    """The model's inputs (input_1..3) coloured by segment, sampled to at most `max_points`."""
    if len(points) > max_points:
        points = points.sample(n=max_points, random_state=0)
    fig = go.Figure()
    for segment in segments.itertuples(index=False):
        members = points[points["segment"] == segment.segment]
        fig.add_trace(
            go.Scatter3d(
                x=members["input_1"],
                y=members["input_2"],
                z=members["input_3"],
                mode="markers",
                name=plain_text(segment.name),
                marker={"size": SCATTER_MARKER_SIZE, "color": segment.colour, "opacity": 0.8},
            )
        )
    scene = dict(zip(("xaxis_title", "yaxis_title", "zaxis_title"), axis_titles, strict=True))
    # Camera further out than Plotly's default so that tick labels and axis titles stay inside.
    # No fixed height: the page gives the figure a shape that suits the screen (segweb.css).
    scene["camera"] = {"eye": {"x": 1.6, "y": 1.6, "z": 1.0}}
    fig.update_layout(
        title="Customers in model space",
        scene=scene,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        # Legend swatches at a readable size whatever the markers' size.
        legend={"itemsizing": "constant", "orientation": "h", "x": 0, "y": 1.08},
    )
    return fig


def plain_text(text: str) -> str:
    """Text as Plotly should show it, not as markup.

    Plotly renders a subset of HTML (links, <b>, <br>) in tick labels, legends and hover text,
    so a segment named `<a href=...>` would become a link. Escaped, it shows as typed.
    """
    return html.escape(str(text), quote=False)


def render_figure(fig: go.Figure, div_id: str) -> str:
    return render_figure_json(fig.to_json(), div_id)


def render_figure_json(figure_json: str, div_id: str) -> str:
    """A placeholder and the figure (as Plotly JSON) as data, which static/segments/charts.js
    draws.

    The data sits in a script element of type application/json, which never runs: pages need
    no inline script, so the Content-Security-Policy allows scripts from the app only.
    """
    payload = f'{{"figure": {figure_json}, "config": {json.dumps(PLOTLY_CONFIG)}}}'
    return (
        f'<div id="{div_id}" class="plotly-chart" data-figure="{div_id}-figure"></div>'
        f'<script type="application/json" id="{div_id}-figure">'
        f"{payload.translate(JSON_IN_HTML)}</script>"
    )
