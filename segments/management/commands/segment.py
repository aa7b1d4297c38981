"""Segment the customers: queue a run for the worker, or run it here with --sync."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segments.clustering import DEFAULT_KMAX, MAX_K
from segments.features import FEATURE_SETS
from segments.models import SegmentationRun
from segments.services import run_execution, runs


def k_choice(value: str) -> int | None:
    if value == "auto":
        return None
    if value.isdigit() and 1 <= int(value) <= MAX_K:
        return int(value)
    raise ValueError(value)


class Command(BaseCommand):
    help = "Start a segmentation run (queued for the worker, or in this process with --sync)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--k", type=k_choice, default=None, help=f"auto or 1..{MAX_K}")
        parser.add_argument("--kmax", type=int, default=DEFAULT_KMAX, help="largest k tried")
        parser.add_argument("--features", choices=FEATURE_SETS, default="study")
        parser.add_argument("--sync", action="store_true", help="run now, in this process")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run, created = runs.request_run(
                SegmentationRun.Trigger.COMMAND,
                feature_set=options["features"],
                k=options["k"],
                kmax=options["kmax"],
                enqueue=not options["sync"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not created:
            self.stdout.write(f"Run {run.pk} is already {run.status}: not starting another.")
        if options["sync"]:
            run = run_execution.execute_run(run.pk)
            if run.status == SegmentationRun.Status.FAILED:
                raise CommandError(runs.run_summary(run))
            self.stdout.write(runs.run_summary(run))
        elif created:
            self.stdout.write(f"Run {run.pk} queued: a worker will pick it up.")
