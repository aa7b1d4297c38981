from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segments import selectors, summaries
from segments.models import Assignment, Customer, RunSummary, SegmentationRun
from segments.services import run_execution, run_summaries, runs
from tests import factories
from tests.run_data import groups_lines, insert_lines

pytestmark = pytest.mark.django_db
ASSIGNMENTS = "segments_assignment"
DAY = dt.timedelta(days=1)


@pytest.fixture
def executed() -> SegmentationRun:
    """A run computed by the engine on 90 customers in three groups, some of them reachable."""
    insert_lines(groups_lines((40, 30, 20)))
    Customer.objects.filter(pk__in=Customer.objects.order_by("pk").values("pk")[:25]).update(
        email="a@example.com", accepts_email_marketing=True
    )
    Customer.objects.filter(pk__in=Customer.objects.order_by("-pk").values("pk")[:10]).update(
        phone="+442079460958", accepts_sms_marketing=True
    )
    run, _ = runs.request_run(SegmentationRun.Trigger.MANUAL, enqueue=False, k=3)
    run = run_execution.execute_run(run.pk)
    assert run.status == SegmentationRun.Status.SUCCEEDED, run.error
    return run


def stored_columns(run: SegmentationRun) -> tuple[np.ndarray, dict]:
    """The run's columns as the pages used to read them: from its assignments, in id order."""
    names = (*summaries.HISTOGRAM_FEATURES, *summaries.INPUTS)
    rows = run.assignments.order_by("id").values_list("segment__index", *names)
    table = np.array(list(rows), dtype=float)
    return table[:, 0].astype(int), dict(zip(names, table[:, 1:].T, strict=True))


def reads_assignments(captured: CaptureQueriesContext) -> bool:
    return any(ASSIGNMENTS in query["sql"] for query in captured.captured_queries)


def test_save_summary_stores_reach_equal_to_the_grouped_query(executed) -> None:
    summary = RunSummary.objects.get(run=executed)
    assert summary.reach == selectors.count_reach(executed)
    assert sum(email for email, _ in summary.reach.values()) == 25
    assert sum(sms for _, sms in summary.reach.values()) == 10


def test_save_summary_chart_data_equals_the_assignments(executed) -> None:
    stored = summaries.ChartData.from_json(RunSummary.objects.get(run=executed).chart_data)
    segments, columns = stored_columns(executed)
    assert stored == summaries.chart_data(segments, columns, columns)
    sizes = {s.index: s.size for s in executed.segments.all()}
    assert sizes == dict(zip(*np.unique(segments, return_counts=True), strict=True))


def test_segments_with_reach_reads_stored_counts_not_assignments(executed) -> None:
    with CaptureQueriesContext(connection) as captured:
        segments = run_summaries.segments_with_reach(executed)
    assert not reads_assignments(captured)
    reach = RunSummary.objects.get(run=executed).reach
    assert {str(s.pk): [s.reachable_by_email, s.reachable_by_sms] for s in segments} == reach


def test_segments_with_reach_run_without_summary_counts_and_stores() -> None:
    run = factories.segmented_run(sizes=(2, 1))
    Customer.objects.update(email="a@example.com", accepts_email_marketing=True)
    assert [s.reachable_by_email for s in run_summaries.segments_with_reach(run)] == [2, 1]
    assert RunSummary.objects.get(run=run).reach == selectors.count_reach(run)


def test_segments_with_reach_after_a_contacts_import_counts_again(executed) -> None:
    Customer.objects.update(email="", accepts_email_marketing=False)
    factories.DataImportFactory(kind="contacts")
    segments = run_summaries.segments_with_reach(executed)
    assert [s.reachable_by_email for s in segments] == [0, 0, 0]
    with CaptureQueriesContext(connection) as captured:
        run_summaries.segments_with_reach(executed)
    assert not reads_assignments(captured)


def test_refresh_reach_recounts_the_current_run_only(executed) -> None:
    older = factories.segmented_run(sizes=(1,), finished_at=executed.finished_at - DAY)
    Customer.objects.update(email="b@example.com", accepts_email_marketing=True)
    imported = factories.DataImportFactory(kind="contacts")
    run_summaries.refresh_reach()
    summary = RunSummary.objects.get(run=executed)
    assert summary.reach_version == imported.pk
    assert sum(email for email, _ in summary.reach.values()) == 90
    assert not RunSummary.objects.filter(run=older).exists()


def test_run_figures_drawn_once_then_read_back(executed, monkeypatch) -> None:
    segments = selectors.run_segments(executed)
    first = run_summaries.run_figures(executed, segments)
    assert set(first) == {
        "elbow_chart",
        "silhouette_chart",
        "sizes_chart",
        "distributions_chart",
        "scatter_chart",
    }
    monkeypatch.setattr(run_summaries, "draw_figures", pytest.fail)
    with CaptureQueriesContext(connection) as captured:
        assert run_summaries.run_figures(executed, segments) == first
    assert not reads_assignments(captured)


def test_run_figures_renamed_segment_is_drawn_again(executed) -> None:
    segments = selectors.run_segments(executed)
    run_summaries.run_figures(executed, segments)
    segments[0].custom_name = "Window shoppers"
    figures = run_summaries.run_figures(executed, segments)
    assert "Window shoppers" in figures["sizes_chart"]
    assert "Window shoppers" in figures["scatter_chart"]


def test_run_figures_run_without_summary_reads_its_assignments_once() -> None:
    run = factories.segmented_run(sizes=(30, 20))
    segments = selectors.run_segments(run)
    run_summaries.run_figures(run, segments)
    stored = summaries.ChartData.from_json(RunSummary.objects.get(run=run).chart_data)
    indexes, columns = stored_columns(run)
    assert stored == summaries.chart_data(indexes, columns, columns)
    assert len(stored.sample["segment"]) == 50
    RunSummary.objects.filter(run=run).update(figures_key="")
    with CaptureQueriesContext(connection) as captured:
        run_summaries.run_figures(run, segments)
    assert not reads_assignments(captured)


def test_run_figures_histograms_count_every_customer(executed) -> None:
    figures = run_summaries.run_figures(executed, selectors.run_segments(executed))
    payload = figures["distributions_chart"].split('type="application/json"', 1)[1]
    figure = json.loads(payload.split(">", 1)[1].rsplit("</script>", 1)[0])["figure"]
    assert len(figure["data"]) == 6
    assert all(sum(trace["y"]) == Assignment.objects.count() for trace in figure["data"])
