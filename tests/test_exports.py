from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from segments import exports
from segments.models import ExportRecord
from tests import factories


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44", "'+44"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("C001", "C001"),
        ("", ""),
        (-3, -3),
        (-12.5, -12.5),
        (None, None),
    ],
)
def test_neutralise_cell_quotes_formula_text_only(value, expected) -> None:
    assert exports.neutralise_cell(value) == expected


def test_csv_lines_header_then_neutralised_rows() -> None:
    lines = list(exports.csv_lines([["=cmd", 1, -2.5]], ("a", "b", "c")))
    assert list(csv.reader(io.StringIO("".join(lines)))) == [
        ["a", "b", "c"],
        ["'=cmd", "1", "-2.5"],
    ]


def read(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


@pytest.mark.django_db
def test_stream_export_writes_every_column_and_records_rows() -> None:
    finished = timezone.now()
    run = factories.SegmentationRunFactory(finished_at=finished)
    segment = factories.SegmentFactory(run=run, index=3, name="Big spenders", custom_name="VIPs")
    customer = factories.CustomerFactory(external_id="C7")
    factories.AssignmentFactory(
        segment=segment,
        customer=customer,
        products_ordered=5,
        average_return_rate=0.25,
        total_spending=1234.567,
    )
    user = factories.marketing_user()
    rows = read(exports.stream_export(run, user=user))
    assert rows == [
        list(exports.FULL_COLUMNS),
        ["C7", "3", "VIPs", "5", "0.25", "1234.57", str(run.pk), finished.date().isoformat()],
    ]
    record = ExportRecord.objects.get()
    assert (record.user, record.run, record.segment, record.rows) == (user, run, None, 1)


@pytest.mark.django_db
def test_stream_export_segment_only_its_members() -> None:
    run = factories.segmented_run(sizes=(2, 3))
    segment = run.segments.get(index=0)
    rows = read(exports.stream_export(run, segment))
    assert len(rows) == 3
    assert ExportRecord.objects.get().segment == segment


@pytest.mark.django_db
def test_stream_export_command_columns_drop_run_fields() -> None:
    run = factories.segmented_run(sizes=(1,))
    rows = read(exports.stream_export(run, columns=exports.COMMAND_COLUMNS))
    assert rows[0] == list(exports.COMMAND_COLUMNS)
    assert len(rows[1]) == 6


@pytest.mark.django_db
def test_stream_export_neutralises_customer_and_segment_names() -> None:
    segment = factories.SegmentFactory(name="+Danger")
    factories.AssignmentFactory(
        segment=segment, customer=factories.CustomerFactory(external_id="@evil")
    )
    rows = read(exports.stream_export(segment.run, segment))
    assert rows[1][:3] == ["'@evil", str(segment.index), "'+Danger"]
    assert rows[1][3] == "1"


@pytest.mark.django_db
def test_stream_export_closed_early_records_rows_written() -> None:
    run = factories.segmented_run(sizes=(5,))
    lines = exports.stream_export(run)
    next(lines)
    next(lines)
    next(lines)
    lines.close()
    assert ExportRecord.objects.get().rows == 2


@pytest.mark.django_db
def test_stream_export_reads_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows come through .iterator(chunk_size), so memory does not grow with the run."""
    seen: list[int] = []
    original = exports.selectors.export_rows

    def spy(run, segment=None):
        queryset = original(run, segment)
        real_iterator = queryset.iterator

        def iterator(chunk_size: int):
            seen.append(chunk_size)
            return real_iterator(chunk_size=chunk_size)

        queryset.iterator = iterator
        return queryset

    monkeypatch.setattr(exports.selectors, "export_rows", spy)
    assert len(read(exports.stream_export(factories.segmented_run(sizes=(3,))))) == 4
    assert seen == [exports.CHUNK_SIZE]


def test_export_filename_names_run_and_segment() -> None:
    run = factories.SegmentationRunFactory.build(pk=12)
    segment = factories.SegmentFactory.build(run=run, index=2)
    assert exports.export_filename(run) == "segweb-run-12.csv"
    assert exports.export_filename(run, segment) == "segweb-run-12-segment-2.csv"
