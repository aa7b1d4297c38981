"""Write a run's segment assignments to a CSV file (the same rows as the app's export)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments import exports, selectors
from segments.models import SegmentationRun


class Command(BaseCommand):
    help = "Write one CSV line per customer of a run: id, segment, name and the three features."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--run", default="current", help="a run id, or 'current' (default)")
        parser.add_argument("--out", required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        run = find_run(options["run"])
        lines = exports.stream_export(run, columns=exports.COMMAND_COLUMNS)
        customers = -1  # the first line is the header
        with open(options["out"], "w", newline="", encoding="utf-8") as out:
            for line in lines:
                out.write(line)
                customers += 1
        self.stdout.write(f"Wrote {customers} customers of run {run.pk} to {options['out']}.")


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
