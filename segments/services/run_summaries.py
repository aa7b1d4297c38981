"""Run summaries: what the run page and the dashboard show, stored with the run.

A run's summary is written in the transaction that saves the run (save_summary): the chart
data, from the columns the run already holds in memory, and each segment's reach, counted once.
Pages read it back; what is missing or out of date is made on the spot and stored:
- chart data of a run saved before summaries existed (read once from its assignments);
- figures, drawn on the first view and again when a segment's name or colour changes;
- reach counts, after a contacts import changed consent or contact details. The import
  recounts the current run's in its own transaction (refresh_reach); a run that becomes
  current again later, or one saved while an import ran, is recounted on its next view.

PostgreSQL-specific: an old run's columns are read with COPY ... TO STDOUT.
"""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow.csv as pa_csv
from django.db import connection

from segments import charts, selectors, summaries
from segments.models import Assignment, RunSummary, Segment, SegmentationRun
from segments.services.run_store import AssignmentRows

# Part of the figures' key: a change to how charts are drawn redraws the stored figures.
FIGURES_VERSION = 1
ASSIGNMENT_TABLE = Assignment._meta.db_table
SEGMENT_TABLE = Segment._meta.db_table


def save_summary(
    run: SegmentationRun, segments: list[Segment], labels: np.ndarray, rows: AssignmentRows
) -> None:
    """Store the run's chart data and reach; inside the transaction that saves the run."""
    indexes = np.array([segment.index for segment in segments])[labels]
    columns = rows.columns
    data = summaries.chart_data(indexes, columns, columns)
    version = selectors.latest_contacts_import_id()
    RunSummary.objects.create(
        run=run, chart_data=data.as_json(), reach=selectors.count_reach(run), reach_version=version
    )


def segments_with_reach(run: SegmentationRun) -> list[Segment]:
    """The run's segments, each with `reachable_by_email` and `reachable_by_sms` counts."""
    segments = selectors.run_segments(run)
    reach = _current_reach(run)
    for segment in segments:
        segment.reachable_by_email, segment.reachable_by_sms = reach.get(str(segment.pk), (0, 0))
    return segments


def refresh_reach() -> None:
    """Count the current run's reach again: after a contacts import, in its transaction."""
    run = selectors.current_run()
    if run is not None:
        _store_reach(run)


def _current_reach(run: SegmentationRun) -> dict[str, list[int]]:
    stored = RunSummary.objects.filter(run=run).values("reach", "reach_version").first()
    latest = selectors.latest_contacts_import_id()
    if stored and stored["reach"] is not None and stored["reach_version"] == latest:
        return stored["reach"]
    return _store_reach(run)


def _store_reach(run: SegmentationRun) -> dict[str, list[int]]:
    # Read the version first: an import that commits while we count only makes us count again.
    version = selectors.latest_contacts_import_id()
    reach = selectors.count_reach(run)
    RunSummary.objects.update_or_create(
        run=run, defaults={"reach": reach, "reach_version": version}
    )
    return reach


def run_figures(run: SegmentationRun, segments: list[Segment]) -> dict[str, str]:
    """The run page's figures as HTML fragments, keyed by element id with underscores.

    Drawn once and stored; drawn again when a segment is renamed or recoloured.
    """
    summary = RunSummary.objects.filter(run=run).defer("chart_data", "reach").first()
    key = _figures_key(segments)
    if summary is None or summary.figures_key != key:
        data = _chart_data(run, summary)
        figures = {name: fig.to_json() for name, fig in draw_figures(run, segments, data).items()}
        RunSummary.objects.update_or_create(
            run=run, defaults={"figures": figures, "figures_key": key}
        )
    else:
        figures = summary.figures
    return {
        name.replace("-", "_"): charts.render_figure_json(figure, name)
        for name, figure in figures.items()
    }


def draw_figures(
    run: SegmentationRun, segments: list[Segment], data: summaries.ChartData
) -> dict[str, go.Figure]:
    elbow = charts.elbow_frame(run.elbow)
    sizes = selectors.segments_frame(segments)
    rfm = run.feature_set == SegmentationRun.FeatureSet.RFM
    axes = charts.RFM_AXES if rfm else charts.STUDY_AXES
    return {
        "elbow-chart": charts.elbow_figure(elbow, run.suggested_k, run.chosen_k),
        "silhouette-chart": charts.silhouette_figure(elbow),
        "sizes-chart": charts.sizes_figure(sizes),
        "distributions-chart": charts.distributions_figure(data.histograms),
        "scatter-chart": charts.scatter_3d_figure(pd.DataFrame(data.sample), sizes, axes),
    }


def _figures_key(segments: list[Segment]) -> str:
    drawn = [FIGURES_VERSION, [(s.index, s.display_name, s.colour) for s in segments]]
    return hashlib.sha256(json.dumps(drawn).encode()).hexdigest()


def _chart_data(run: SegmentationRun, summary: RunSummary | None) -> summaries.ChartData:
    if summary is not None and summary.chart_data is not None:
        return summaries.ChartData.from_json(summary.chart_data)
    data = summaries.chart_data(*_load_columns(run))
    RunSummary.objects.update_or_create(run=run, defaults={"chart_data": data.as_json()})
    return data


def _load_columns(run: SegmentationRun) -> tuple[np.ndarray, dict, dict]:
    """A run saved before summaries existed: its columns, read from its assignments in id
    order (the order they were saved in) through COPY, with no Python object per row."""
    names = (*summaries.HISTOGRAM_FEATURES, *summaries.INPUTS)
    columns = ", ".join(f"a.{name}" for name in names)
    sql = (
        f"COPY (SELECT s.index, {columns} FROM {ASSIGNMENT_TABLE} a "
        f"JOIN {SEGMENT_TABLE} s ON s.id = a.segment_id WHERE a.run_id = %s ORDER BY a.id) "
        "TO STDOUT (FORMAT csv)"
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, [run.pk]) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    options = pa_csv.ReadOptions(column_names=["segment", *names])
    table = pa_csv.read_csv(buffer, read_options=options)
    values = {name: table[name].to_numpy() for name in names}
    return table["segment"].to_numpy(), values, values
