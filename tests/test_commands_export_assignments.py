from __future__ import annotations

import codecs
import csv
import hashlib
from pathlib import Path

import pytest
from django.core import checks
from django.core.checks.registry import CheckRegistry
from django.core.management import CommandError, call_command
from django.utils import timezone

from segments import campaigns
from segments.management.commands.export_assignments import Command as ExportCommand
from segments.models import ExportRecord, SegmentationRun
from tests import factories

pytestmark = pytest.mark.django_db


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        return list(csv.reader(file))


def export(*args: str) -> None:
    call_command("export_assignments", *args)


def test_export_assignments_current_run_one_line_per_customer(tmp_path: Path, capsys) -> None:
    factories.segmented_run(sizes=(1,), finished_at=timezone.now() - timezone.timedelta(days=1))
    current = factories.segmented_run(sizes=(2, 3), finished_at=timezone.now())
    out = tmp_path / "current.csv"
    export("--run", "current", "--out", str(out))
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    rows = read(out)
    assert rows[0] == list(campaigns.ANALYST_COLUMNS)
    customers = set(current.assignments.values_list("customer__external_id", flat=True))
    assert {row[0] for row in rows[1:]} == customers
    assert len(rows) == 6
    assert f"Wrote 5 customers of run {current.pk}" in capsys.readouterr().out


def test_export_assignments_run_by_id(tmp_path: Path) -> None:
    run = factories.segmented_run(sizes=(2,))
    factories.segmented_run(sizes=(4,))
    out = tmp_path / "run.csv"
    export("--run", str(run.pk), "--out", str(out))
    assert len(read(out)) == 3


@pytest.mark.parametrize(
    ("segment", "numbers", "indexes"),
    [
        ("2", ["2", "2", "2"], [2]),
        ("1,2", ["1", "2", "2", "2"], [1, 2]),
        ("all", ["1", "2", "2", "2", "3", "3"], []),
    ],
)
def test_export_assignments_segment_option_picks_segments(
    tmp_path: Path, segment, numbers, indexes
) -> None:
    run = factories.segmented_run(sizes=(1, 3, 2))
    out = tmp_path / "list.csv"
    export("--run", str(run.pk), "--segment", segment, "--out", str(out))
    assert sorted(row[1] for row in read(out)[1:]) == numbers
    assert ExportRecord.objects.get().segment_indexes == indexes


def test_export_assignments_unknown_segment_names_existing_ones(tmp_path: Path) -> None:
    run = factories.segmented_run(sizes=(1, 1))
    with pytest.raises(CommandError, match=r"no segment 5 \(it has 1, 2\)"):
        export("--run", str(run.pk), "--segment", "1,5", "--out", str(tmp_path / "x.csv"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--holdout", "10"], "--holdout PCT and --holdout-out FILE go together"),
        (["--holdout-out", "h.csv"], "--holdout PCT and --holdout-out FILE go together"),
        (["--preset", "klaviyo", "--hash"], "--hash is for the meta and google"),
        (["--segment", "one"], "--segment must be numbers"),
    ],
)
def test_export_assignments_bad_options_fail_before_writing(
    tmp_path: Path, options, message
) -> None:
    run = factories.segmented_run(sizes=(1,))
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match=message):
        export("--run", str(run.pk), *options, "--out", str(out))
    assert not out.exists()
    assert not ExportRecord.objects.exists()


def test_export_assignments_klaviyo_summary_mentions_left_out(tmp_path: Path, capsys) -> None:
    run = factories.campaign_run()
    out = tmp_path / "klaviyo.csv"
    export("--run", str(run.pk), "--preset", "klaviyo", "--out", str(out))
    assert read(out)[1][0] == "ana.lopez@example.com"
    summary = capsys.readouterr().out
    assert summary.count("\n") == 1
    assert "Wrote 1 customer of run" in summary
    assert "left out 3 (2 no contact, 1 no consent)" in summary


def test_export_assignments_include_without_consent_keeps_unconsented(tmp_path: Path) -> None:
    run = factories.campaign_run()
    out = tmp_path / "klaviyo.csv"
    export(
        "--run", str(run.pk), "--preset", "klaviyo", "--include-without-consent", "--out", str(out)
    )
    assert [row[0] for row in read(out)[1:]] == ["ana.lopez@example.com", "bo@example.com"]


def test_export_assignments_holdout_writes_two_disjoint_files(tmp_path: Path, capsys) -> None:
    run = factories.segmented_run(sizes=(30, 30))
    out, holdout_out = tmp_path / "list.csv", tmp_path / "holdout.csv"
    export(
        "--run",
        str(run.pk),
        "--holdout",
        "50",
        "--holdout-out",
        str(holdout_out),
        "--out",
        str(out),
    )
    ids = {row[0] for row in read(out)[1:]}
    held = {row[0] for row in read(holdout_out)[1:]}
    assert ids.isdisjoint(held)
    assert ids | held == set(run.assignments.values_list("customer__external_id", flat=True))
    assert f"holdout 50%: {len(held)} to {holdout_out}" in capsys.readouterr().out
    record = ExportRecord.objects.get()
    assert (record.holdout_percent, record.rows, record.holdout_rows) == (50, len(ids), len(held))


def test_export_assignments_hash_meta_writes_digests(tmp_path: Path) -> None:
    run = factories.campaign_run()
    out = tmp_path / "meta.csv"
    export("--run", str(run.pk), "--preset", "meta", "--hash", "--out", str(out))
    rows = read(out)
    assert rows[0] == ["email", "phone", "fn", "ln", "country"]
    assert rows[1][0] == hashlib.sha256(b"ana.lopez@example.com").hexdigest()
    assert ExportRecord.objects.get().hashed


def test_export_assignments_neutralises_text(tmp_path: Path) -> None:
    assignment = factories.AssignmentFactory(customer=factories.CustomerFactory(external_id="=1+1"))
    out = tmp_path / "run.csv"
    export("--run", str(assignment.run_id), "--out", str(out))
    assert read(out)[1][0] == "'=1+1"


@pytest.mark.parametrize("run_value", ["current", "999999", "abc"])
def test_export_assignments_without_such_run_fails(tmp_path: Path, run_value: str) -> None:
    factories.SegmentationRunFactory(status=SegmentationRun.Status.FAILED)
    with pytest.raises(CommandError):
        export("--run", run_value, "--out", str(tmp_path / "x.csv"))


def test_export_assignments_skips_the_system_checks(tmp_path: Path, monkeypatch) -> None:
    """Checks import every view; an export needs none of them (a failing one does not stop it)."""
    registry = CheckRegistry()
    registry.register(lambda **kwargs: [checks.Error("a failing check")])
    monkeypatch.setattr(checks, "registry", registry)
    monkeypatch.setattr(checks, "run_checks", registry.run_checks)
    factories.segmented_run(sizes=(2,))
    out = str(tmp_path / "list.csv")
    ExportCommand().run_from_argv(["manage.py", "export_assignments", "--out", out])
    assert len(read(tmp_path / "list.csv")) == 3
