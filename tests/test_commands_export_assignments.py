from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from segments.models import SegmentationRun
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = [
    "customer_id",
    "segment",
    "segment_name",
    "products_ordered",
    "average_return_rate",
    "total_spending",
]


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_export_assignments_current_run_one_line_per_customer(tmp_path: Path, capsys) -> None:
    factories.segmented_run(sizes=(1,), finished_at=timezone.now() - timezone.timedelta(days=1))
    current = factories.segmented_run(sizes=(2, 3), finished_at=timezone.now())
    out = tmp_path / "current.csv"
    call_command("export_assignments", "--run", "current", "--out", str(out))
    rows = read(out)
    assert rows[0] == HEADER
    customers = set(current.assignments.values_list("customer__external_id", flat=True))
    assert {row[0] for row in rows[1:]} == customers
    assert len(rows) == 6
    assert f"Wrote 5 customers of run {current.pk}" in capsys.readouterr().out


def test_export_assignments_run_by_id(tmp_path: Path) -> None:
    run = factories.segmented_run(sizes=(2,))
    factories.segmented_run(sizes=(4,))
    out = tmp_path / "run.csv"
    call_command("export_assignments", "--run", str(run.pk), "--out", str(out))
    assert len(read(out)) == 3


def test_export_assignments_neutralises_text(tmp_path: Path) -> None:
    assignment = factories.AssignmentFactory(customer=factories.CustomerFactory(external_id="=1+1"))
    out = tmp_path / "run.csv"
    call_command("export_assignments", "--run", str(assignment.run_id), "--out", str(out))
    assert read(out)[1][0] == "'=1+1"


@pytest.mark.parametrize("run_value", ["current", "999999", "abc"])
def test_export_assignments_without_such_run_fails(tmp_path: Path, run_value: str) -> None:
    factories.SegmentationRunFactory(status=SegmentationRun.Status.FAILED)
    with pytest.raises(CommandError):
        call_command("export_assignments", "--run", run_value, "--out", str(tmp_path / "x.csv"))
