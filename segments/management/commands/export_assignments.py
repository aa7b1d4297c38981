"""Write a campaign list of a run's segments to a CSV file, in an analyst's or a tool's columns."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments import campaigns, exports, selectors
from segments.exports import ListCounts, ListRequest
from segments.models import Segment, SegmentationRun


class Command(BaseCommand):
    help = "Write the members of a run's segments as a campaign list (CSV with a UTF-8 BOM)."
    # The system checks import every view (pandas, charts): 5 s and 100 MB before the first row.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--run", default="current", help="a run id, or 'current' (default)")
        parser.add_argument(
            "--segment",
            default="all",
            help="segment numbers as the pages show them, comma-separated, or 'all' (default)",
        )
        parser.add_argument(
            "--preset", default=campaigns.DEFAULT_PRESET, choices=list(campaigns.PRESETS)
        )
        parser.add_argument(
            "--hash", action="store_true", help="SHA-256 of each identifier (meta, google)"
        )
        parser.add_argument("--holdout", type=int, default=0, metavar="PCT")
        parser.add_argument("--holdout-out", metavar="FILE", help="the holdout (control) file")
        parser.add_argument("--include-without-consent", action="store_true")
        parser.add_argument("--out", required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        run = find_run(options["run"])
        if bool(options["holdout"]) != bool(options["holdout_out"]):
            raise CommandError("--holdout PCT and --holdout-out FILE go together.")
        if options["hash"] and not campaigns.get_preset(options["preset"]).hashable:
            raise CommandError("--hash is for the meta and google presets only.")
        if not 0 <= options["holdout"] <= campaigns.MAX_HOLDOUT_PERCENT:
            raise CommandError(f"--holdout must be 0 to {campaigns.MAX_HOLDOUT_PERCENT}.")
        request = ListRequest(
            run=run,
            segments=find_segments(run, options["segment"]),
            preset=options["preset"],
            hash_ids=options["hash"],
            holdout_percent=options["holdout"],
            include_without_consent=options["include_without_consent"],
        )
        counts = exports.write_files(request, options["out"], options["holdout_out"])
        self.stdout.write(summary(request, counts, options["out"], options["holdout_out"]))


def summary(request: ListRequest, counts: ListCounts, out: str, holdout_out: str | None) -> str:
    """One line: what was written where, and who was left out and why."""
    segments = ", ".join(str(s.number) for s in request.segments) or "all"
    customers = "customer" if counts.rows == 1 else "customers"
    line = (
        f"Wrote {counts.rows:,} {customers} of run {request.run.pk} (segments {segments}) "
        f"to {out} [{request.preset}]"
    )
    if request.holdout_percent:
        line += f"; holdout {request.holdout_percent}%: {counts.holdout_rows:,} to {holdout_out}"
    left_out = counts.left_out
    if left_out.total:
        line += (
            f"; left out {left_out.total:,} ({left_out.no_contact:,} no contact, "
            f"{left_out.no_consent:,} no consent)"
        )
    return line + "."


def find_run(value: str) -> SegmentationRun:
    if value == "current":
        run = selectors.current_run()
        if run is None:
            raise CommandError("No run has succeeded yet.")
        return run
    if not value.isdigit():
        raise CommandError(f"--run must be a run id or 'current', not {value!r}.")
    run = SegmentationRun.objects.filter(pk=int(value)).first()
    if run is None or run.status != SegmentationRun.Status.SUCCEEDED:
        raise CommandError(f"Run {value} does not exist or has not succeeded.")
    return run


def find_segments(run: SegmentationRun, value: str) -> tuple[Segment, ...]:
    """The run's segments by the numbers the pages show; 'all' gives () (every segment)."""
    if value == "all":
        return ()
    by_number = {segment.number: segment for segment in run.segments.all()}
    try:
        numbers = [int(part) for part in value.split(",")]
    except ValueError:
        raise CommandError(f"--segment must be numbers or 'all', not {value!r}.") from None
    missing = [n for n in numbers if n not in by_number]
    if missing:
        known = ", ".join(map(str, sorted(by_number)))
        raise CommandError(f"Run {run.pk} has no segment {missing[0]} (it has {known}).")
    return tuple(by_number[n] for n in dict.fromkeys(numbers))
